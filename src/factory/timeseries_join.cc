// timeseries-join: series side by side on their time column.
//
//   time_column: timestamp           # default
//   inputs:                          # at least 2
//     - {pattern: series:///a/*.series, scope: north, range: {begin: T, end: T}}
//     - {pattern: /b/temp.series, scope: south, transforms: [/etc/rename]}
//
// Each input is the union of its matches, filtered to [begin, end]; with a
// scope, its columns become <scope>.<column>. Inputs of one scope are unioned
// by name; the groups are full-outer-joined on time. The output is the time
// column, then each group's columns, in time order. An input matching
// nothing is an empty placeholder.
#include <map>

#include "factory/evaluator.h"
#include "util/text.h"
#include "util/time.h"

namespace pond::factory {
namespace {

struct JoinInput {
  std::string pattern;
  std::optional<std::string> scope;
  std::optional<int64_t> begin;
  std::optional<int64_t> end;
  std::vector<std::string> transforms;
};

struct Config : ParsedConfig {
  std::string time_column = "timestamp";
  std::vector<JoinInput> inputs;
};

std::string TimeLiteral(int64_t micros) {
  std::string text = FormatMicrosUtc(micros);
  text.pop_back();
  return "CAST(" + SqlString(text + "+00") + " AS TIMESTAMP WITH TIME ZONE)";
}

class TimeseriesJoin final : public Factory {
 public:
  std::string_view name() const override { return "timeseries-join"; }
  std::string_view description() const override {
    return "joins series on their time column (full outer join), columns scoped by input";
  }
  Makes makes() const override { return Makes::kSeries; }

  Result<std::shared_ptr<const ParsedConfig>> Parse(const YAML::Node& node) const override {
    Fields f(node, "timeseries-join config");
    auto config = std::make_shared<Config>();
    ASSIGN_OR_RETURN(auto tc, f.OptString("time_column"));
    if (tc) config->time_column = *tc;
    ASSIGN_OR_RETURN(auto inputs, f.List("inputs", true));
    if (inputs.size() < 2) return f.Error("'inputs' must have at least 2 inputs");
    for (size_t i = 0; i < inputs.size(); ++i) {
      Fields in(inputs[i], "timeseries-join config: " + Item("inputs", i));
      JoinInput input;
      ASSIGN_OR_RETURN(input.pattern, in.String("pattern"));
      RETURN_IF_ERROR(Evaluator::ParseInputUrl(input.pattern, InputKind::kSeries)
                          .status()
                          .WithContext(in.where() + ": 'pattern'"));
      ASSIGN_OR_RETURN(input.scope, in.OptString("scope"));
      if (in.Has("range")) {
        Fields r(in.Raw("range"), in.where() + ".range");
        if (r.Has("begin")) {
          ASSIGN_OR_RETURN(input.begin, r.Time("begin"));
        } else {
          r.Raw("begin");
        }
        if (r.Has("end")) {
          ASSIGN_OR_RETURN(input.end, r.Time("end"));
        } else {
          r.Raw("end");
        }
        if (input.begin && input.end && *input.begin > *input.end) {
          return r.Error("'begin' must not come after 'end'");
        }
        RETURN_IF_ERROR(r.Done());
      } else {
        in.Raw("range");
      }
      ASSIGN_OR_RETURN(input.transforms, in.StringList("transforms"));
      RETURN_IF_ERROR(in.Done());
      config->inputs.push_back(std::move(input));
    }
    RETURN_IF_ERROR(f.Done());
    return std::shared_ptr<const ParsedConfig>(config);
  }

