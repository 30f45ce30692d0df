// What temporal-reduce computes, as pure functions (for tests and for the SQL
// it generates, which must agree with them).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace pond::factory {

// The start of the epoch-aligned bucket of width `width` (micros) holding
// instant `t` (micros since 1970-01-01 UTC); correct before 1970 too.
inline int64_t BucketStart(int64_t t, int64_t width) {
  int64_t r = t % width;
  if (r < 0) r += width;
  return t - r;
}

// SQL for BucketStart over BIGINT expressions.
inline std::string BucketStartSql(const std::string& t, int64_t width) {
  std::string w = std::to_string(width);
  return "(" + t + " - ((" + t + " % " + w + ") + " + w + ") % " + w + ")";
}

// Whether column `name` matches `pattern`: the name itself, or a pattern
// with one '*' standing for any run of characters.
bool MatchColumn(std::string_view pattern, std::string_view name);

// The text each '*' of the glob component `pattern` matched in `name`
// (leftmost match; '?' and classes are not split: a component with them
// captures the whole name). One capture per '*'; the whole name when the
// component has none.
std::vector<std::string> StarCaptures(std::string_view pattern, std::string_view name);

// `out_pattern` with $0, $1, ... replaced by `captures` (`$$` is '$').
// InvalidArgument-worthy references beyond the captures return false.
bool SubstituteCaptures(const std::string& out_pattern, const std::vector<std::string>& captures,
                        std::string* out);

}  // namespace pond::factory
