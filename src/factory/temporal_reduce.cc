// temporal-reduce: downsamples series at several resolutions.
//
//   in_pattern: series:///raw/*/*.series     # each * (and **) is a capture
//   out_pattern: $0                          # $0, $1, ... are the captures
//   time_column: timestamp
//   resolutions: [1h, 6h, 1d]                # each a multiple of the next finer
//   aggregations:
//     - {type: avg, columns: [temperature, "hum*"]}
//     - {type: count, columns: ["*"]}        # COUNT(*), named timestamp.count
//   transforms: [/etc/rename]                # optional column-rename nodes
//
// The node is a directory <node>/<out>/res=<resolution>.series, one series
// per resolution for each distinct out_pattern result; sources that map to the
// same <out> are unioned. Buckets are epoch-aligned UTC; a bucket exists only
// when it has a row.
//
// Incremental: per-bucket partials (row count, and per column sum, count,
// min, max) are computed at the finest resolution once per source version
// (keyed by its content) and cached under $POND/cache/reduce/; a reduction
// combines the partials of the versions it reads. Appending a version
// computes only that version's partials, and a late row that lands in an old
// bucket is counted because buckets are always recombined from all partials.
#include <algorithm>
#include <filesystem>
#include <map>
#include <set>
#include <sstream>

#include "factory/evaluator.h"
#include "factory/reduce.h"
#include "tinyfs/path.h"
#include "util/counters.h"
#include "util/duration.h"
#include "util/id.h"
#include "util/text.h"

