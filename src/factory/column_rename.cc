// column-rename: a transform that renames (and casts) columns by rules.
//
//   rules:
//     - {type: direct, from: temp, to: temperature.C, cast: float64}
//     - {type: pattern, pattern: '^(\w+)_(\w+)$', replacement: '$1.$2'}
//
// The first rule that matches a column wins; a pattern matches the whole name.
#include "factory/column_rename.h"

#include <map>
#include <regex>
#include <set>

#include "factory/evaluator.h"
#include "util/text.h"

namespace pond::factory {
namespace {

struct Rule {
  bool direct = true;
  std::string from;  // direct
  std::string to;
  std::optional<std::string> cast;  // DuckDB type
  std::regex pattern;               // pattern
  std::string pattern_text;
  std::string replacement;
};

struct Config : ParsedConfig {
  std::vector<Rule> rules;
};

const std::map<std::string, std::string>& CastTypes() {
  static const std::map<std::string, std::string> types = {
      {"timestamp", "TIMESTAMP WITH TIME ZONE"},
      {"string", "VARCHAR"},
      {"int64", "BIGINT"},
      {"int32", "INTEGER"},
      {"float64", "DOUBLE"},
      {"float32", "FLOAT"},
      {"boolean", "BOOLEAN"}};
  return types;
}

class ColumnRename final : public Factory {
 public:
  std::string_view name() const override { return "column-rename"; }
  std::string_view description() const override {
    return "renames and casts columns by rules, for the transforms: lists of other factories";
  }
  Makes makes() const override { return Makes::kTransform; }

  Result<std::shared_ptr<const ParsedConfig>> Parse(const YAML::Node& node) const override {
    Fields f(node, "column-rename config");
    auto config = std::make_shared<Config>();
    ASSIGN_OR_RETURN(auto rules, f.List("rules", true));
    if (rules.empty()) return f.Error("'rules' must have at least one rule");
    for (size_t i = 0; i < rules.size(); ++i) {
      Fields r(rules[i], "column-rename config: " + Item("rules", i));
      Rule rule;
      ASSIGN_OR_RETURN(std::string type, r.String("type"));
      if (type == "direct") {
        ASSIGN_OR_RETURN(rule.from, r.String("from"));
        ASSIGN_OR_RETURN(rule.to, r.String("to"));
        ASSIGN_OR_RETURN(auto cast, r.OptString("cast"));
        if (cast) {
          auto t = CastTypes().find(*cast);
          if (t == CastTypes().end()) {
            return r.Error(
                "'cast' must be timestamp, string, int64, int32, float64, float32 or "
                "boolean, not '" +
                EscapeControl(*cast) + "'");
          }
          rule.cast = t->second;
        }
      } else if (type == "pattern") {
        rule.direct = false;
        ASSIGN_OR_RETURN(rule.pattern_text, r.String("pattern"));
        ASSIGN_OR_RETURN(rule.replacement, r.String("replacement"));
        try {
          rule.pattern = std::regex(rule.pattern_text, std::regex::ECMAScript);
        } catch (const std::regex_error& e) {
          return r.Error("'pattern' is not a valid regular expression: " +
                         EscapeControl(rule.pattern_text));
        }
      } else {
        return r.Error("'type' must be direct or pattern, not '" + EscapeControl(type) + "'");
      }
      RETURN_IF_ERROR(r.Done());
      config->rules.push_back(std::move(rule));
    }
    RETURN_IF_ERROR(f.Done());
    return std::shared_ptr<const ParsedConfig>(config);
  }
};

POND_REGISTER_FACTORY(ColumnRename);

}  // namespace

Result<std::vector<RenamedColumn>> RenameColumns(
    const ParsedConfig& parsed, const std::vector<std::pair<std::string, std::string>>& columns) {
  const auto& config = dynamic_cast<const Config&>(parsed);
  std::vector<RenamedColumn> out;
  std::set<std::string> names;
  for (const auto& [name, type] : columns) {
    RenamedColumn c{SqlIdentifier(name), name, type};
    for (const Rule& rule : config.rules) {
      if (rule.direct) {
        if (rule.from != name) continue;
        c.name = rule.to;
        if (rule.cast) {
          c.expression = "CAST(" + SqlIdentifier(name) + " AS " + *rule.cast + ")";
          c.type = *rule.cast;
        }
        break;
      }
      if (!std::regex_match(name, rule.pattern)) continue;
      c.name = std::regex_replace(name, rule.pattern, rule.replacement,
                                  std::regex_constants::format_first_only);
      break;
    }
    if (!names.insert(c.name).second) {
      return Status::InvalidArgument("column-rename gives two columns the name '" +
                                     EscapeControl(c.name) + "'");
    }
    out.push_back(std::move(c));
  }
  return out;
}

}  // namespace pond::factory