  Result<tinyfs::DynamicContent> Compute(Evaluation& ev,
                                         const ParsedConfig& parsed) const override {
    const auto& config = dynamic_cast<const Config&>(parsed);
    std::vector<Input> inputs;
    std::string identity;
    for (const JoinInput& in : config.inputs) {
      ASSIGN_OR_RETURN(Input input, ev.eval.ResolveInput(in.pattern, InputKind::kSeries));
      identity += SourceIdentity(input.source) + "\n";
      inputs.push_back(std::move(input));
    }
    for (const JoinInput& in : config.inputs)
      identity += TransformsIdentity(ev.eval, in.transforms);
    std::string key = CacheKey({std::string(name()), ev.config_text, identity});
    const std::string& t = config.time_column;
    return ev.eval.Materialize(key, t, [&](const std::string& dest) -> Status {
      ASSIGN_OR_RETURN(auto session, sql::OpenInternalSqlSession());
      for (size_t i = 0; i < inputs.size(); ++i) {
        RETURN_IF_ERROR(AddInput(*session, "__in" + std::to_string(i), inputs[i], t));
      }
      RETURN_IF_ERROR(session->LockDown());
      // Each input, filtered and scoped; then grouped by scope.
      std::vector<std::string> group_order;
      std::map<std::string, std::vector<std::string>> groups;  // key -> selects
      std::map<std::string, std::string> owner;                // output column -> group
      for (size_t i = 0; i < inputs.size(); ++i) {
        const JoinInput& in = config.inputs[i];
        std::string table = "__in" + std::to_string(i);
        ASSIGN_OR_RETURN(std::string select,
                         TransformedSelect(ev.eval, in.transforms, *session, table));
        ASSIGN_OR_RETURN(auto columns, DescribeQuery(*session, select));
        bool has_time = false;
        std::string list =
            "CAST(" + SqlIdentifier(t) + " AS TIMESTAMP WITH TIME ZONE) AS " + SqlIdentifier(t);
        for (const auto& [column, type] : columns) {
          if (column == t) {
            has_time = true;
            continue;
          }
          std::string out = in.scope ? *in.scope + "." + column : column;
          // Within a scope inputs share columns (they are unioned); across
          // groups a name may appear once.
          std::string group = in.scope ? "scope " + *in.scope : "input " + std::to_string(i);
          auto [it, fresh] = owner.emplace(out, group);
          if (!fresh && it->second != group) {
            return Status::InvalidArgument("column '" + EscapeControl(out) + "' comes from " +
                                           it->second + " and from " + group +
                                           "; give the inputs scopes");
          }
          list += ", " + SqlIdentifier(column) + " AS " + SqlIdentifier(out);
        }
        if (!has_time) {
          return Status::InvalidArgument("input " + std::to_string(i) + " (" +
                                         EscapeControl(in.pattern) + ") has no time column '" +
                                         EscapeControl(t) + "'");
        }
        std::string where;
        if (in.begin) where += " WHERE " + SqlIdentifier(t) + " >= " + TimeLiteral(*in.begin);
        if (in.end) {
          where += (where.empty() ? " WHERE " : " AND ") + SqlIdentifier(t) +
                   " <= " + TimeLiteral(*in.end);
        }
        std::string key = in.scope ? "scope:" + *in.scope : "input:" + std::to_string(i);
        if (!groups.count(key)) group_order.push_back(key);
        groups[key].push_back("SELECT " + list + " FROM (" + select + ")" + where);
      }
      std::string with;
      std::string coalesce;
      std::string from;
      std::string columns;
      for (size_t g = 0; g < group_order.size(); ++g) {
        std::string name = "__g" + std::to_string(g);
        std::string body;
        for (const std::string& s : groups[group_order[g]]) {
          body += (body.empty() ? "" : " UNION ALL BY NAME ") + ("(" + s + ")");
        }
        with += (with.empty() ? "WITH " : ", ") + name + " AS (" + body + ")";
        std::string time = name + "." + SqlIdentifier(t);
        columns += ", " + name + ".* EXCLUDE (" + SqlIdentifier(t) + ")";
        if (g == 0) {
          from = name;
        } else {
          from += " FULL OUTER JOIN " + name + " ON " + name + "." + SqlIdentifier(t) +
                  " = COALESCE(" + coalesce + ")";
        }
        coalesce += (coalesce.empty() ? "" : ", ") + time;
      }
      std::string sql = with + " SELECT COALESCE(" + coalesce + ") AS " + SqlIdentifier(t) +
                        columns + " FROM " + from + " ORDER BY 1";
      return session->QueryToParquet(sql, dest);
    });
  }
};

POND_REGISTER_FACTORY(TimeseriesJoin);

}  // namespace
}  // namespace pond::factory