namespace pond::factory {

bool MatchColumn(std::string_view pattern, std::string_view name) {
  size_t star = pattern.find('*');
  if (star == std::string_view::npos) return pattern == name;
  std::string_view prefix = pattern.substr(0, star);
  std::string_view suffix = pattern.substr(star + 1);
  return name.size() >= prefix.size() + suffix.size() && name.starts_with(prefix) &&
         name.ends_with(suffix);
}

std::vector<std::string> StarCaptures(std::string_view pattern, std::string_view name) {
  if (pattern.find_first_of("?[\\") != std::string_view::npos ||
      pattern.find('*') == std::string_view::npos) {
    return {std::string(name)};
  }
  std::vector<std::string_view> pieces;
  size_t start = 0;
  while (true) {
    size_t star = pattern.find('*', start);
    pieces.push_back(pattern.substr(start, star == std::string_view::npos ? star : star - start));
    if (star == std::string_view::npos) break;
    start = star + 1;
  }
  // pieces: literal, *, literal, *, ..., literal. The first is a prefix, the
  // last a suffix; the middle ones are found leftmost.
  std::vector<std::string> out;
  size_t pos = pieces.front().size();
  size_t end = name.size() - pieces.back().size();
  for (size_t i = 1; i + 1 < pieces.size(); ++i) {
    size_t found = name.find(pieces[i], pos);
    if (found == std::string_view::npos || found > end) return {std::string(name)};
    out.emplace_back(name.substr(pos, found - pos));
    pos = found + pieces[i].size();
  }
  if (pos > end) return {std::string(name)};
  out.emplace_back(name.substr(pos, end - pos));
  return out;
}

bool SubstituteCaptures(const std::string& out_pattern, const std::vector<std::string>& captures,
                        std::string* out) {
  out->clear();
  for (size_t i = 0; i < out_pattern.size(); ++i) {
    char c = out_pattern[i];
    if (c != '$' || i + 1 >= out_pattern.size()) {
      *out += c;
      continue;
    }
    if (out_pattern[i + 1] == '$') {
      *out += '$';
      ++i;
      continue;
    }
    size_t j = i + 1;
    size_t n = 0;
    while (j < out_pattern.size() && std::isdigit(static_cast<unsigned char>(out_pattern[j]))) {
      n = n * 10 + static_cast<size_t>(out_pattern[j] - '0');
      ++j;
    }
    if (j == i + 1) {
      *out += c;
      continue;
    }
    if (n >= captures.size()) return false;
    *out += captures[n];
    i = j - 1;
  }
  return true;
}

namespace {

namespace hostfs = std::filesystem;

enum class Agg { kAvg, kMin, kMax, kSum, kCount };

struct Aggregation {
  Agg type = Agg::kAvg;
  std::string type_name;
  std::vector<std::string> columns;  // names or one-* patterns; empty: every column
  bool count_star = false;           // count of ["*"]: COUNT(*)
};

struct Config : ParsedConfig {
  std::string in_pattern;
  std::string out_pattern;
  std::string time_column;
  std::vector<std::pair<std::string, int64_t>> resolutions;  // as written, micros
  std::vector<Aggregation> aggregations;
  std::vector<std::string> transforms;
  int64_t finest = 0;
};

bool IsNumeric(const std::string& type) {
  static const std::set<std::string> kNumeric = {"TINYINT", "SMALLINT", "INTEGER",   "BIGINT",
                                                 "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER",
                                                 "UBIGINT", "UHUGEINT", "FLOAT",     "DOUBLE"};
  return kNumeric.count(type) > 0 || type.rfind("DECIMAL", 0) == 0;
}

bool IsInteger(const std::string& type) {
  return IsNumeric(type) && type != "FLOAT" && type != "DOUBLE" && type.rfind("DECIMAL", 0) != 0;
}

// Sums of integers are exact (DECIMAL(38,0), which Parquet stores as it is);
// of anything else, doubles.
std::string SumType(const std::string& type) {
  return IsInteger(type) ? "DECIMAL(38,0)" : "DOUBLE";
}

// One source column the partials keep statistics of.
struct Stat {
  std::string column;
  std::string type;
  bool sum = false;  // numeric and summed (for avg or sum)
};

// One output column and how it comes from the partials.
struct Output {
  std::string name;
  std::string sql;  // over the combined columns
};

struct Plan {
  std::vector<Stat> stats;
  std::vector<Output> outputs;
};

// Decides the statistics and output columns from the source's columns.
Result<Plan> MakePlan(const Config& config,
                      const std::vector<std::pair<std::string, std::string>>& columns) {
  Plan plan;
  std::map<std::string, size_t> stat_of;
  auto stat = [&](const std::string& name, const std::string& type) -> size_t {
    auto it = stat_of.find(name);
    if (it != stat_of.end()) return it->second;
    stat_of[name] = plan.stats.size();
    plan.stats.push_back({name, type, false});
    return plan.stats.size() - 1;
  };
  std::set<std::string> names{config.time_column};
  for (const Aggregation& a : config.aggregations) {
    if (a.count_star) {
      std::string name = config.time_column + ".count";
      if (!names.insert(name).second) continue;
      plan.outputs.push_back({name, "CAST(\"__n\" AS BIGINT)"});
      continue;
    }
    std::vector<std::pair<std::string, std::string>> chosen;
    if (a.columns.empty()) {
      for (const auto& c : columns) {
        bool summed = a.type == Agg::kAvg || a.type == Agg::kSum;
        if (summed && !IsNumeric(c.second)) continue;  // only numbers average
        chosen.push_back(c);
      }
    } else {
      for (const std::string& pattern : a.columns) {
        bool any = false;
        for (const auto& c : columns) {
          if (!MatchColumn(pattern, c.first)) continue;
          any = true;
          bool summed = a.type == Agg::kAvg || a.type == Agg::kSum;
          if (summed && !IsNumeric(c.second)) {
            if (pattern.find('*') != std::string::npos) continue;
            return Status::InvalidArgument("column '" + EscapeControl(c.first) + "' is " +
                                           c.second + ", which " + a.type_name +
                                           " cannot aggregate");
          }
          if (std::find(chosen.begin(), chosen.end(), c) == chosen.end()) chosen.push_back(c);
        }
        if (!any && pattern.find('*') == std::string::npos) {
          return Status::InvalidArgument("the sources have no column '" + EscapeControl(pattern) +
                                         "' to " + a.type_name);
        }
      }
    }
    for (const auto& [column, type] : chosen) {
      size_t i = stat(column, type);
      std::string n = std::to_string(i);
      std::string name = column + "." + a.type_name;
      if (!names.insert(name).second) continue;
      switch (a.type) {
        case Agg::kAvg:
          plan.stats[i].sum = true;
          plan.outputs.push_back(
              {name, "CAST(\"s" + n + "\" AS DOUBLE) / NULLIF(\"c" + n + "\", 0)"});
          break;
        case Agg::kSum:
          plan.stats[i].sum = true;
          plan.outputs.push_back({name, "CASE WHEN \"c" + n + "\" > 0 THEN CAST(\"s" + n +
                                            "\" AS " + SumType(type) + ") END"});
          break;
        case Agg::kMin:
          plan.outputs.push_back({name, "\"mn" + n + "\""});
          break;
        case Agg::kMax:
          plan.outputs.push_back({name, "\"mx" + n + "\""});
          break;
        case Agg::kCount:
          plan.outputs.push_back({name, "CAST(\"c" + n + "\" AS BIGINT)"});
          break;
      }
    }
  }
  return plan;
}

// The description of a config that the cached results depend on.
std::string SpecText(Evaluator& eval, const Config& config) {
  std::string text = "time_column=" + config.time_column + "\n";
  for (const Aggregation& a : config.aggregations) {
    text += a.type_name + ":";
    for (const std::string& c : a.columns) text += c + ",";
    text += a.count_star ? "*" : "";
    text += "\n";
  }
  return text + TransformsIdentity(eval, config.transforms);
}

// A cache-safe name for a content id.
std::string CidName(const std::string& content_id) { return CacheKey({content_id}).substr(0, 40); }

// Computes the partials of the files of `source` that `dir` lacks.
Status ComputePartials(Evaluator& eval, const Config& config, const sql::TableSource& source,
                       const std::string& dir, const Plan& plan, const std::string& time_type) {
  sql::TableSource missing = source;
  missing.files.clear();
  std::set<std::string> wanted;
  for (const sql::SourceFile& f : source.files) {
    std::string cid = f.constants.at(0).value();
    std::error_code ec;
    if (hostfs::exists(dir + "/__cid=" + cid, ec)) continue;
    if (wanted.insert(cid).second) missing.files.push_back(f);
  }
  if (missing.files.empty()) return Status::OK();
  // Only the versions whose partials are missing are read (and verified).
  RETURN_IF_ERROR(sql::ReadSourceFiles(eval.fs(), eval.pond(), missing, eval.scratch()));
  // Rows are told apart by DuckDB's file name column (cheaper than a join
  // per row); the grouped result is joined to the content ids.
  RowBatch cids;
  cids.columns = {{"file", CellType::kString}, {"cid", CellType::kString}};
  for (sql::SourceFile& f : missing.files) {
    cids.rows.push_back({f.host_path, f.constants.at(0).value()});
    f.constants.clear();
  }
  missing.constant_columns.clear();
  missing.file_column = "__file";
  ASSIGN_OR_RETURN(auto session, sql::OpenSqlSession());
  RETURN_IF_ERROR(session->AddTable("src", missing));
  RETURN_IF_ERROR(session->AddRows("__cids", cids));
  RETURN_IF_ERROR(session->LockDown());
  // One look at these versions' columns gives both the transformed SELECT and
  // what it yields: a version may lack a column others have (series may grow
  // columns), which reads as NULL there.
  ASSIGN_OR_RETURN(Columns columns, DescribeTable(*session, "src"));
  ASSIGN_OR_RETURN(auto applied, ApplyTransforms(eval, config.transforms, "src", columns));
  const auto& [select, present] = applied;
  std::set<std::string> have;
  for (const auto& c : present) have.insert(c.first);
  // epoch_us reads both timestamp types as they are (a TIMESTAMP WITH TIME
  // ZONE cast to TIMESTAMP would go through the time zone library, 7x slower).
  const bool timestamp = time_type == "TIMESTAMP" || time_type == "TIMESTAMP WITH TIME ZONE";
  std::string t = timestamp
                      ? "epoch_us(" + SqlIdentifier(config.time_column) + ")"
                      : "epoch_us(CAST(" + SqlIdentifier(config.time_column) + " AS TIMESTAMP))";
  std::string sql =
      "SELECT \"__file\", " + BucketStartSql(t, config.finest) + " AS \"__b\", count(*) AS \"__n\"";
  for (size_t i = 0; i < plan.stats.size(); ++i) {
    const Stat& s = plan.stats[i];
    std::string n = std::to_string(i);
    // Every partial has the plan's types, whatever the version's own are, so
    // that partials of different versions combine exactly.
    std::string c = have.count(s.column) ? "CAST(" + SqlIdentifier(s.column) + " AS " + s.type + ")"
                                         : "CAST(NULL AS " + s.type + ")";
    if (s.sum) {
      std::string sum_type = SumType(s.type);
      sql +=
          ", CAST(sum(CAST(" + c + " AS " + sum_type + ")) AS " + sum_type + ") AS \"s" + n + "\"";
    }
    sql += ", count(" + c + ") AS \"c" + n + "\", min(" + c + ") AS \"mn" + n + "\", max(" + c +
           ") AS \"mx" + n + "\"";
  }
  sql += " FROM (" + select + ") WHERE " + SqlIdentifier(config.time_column) +
         " IS NOT NULL GROUP BY ALL";
  sql = "SELECT c.\"cid\" AS \"__cid\", p.* EXCLUDE (\"__file\") FROM (" + sql +
        ") AS p JOIN \"__cids\" AS c ON p.\"__file\" = c.\"file\"";
  std::string tmp = dir + "/.tmp-" + NewUuidV7();
  Status st = session->QueryToPartitionedParquet(sql, tmp, {"__cid"});
  if (st.ok()) {
    std::error_code ec;
    for (const auto& entry : hostfs::directory_iterator(tmp, ec)) {
      std::string target = dir + "/" + entry.path().filename().string();
      std::error_code rename_ec;
      hostfs::rename(entry.path(), target, rename_ec);  // a racer may have made it first
    }
  }
  std::error_code ec;
  hostfs::remove_all(tmp, ec);
  return st;
}

Result<tinyfs::DynamicContent> Reduce(Evaluator& eval, std::shared_ptr<const Config> config,
                                      const std::vector<std::string>& sources, int64_t width) {
  // Every version of every source, each marked with its content.
  std::optional<PhaseTimer> identity_timer(std::in_place, "reduce: sources");
  sql::TableSource all;
  all.constant_columns = {ColumnSpec{"__cid", "string", true}};
  bool known = true;
  for (const std::string& path : sources) {
    sql::PondTableOptions options;
    options.defer_reads = true;  // identities first: a cached result reads nothing
    ASSIGN_OR_RETURN(sql::TableSource s,
                     sql::ResolvePondTable(eval.fs(), eval.pond(), path, options, eval.scratch()));
    for (sql::SourceFile& f : s.files) {
      f.constants = {CidName(f.content_id)};
      all.files.push_back(std::move(f));
    }
    // The columns the pond recorded, when every source's are known and
    // agree (otherwise DuckDB decides the union's types).
    if (s.columns.empty()) known = false;
    for (auto& c : s.columns) {
      auto same = std::find_if(all.columns.begin(), all.columns.end(),
                               [&](const auto& have) { return have.first == c.first; });
      if (same == all.columns.end()) {
        all.columns.push_back(c);
      } else if (same->second != c.second) {
        known = false;
      }
    }
  }
  if (!known) all.columns.clear();
  identity_timer.reset();
  std::string spec = SpecText(eval, *config);
  std::string key = CacheKey({"temporal-reduce", spec, std::to_string(width), SourceIdentity(all)});
  return eval.MaterializeWith(
      key, config->time_column, [&](const std::string& dest) -> Result<std::optional<ParquetInfo>> {
        // The columns after the transforms: from what the pond recorded, or, when
        // it did not, from DuckDB reading every source.
        Columns described;
        if (!all.columns.empty()) {
          Columns base = all.columns;
          base.emplace_back("__cid", "VARCHAR");
          ASSIGN_OR_RETURN(auto applied, ApplyTransforms(eval, config->transforms, "src", base));
          described = std::move(applied.second);
        } else {
          sql::TableSource read = all;
          RETURN_IF_ERROR(sql::ReadSourceFiles(eval.fs(), eval.pond(), read, eval.scratch()));
          ASSIGN_OR_RETURN(auto session, sql::OpenSqlSession());
          RETURN_IF_ERROR(session->AddTable("src", read));
          RETURN_IF_ERROR(session->LockDown());
          ASSIGN_OR_RETURN(std::string select,
                           TransformedSelect(eval, config->transforms, *session, "src"));
          ASSIGN_OR_RETURN(described, DescribeQuery(*session, select));
        }
        std::vector<std::pair<std::string, std::string>> columns;
        bool has_time = false;
        std::string time_type;
        for (auto& c : described) {
          if (c.first == config->time_column) {
            has_time = true;
            time_type = c.second;
          }
          if (c.first == "__cid" || c.first == config->time_column) continue;
          columns.push_back(std::move(c));
        }
        if (!has_time) {
          return Status::InvalidArgument("the sources have no time column '" +
                                         EscapeControl(config->time_column) + "'");
        }
        ASSIGN_OR_RETURN(Plan plan, MakePlan(*config, columns));
        std::string stats_text;
        for (const Stat& s : plan.stats)
          stats_text += s.column + ":" + s.type + (s.sum ? "+" : "") + ";";
        ASSIGN_OR_RETURN(std::string root, eval.CacheDir("reduce"));
        std::string dir =
            root + "/" + CacheKey({spec, stats_text, std::to_string(config->finest)}).substr(0, 40);
        std::error_code ec;
        hostfs::create_directories(dir, ec);
        if (ec) return Status::IOError("cannot create " + dir + ": " + ec.message());
        {
          PhaseTimer timer("reduce: partials");
          RETURN_IF_ERROR(ComputePartials(eval, *config, all, dir, plan, time_type));
        }
        PhaseTimer timer("reduce: combine");

        // Combine: each version's partials count once per version that holds them.
        std::map<std::string, int64_t> multiplicity;
        for (const sql::SourceFile& f : all.files) multiplicity[f.constants[0].value()]++;
        sql::TableSource parts;
        parts.same_schema = true;  // written for one plan
        // Versions with the same content count once each; when no content
        // repeats (the usual case) no multiplier is joined in at all.
        bool repeats = false;
        for (const auto& [cid, count] : multiplicity) repeats = repeats || count > 1;
        if (repeats) parts.constant_columns = {ColumnSpec{"__mult", "long", true}};
        const std::string times = repeats ? " * \"__mult\"" : "";
        for (const auto& [cid, count] : multiplicity) {
          std::vector<std::string> files;
          for (const auto& e : hostfs::directory_iterator(dir + "/__cid=" + cid, ec)) {
            if (e.path().extension() == ".parquet") files.push_back(e.path().string());
          }
          std::sort(files.begin(), files.end());
          for (const std::string& file : files) {
            parts.files.push_back({file, "", {}, {}, cid});
            if (repeats) parts.files.back().constants = {std::to_string(count)};
          }
        }
        std::string sql = "SELECT CAST(make_timestamp(\"__rb\") AS TIMESTAMP WITH TIME ZONE) AS " +
                          SqlIdentifier(config->time_column);
        for (const Output& o : plan.outputs) sql += ", " + o.sql + " AS " + SqlIdentifier(o.name);
        std::string inner = "SELECT " + BucketStartSql("\"__b\"", width) +
                            " AS \"__rb\", sum(\"__n\"" + times + ") AS \"__n\"";
        for (size_t i = 0; i < plan.stats.size(); ++i) {
          std::string n = std::to_string(i);
          if (plan.stats[i].sum) inner += ", sum(\"s" + n + "\"" + times + ") AS \"s" + n + "\"";
          inner += ", sum(\"c" + n + "\"" + times + ") AS \"c" + n + "\", min(\"mn" + n +
                   "\") AS \"mn" + n + "\", max(\"mx" + n + "\") AS \"mx" + n + "\"";
        }
        ASSIGN_OR_RETURN(auto combine, sql::OpenSqlSession());
        if (parts.files.empty()) {
          // No rows at all: an empty series with the right columns.
          RowBatch empty;
          empty.columns = {
              {"__b", CellType::kInt64}, {"__n", CellType::kInt64}, {"__mult", CellType::kInt64}};
          for (size_t i = 0; i < plan.stats.size(); ++i) {
            std::string n = std::to_string(i);
            if (plan.stats[i].sum) empty.columns.push_back({"s" + n, CellType::kDouble});
            empty.columns.push_back({"c" + n, CellType::kInt64});
            empty.columns.push_back({"mn" + n, CellType::kDouble});
            empty.columns.push_back({"mx" + n, CellType::kDouble});
          }
          RETURN_IF_ERROR(combine->AddRows("parts", empty));
        } else {
          RETURN_IF_ERROR(combine->AddTable("parts", parts));
        }
        RETURN_IF_ERROR(combine->LockDown());
        sql += " FROM (" + inner + " FROM \"parts\" GROUP BY 1) ORDER BY \"__rb\"";
        RETURN_IF_ERROR(combine->QueryToParquet(sql, dest));
        // What was written, from the file just written (no second database).
        std::string written = "SELECT * FROM read_parquet(" + SqlString(dest) + ")";
        ParquetInfo info;
        ASSIGN_OR_RETURN(info.columns, DescribeQuery(*combine, written));
        std::ostringstream stats;
        std::string t = SqlIdentifier(config->time_column);
        RETURN_IF_ERROR(combine->Query("SELECT count(*), epoch_us(min(" + t + ")), epoch_us(max(" +
                                           t + ")) FROM read_parquet(" + SqlString(dest) + ")",
                                       sql::OutputFormat::kCsv, stats));
        std::istringstream in(stats.str());
        std::string header, row;
        std::getline(in, header);
        std::getline(in, row);
        std::vector<std::string> cells;
        std::stringstream cs(row);
        for (std::string cell; std::getline(cs, cell, ',');) cells.push_back(cell);
        if (cells.size() != 3) return Status::Internal("cannot read back " + dest);
        info.num_rows = std::stoll(cells[0]);
        info.time_column = config->time_column;
        if (!cells[1].empty()) info.min_time = std::stoll(cells[1]);
        if (!cells[2].empty()) info.max_time = std::stoll(cells[2]);
        return std::optional<ParquetInfo>(std::move(info));
      });
}

// The directory tree of the reduction: <out components...>/res=<R>.series.
std::vector<Child> Level(Evaluator& eval, std::shared_ptr<const Config> config,
                         std::map<std::vector<std::string>, std::vector<std::string>> groups,
                         size_t depth) {
  std::map<std::string, std::map<std::vector<std::string>, std::vector<std::string>>> below;
  for (auto& [out, sources] : groups) below[out[depth]][out] = std::move(sources);
  std::vector<Child> children;
  for (auto& [name, sub] : below) {
    Child dir;
    dir.name = name;
    dir.type = tinyfs::EntryType::kDynamicDirectory;
    bool leaf = sub.size() == 1 && sub.begin()->first.size() == depth + 1;
    if (leaf) {
      std::vector<std::string> sources = sub.begin()->second;
      dir.list = [&eval, config, sources]() -> Result<std::vector<Child>> {
        std::vector<Child> series;
        for (const auto& [written, micros] : config->resolutions) {
          Child c;
          c.name = "res=" + written + ".series";
          c.type = tinyfs::EntryType::kDynamicSeries;
          int64_t width = micros;
          c.compute = [&eval, config, sources, width]() {
            return Reduce(eval, config, sources, width);
          };
          series.push_back(std::move(c));
        }
        return series;
      };
    } else {
      dir.list = [&eval, config, sub, depth]() -> Result<std::vector<Child>> {
        return Level(eval, config, sub, depth + 1);
      };
    }
    children.push_back(std::move(dir));
  }
  return children;
}

class TemporalReduce final : public Factory {
 public:
  std::string_view name() const override { return "temporal-reduce"; }
  std::string_view description() const override {
    return "downsamples series to several resolutions (avg, min, max, sum, count per bucket)";
  }
  Makes makes() const override { return Makes::kDirectory; }

