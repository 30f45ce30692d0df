// timeseries-pivot: one column per matched series and listed column.
//
//   pattern: series:///stations/*/temp.series
//   columns: [temperature]
//   time_column: timestamp            # default
//   transforms: [/etc/rename]
//
// One row per distinct timestamp over all matches; for each match (named by
// its first '*' capture, else its file name without extension) and each
// listed column, a column <name>.<column>, NULL where the match lacks it.
// A pattern that matches nothing is an error.
#include <set>
#include <sstream>

#include "factory/evaluator.h"
#include "util/text.h"
#include "util/time.h"

namespace pond::factory {
namespace {

struct Config : ParsedConfig {
  std::string pattern;
  std::vector<std::string> columns;
  std::string time_column = "timestamp";
  std::vector<std::string> transforms;
};

class TimeseriesPivot final : public Factory {
 public:
  std::string_view name() const override { return "timeseries-pivot"; }
  std::string_view description() const override {
    return "pivots matched series into one column per series and column, one row per time";
  }
  Makes makes() const override { return Makes::kSeries; }

  Result<std::shared_ptr<const ParsedConfig>> Parse(const YAML::Node& node) const override {
    Fields f(node, "timeseries-pivot config");
    auto config = std::make_shared<Config>();
    ASSIGN_OR_RETURN(config->pattern, f.String("pattern"));
    RETURN_IF_ERROR(Evaluator::ParseInputUrl(config->pattern, InputKind::kSeries)
                        .status()
                        .WithContext(f.where() + ": 'pattern'"));
    ASSIGN_OR_RETURN(config->columns, f.StringList("columns", true));
    if (config->columns.empty()) return f.Error("'columns' must name at least one column");
    ASSIGN_OR_RETURN(auto tc, f.OptString("time_column"));
    if (tc) config->time_column = *tc;
    ASSIGN_OR_RETURN(config->transforms, f.StringList("transforms"));
    RETURN_IF_ERROR(f.Done());
    return std::shared_ptr<const ParsedConfig>(config);
  }

  Result<tinyfs::DynamicContent> Compute(Evaluation& ev,
                                         const ParsedConfig& parsed) const override {
    const auto& config = dynamic_cast<const Config&>(parsed);
    ASSIGN_OR_RETURN(auto url, Evaluator::ParseInputUrl(config.pattern, InputKind::kSeries));
    ASSIGN_OR_RETURN(auto matches, MatchPattern(ev.eval.fs(), url.second, [](tinyfs::EntryType t) {
                       return tinyfs::IsSeries(t);
                     }));
    if (matches.empty()) {
      return Status::NotFound("pattern '" + EscapeControl(config.pattern) + "' matches no series");
    }
    std::vector<std::pair<std::string, Input>> inputs;  // alias, rows
    std::set<std::string> aliases;
    std::string identity;
    for (const PatternMatch& m : matches) {
      std::string alias;
      if (!m.captures.empty()) {
        alias = m.captures.front();
      } else {
        alias = m.path.substr(m.path.rfind('/') + 1);
        if (size_t dot = alias.rfind('.'); dot != std::string::npos && dot > 0) alias.resize(dot);
      }
      if (!aliases.insert(alias).second) {
        return Status::InvalidArgument("two matches are both named '" + EscapeControl(alias) +
                                       "' (add a '*' capture that tells them apart)");
      }
      ASSIGN_OR_RETURN(Input input, ev.eval.ResolveInput(m.path, InputKind::kSeries));
      identity += alias + "\n" + SourceIdentity(input.source);
      inputs.emplace_back(alias, std::move(input));
    }
    std::string key = CacheKey({std::string(name()), ev.config_text, identity,
                                TransformsIdentity(ev.eval, config.transforms)});
    const std::string& t = config.time_column;
    return ev.eval.Materialize(key, t, [&](const std::string& dest) -> Status {
      ASSIGN_OR_RETURN(auto session, sql::OpenInternalSqlSession());
      for (size_t i = 0; i < inputs.size(); ++i) {
        RETURN_IF_ERROR(AddInput(*session, "__in" + std::to_string(i), inputs[i].second, t));
      }
      RETURN_IF_ERROR(session->LockDown());
      std::string with, times, select = "SELECT __t." + SqlIdentifier(t), joins;
      for (size_t i = 0; i < inputs.size(); ++i) {
        std::string table = "__in" + std::to_string(i);
        std::string name = "__m" + std::to_string(i);
        ASSIGN_OR_RETURN(std::string body,
                         TransformedSelect(ev.eval, config.transforms, *session, table));
        ASSIGN_OR_RETURN(auto columns, DescribeQuery(*session, body));
        std::set<std::string> have;
        for (const auto& c : columns) have.insert(c.first);
        if (!have.count(t)) {
          return Status::InvalidArgument("'" + EscapeControl(inputs[i].second.paths.front()) +
                                         "' has no time column '" + EscapeControl(t) + "'");
        }
        std::string list =
            "CAST(" + SqlIdentifier(t) + " AS TIMESTAMP WITH TIME ZONE) AS " + SqlIdentifier(t);
        for (const std::string& c : config.columns) {
          std::string out = inputs[i].first + "." + c;
          list += ", " + (have.count(c) ? SqlIdentifier(c) : std::string("NULL")) + " AS " +
                  SqlIdentifier(out);
          select += ", " + name + "." + SqlIdentifier(out);
        }
        with += (with.empty() ? "WITH " : ", ") + name + " AS (SELECT " + list + " FROM (" + body +
                "))";
        times += (times.empty() ? "" : " UNION ") + std::string("SELECT ") + SqlIdentifier(t) +
                 " FROM " + name;
        joins += " LEFT JOIN " + name + " ON " + name + "." + SqlIdentifier(t) + " = __t." +
                 SqlIdentifier(t);
      }
      // One row per time: a match with two rows at one time has no single value.
      std::string dups;
      for (size_t i = 0; i < inputs.size(); ++i) {
        std::string name = "__m" + std::to_string(i);
        dups += (dups.empty() ? "" : " UNION ALL ") + std::string("SELECT ") + std::to_string(i) +
                " AS i, " + SqlIdentifier(t) + " AS t FROM " + name +
                " GROUP BY ALL HAVING count(*) > 1";
      }
      std::ostringstream found;
      RETURN_IF_ERROR(session->Query(with + " SELECT i, epoch_us(t) FROM (" + dups + ") LIMIT 1",
                                     sql::OutputFormat::kCsv, found));
      std::istringstream lines(found.str());
      std::string header, row;
      std::getline(lines, header);
      if (std::getline(lines, row) && row.find(',') != std::string::npos) {
        size_t i = std::stoul(row.substr(0, row.find(',')));
        int64_t at = std::stoll(row.substr(row.find(',') + 1));
        return Status::InvalidArgument("'" + EscapeControl(inputs[i].second.paths.front()) +
                                       "' has more than one row at " + FormatMicrosUtc(at) +
                                       ", so it cannot be pivoted (one row per time)");
      }
      std::string sql = with + " " + select + " FROM (" + times + ") AS __t" + joins +
                        " WHERE __t." + SqlIdentifier(t) + " IS NOT NULL ORDER BY 1";
      return session->QueryToParquet(sql, dest);
    });
  }
};

POND_REGISTER_FACTORY(TimeseriesPivot);

}  // namespace
}  // namespace pond::factory
