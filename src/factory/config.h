// Factory configs: YAML text, `${env:VAR}` expansion, and reading a mapping
// key by key so that a key nobody asked for is an error naming it.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "util/status.h"

namespace pond::factory {

// Replaces `${env:VAR}` and `${env:VAR:-default}` with the environment's
// value (or the default when VAR is unset); `$$` is one `$`. A `$` that starts
// neither is kept. InvalidArgument naming the variable when one is unset and
// has no default, or naming the text when a `${` is not closed.
Result<std::string> ExpandEnv(std::string_view text);

// Parses one YAML document. InvalidArgument with the parser's line and column.
Result<YAML::Node> ParseYaml(const std::string& text, const std::string& what);

// Every document of a multi-document YAML text (separated by `---`), each
// with the line it starts on.
struct YamlDocument {
  YAML::Node node;
  int line = 1;
};
Result<std::vector<YamlDocument>> ParseYamlDocuments(const std::string& text,
                                                     const std::string& what);

// " (line N)" for a node the parser marked, "" otherwise.
std::string LineOf(const YAML::Node& node);

// One YAML mapping read by key. Each getter marks its key as known; Done()
// fails naming the first key that no getter asked for. Errors name the key
// with its place (`where`: "temporal-reduce config", "inputs[1]").
class Fields {
 public:
  // InvalidArgument (at Done, and from every getter) when `node` is not a mapping.
  Fields(const YAML::Node& node, std::string where);

  bool Has(const std::string& key) const;
  Result<std::string> String(const std::string& key);
  Result<std::optional<std::string>> OptString(const std::string& key);
  Result<double> Number(const std::string& key, std::optional<double> fallback = std::nullopt);
  Result<int64_t> Integer(const std::string& key, std::optional<int64_t> fallback = std::nullopt);
  Result<bool> Bool(const std::string& key, std::optional<bool> fallback = std::nullopt);
  // A duration ("15m", "1h30m", "2d") in microseconds, above zero.
  Result<int64_t> Duration(const std::string& key);
  // An RFC 3339 instant in microseconds.
  Result<int64_t> Time(const std::string& key);
  // A sequence (empty when the key is absent, unless `required`).
  Result<std::vector<YAML::Node>> List(const std::string& key, bool required = false);
  Result<std::vector<std::string>> StringList(const std::string& key, bool required = false);
  // A mapping's keys and values in document order (InvalidArgument when absent).
  Result<std::vector<std::pair<std::string, YAML::Node>>> Map(const std::string& key);
  // The raw node (undefined when absent), marked known.
  YAML::Node Raw(const std::string& key);

  // OK when every key was asked for.
  Status Done() const;
  const std::string& where() const { return where_; }
  // "<where>: <message>" as InvalidArgument.
  Status Error(const std::string& message) const;

 private:
  Result<YAML::Node> Required(const std::string& key);
  std::string Name(const std::string& key) const;

  YAML::Node node_;
  std::string where_;
  std::set<std::string> known_;
};

// A list item's place: "inputs[2]".
std::string Item(const std::string& list, size_t index);

}  // namespace pond::factory