  Result<std::shared_ptr<const ParsedConfig>> Parse(const YAML::Node& node) const override {
    Fields f(node, "temporal-reduce config");
    auto config = std::make_shared<Config>();
    ASSIGN_OR_RETURN(config->in_pattern, f.String("in_pattern"));
    RETURN_IF_ERROR(Evaluator::ParseInputUrl(config->in_pattern, InputKind::kSeries)
                        .status()
                        .WithContext("temporal-reduce config: 'in_pattern'"));
    ASSIGN_OR_RETURN(config->out_pattern, f.String("out_pattern"));
    ASSIGN_OR_RETURN(config->time_column, f.String("time_column"));
    ASSIGN_OR_RETURN(auto resolutions, f.StringList("resolutions", true));
    if (resolutions.empty()) return f.Error("'resolutions' must name at least one duration");
    std::set<int64_t> seen;
    for (const std::string& r : resolutions) {
      auto micros = ParseDurationMicros(r);
      if (!micros.ok() || *micros <= 0) {
        return f.Error("'resolutions' must be durations such as 1h or 1d, not '" +
                       EscapeControl(r) + "'");
      }
      if (!seen.insert(*micros).second) return f.Error("resolution " + r + " is given twice");
      config->resolutions.emplace_back(r, *micros);
    }
    std::vector<int64_t> sorted(seen.begin(), seen.end());
    for (size_t i = 1; i < sorted.size(); ++i) {
      if (sorted[i] % sorted[i - 1] != 0) {
        return f.Error("each resolution must be a whole multiple of the next finer one");
      }
    }
    config->finest = sorted.front();
    ASSIGN_OR_RETURN(auto aggregations, f.List("aggregations", true));
    if (aggregations.empty()) return f.Error("'aggregations' must have at least one aggregation");
    for (size_t i = 0; i < aggregations.size(); ++i) {
      Fields a(aggregations[i], "temporal-reduce config: " + Item("aggregations", i));
      Aggregation agg;
      ASSIGN_OR_RETURN(agg.type_name, a.String("type"));
      static const std::map<std::string, Agg> kTypes = {{"avg", Agg::kAvg},
                                                        {"min", Agg::kMin},
                                                        {"max", Agg::kMax},
                                                        {"sum", Agg::kSum},
                                                        {"count", Agg::kCount}};
      auto t = kTypes.find(agg.type_name);
      if (t == kTypes.end()) {
        return a.Error("'type' must be avg, min, max, sum or count, not '" +
                       EscapeControl(agg.type_name) + "'");
      }
      agg.type = t->second;
      if (a.Has("columns")) {
        ASSIGN_OR_RETURN(agg.columns, a.StringList("columns"));
        if (agg.columns.empty()) return a.Error("'columns' must not be empty (omit it for all)");
        for (const std::string& c : agg.columns) {
          if (std::count(c.begin(), c.end(), '*') > 1) {
            return a.Error("column pattern '" + EscapeControl(c) + "' has more than one '*'");
          }
        }
        agg.count_star = agg.type == Agg::kCount && agg.columns == std::vector<std::string>{"*"};
      } else {
        ASSIGN_OR_RETURN(auto unused, a.StringList("columns"));
        (void)unused;
      }
      RETURN_IF_ERROR(a.Done());
      config->aggregations.push_back(std::move(agg));
    }
    ASSIGN_OR_RETURN(config->transforms, f.StringList("transforms"));
    RETURN_IF_ERROR(f.Done());
    return std::shared_ptr<const ParsedConfig>(config);
  }

