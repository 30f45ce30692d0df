// Glob patterns over pond paths, with captures.
//
// Syntax, per path component: '*' any run of characters (not '/'), '?' one
// character, '[abc]' '[a-z]' '[!a-z]' a character class; '**' as a whole
// component matches zero or more components. Every wildcard component (or
// '**') yields a capture: the text it matched ("**" captures the matched
// components joined by '/'). Literal components have no wildcard; "\" escapes
// the next character.
//
// Details: a character is a UTF-8 code point (a byte that is not valid UTF-8
// counts as one character); '*' and '?' match a leading '.' too. In a class,
// '^' negates like '!', a ']' right after '[' or '[!' is a member, '-' first
// or last is a member, and "\" escapes; "[]", "[!]" and a reversed range
// such as "[z-a]" are malformed.
//
// Example: "/sensors/*/temp.series" matches "/sensors/north/temp.series" with
// captures {"north"}.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/status.h"

namespace pond::tinyfs {

// One component of a compiled pattern.
struct GlobComponent {
  enum class Kind { kLiteral, kWildcard, kRecursive };  // kRecursive is "**"
  Kind kind = Kind::kLiteral;
  std::string text;  // the literal (unescaped) or the wildcard pattern as written
};

class GlobPattern {
 public:
  // Compiles `pattern` (absolute or relative; no normalization of "."/".."
  // beyond dropping empty and "." components). InvalidArgument for a malformed
  // pattern, e.g. an unclosed '[' or a "**" inside a component ("a**b"), and
  // for an empty one.
  static Result<GlobPattern> Compile(std::string_view pattern);

  const std::vector<GlobComponent>& components() const { return components_; }
  bool absolute() const { return absolute_; }
  // True when the pattern has no wildcard at all.
  bool is_literal() const;

  // Matches a whole path given as components. On a match returns the
  // captures, one per wildcard or "**" component in order. When several
  // splits match, an earlier "**" takes as many components as it can.
  // At most one component match per (pattern, path) component pair, however
  // many "**" the pattern has.
  std::optional<std::vector<std::string>> Match(const std::vector<std::string>& path) const;

 private:
  std::vector<GlobComponent> components_;
  bool absolute_ = false;
};

// True when the single component `name` matches the wildcard `pattern`
// (the component syntax above; no '/'). A malformed pattern is matched
// leniently: an unclosed '[' or a trailing "\" stands for itself.
bool MatchComponent(std::string_view pattern, std::string_view name);

}  // namespace pond::tinyfs
