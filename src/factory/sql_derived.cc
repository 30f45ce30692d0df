// sql-derived-table and sql-derived-series: a table or series that is the
// result of a SQL query over other pond tables and series.
//
//   patterns:                        # each name is a table in the query:
//     raw: series:///raw/*.series    # the union (by name) of every match
//   query: SELECT timestamp, avg(t) AS t FROM raw GROUP BY ALL   # default: SELECT * FROM <name>
//   transforms: [/etc/rename]        # applied to every pattern's table
//   time_column: timestamp           # sql-derived-series only (default timestamp)
//
// A pattern that matches nothing is an empty table (with only the time
// column), not an error.
#include <set>

#include "factory/evaluator.h"
#include "util/text.h"

namespace pond::factory {
namespace {

struct Config : ParsedConfig {
  std::vector<std::pair<std::string, std::string>> patterns;  // name, URL
  std::string query;
  std::vector<std::string> transforms;
  std::string time_column = "timestamp";
};

class SqlDerived : public Factory {
 public:
  explicit SqlDerived(bool series) : series_(series) {}
  std::string_view name() const override {
    return series_ ? "sql-derived-series" : "sql-derived-table";
  }
  std::string_view description() const override {
    return series_ ? "a series that is a SQL query over pond series and tables"
                   : "a table that is a SQL query over pond tables";
  }
  Makes makes() const override { return series_ ? Makes::kSeries : Makes::kTable; }

  Result<std::shared_ptr<const ParsedConfig>> Parse(const YAML::Node& node) const override {
    Fields f(node, std::string(name()) + " config");
    auto config = std::make_shared<Config>();
    ASSIGN_OR_RETURN(auto map, f.Map("patterns"));
    for (auto& [key, value] : map) {
      if (!value.IsScalar()) return f.Error("pattern '" + EscapeControl(key) + "' must be a text");
      RETURN_IF_ERROR(Evaluator::ParseInputUrl(value.Scalar(), InputKind::kAny)
                          .status()
                          .WithContext(f.where() + ": pattern '" + EscapeControl(key) + "'"));
      config->patterns.emplace_back(key, value.Scalar());
    }
    if (config->patterns.empty()) return f.Error("'patterns' must name at least one pattern");
    ASSIGN_OR_RETURN(auto query, f.OptString("query"));
    if (query) {
      config->query = *query;
    } else if (config->patterns.size() == 1) {
      config->query = "SELECT * FROM " + SqlIdentifier(config->patterns.front().first);
    } else {
      return f.Error("'query' is required when there is more than one pattern");
    }
    ASSIGN_OR_RETURN(config->transforms, f.StringList("transforms"));
    if (series_) {
      ASSIGN_OR_RETURN(auto tc, f.OptString("time_column"));
      if (tc) config->time_column = *tc;
    }
    RETURN_IF_ERROR(f.Done());
    return std::shared_ptr<const ParsedConfig>(config);
  }

  Result<tinyfs::DynamicContent> Compute(Evaluation& ev,
                                         const ParsedConfig& parsed) const override {
    const auto& config = dynamic_cast<const Config&>(parsed);
    std::vector<std::pair<std::string, Input>> inputs;
    std::string identity;
    for (const auto& [table, url] : config.patterns) {
      ASSIGN_OR_RETURN(Input input,
                       ev.eval.ResolveInput(url, series_ ? InputKind::kSeries : InputKind::kTable));
      identity += table + "\n" + SourceIdentity(input.source);
      inputs.emplace_back(table, std::move(input));
    }
    std::string key = CacheKey({std::string(name()), ev.config_text, identity,
                                TransformsIdentity(ev.eval, config.transforms)});
    std::optional<std::string> time_column;
    if (series_) time_column = config.time_column;
    return ev.eval.Materialize(key, time_column, [&](const std::string& dest) -> Status {
      ASSIGN_OR_RETURN(auto session, sql::OpenSqlSession());
      for (const auto& [table, input] : inputs) {
        RETURN_IF_ERROR(AddInput(*session, "__in_" + table, input, config.time_column));
      }
      RETURN_IF_ERROR(session->LockDown());
      std::string with;
      for (const auto& [table, input] : inputs) {
        ASSIGN_OR_RETURN(std::string select,
                         TransformedSelect(ev.eval, config.transforms, *session, "__in_" + table));
        with += (with.empty() ? "WITH " : ", ") + SqlIdentifier(table) + " AS (" + select + ")";
      }
      return session->QueryToParquet(with + " SELECT * FROM (" + config.query + ")", dest);
    });
  }

 private:
  bool series_;
};

struct SqlDerivedTable final : SqlDerived {
  SqlDerivedTable() : SqlDerived(false) {}
};
struct SqlDerivedSeries final : SqlDerived {
  SqlDerivedSeries() : SqlDerived(true) {}
};

POND_REGISTER_FACTORY(SqlDerivedTable);
POND_REGISTER_FACTORY(SqlDerivedSeries);

}  // namespace
}  // namespace pond::factory