  Result<std::vector<Child>> List(Evaluation& ev, const ParsedConfig& parsed) const override {
    auto config = std::make_shared<const Config>(dynamic_cast<const Config&>(parsed));
    ASSIGN_OR_RETURN(auto url, Evaluator::ParseInputUrl(config->in_pattern, InputKind::kSeries));
    InputKind kind = url.first;
    ASSIGN_OR_RETURN(
        auto matches, MatchPattern(ev.eval.fs(), url.second, [kind](tinyfs::EntryType t) {
          return kind == InputKind::kTable ? !tinyfs::IsSeries(t) && tinyfs::IsTabular(t)
                                           : tinyfs::IsSeries(t);
        }));
    std::map<std::vector<std::string>, std::vector<std::string>> groups;
    for (const PatternMatch& m : matches) {
      std::string out;
      if (!SubstituteCaptures(config->out_pattern, m.captures, &out)) {
        return Status::InvalidArgument("out_pattern '" + EscapeControl(config->out_pattern) +
                                       "' refers to a capture that in_pattern does not have (" +
                                       std::to_string(m.captures.size()) + " for " +
                                       EscapeControl(m.path) + ")");
      }
      std::vector<std::string> parts = tinyfs::SplitPath(out);
      if (parts.empty()) {
        return Status::InvalidArgument("out_pattern gives an empty name for " +
                                       EscapeControl(m.path));
      }
      for (const std::string& p : parts) {
        if (p == "..") return Status::InvalidArgument("out_pattern may not contain '..'");
      }
      groups[parts].push_back(m.path);
    }
    // A name that is both a group and a folder of groups cannot be both.
    for (const auto& [out, sources] : groups) {
      for (const auto& [other, s] : groups) {
        if (other.size() > out.size() && std::equal(out.begin(), out.end(), other.begin())) {
          return Status::InvalidArgument("out_pattern gives '" +
                                         EscapeControl(tinyfs::JoinPath(out)) +
                                         "' both to series and to a folder");
        }
      }
    }
    return Level(ev.eval, config, std::move(groups), 0);
  }
};

POND_REGISTER_FACTORY(TemporalReduce);

}  // namespace
}  // namespace pond::factory
