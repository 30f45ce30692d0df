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
// Incremental: per source, the partial statistics of each finest bucket (row
// count, and per column sum, count, min, max) folded over the source's
// versions in version order make the rollup, kept under
// $POND/cache/reduce/.../rollup with the content ids it holds. Reading after
// an append reads only the new version and folds its partials onto the
// rollup: exactly what folding every version from an empty cache gives (the
// fold order is fixed, see FoldSql). A late row that lands in an old bucket
// is counted because it is folded into that bucket like any other. A rollup
// that does not hold a prefix of a source's versions (or is damaged) is
// rebuilt for that source from its versions.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "factory/evaluator.h"
#include "factory/reduce.h"
#include "storage/temp_files.h"
#include "tinyfs/path.h"
#include "util/counters.h"
#include "util/duration.h"
#include "util/hash.h"
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

// The SQL that folds the partial statistics of `rows` (a query with the
// columns `keys`, `order` and the plan's statistics) into one row per `keys`:
// counts, minima and maxima in any order, integer sums exactly, floating
// sums one after the other in `order`. Floating addition is not associative,
// so a fixed order is what makes a result reproducible; it is commutative,
// so a group of one or two rows needs no order, and DuckDB's (slower)
// ordered aggregate runs only for the groups with more.
std::string FoldSql(const std::string& rows, const std::vector<std::string>& keys,
                    const std::string& order, const Plan& plan) {
  std::string k;
  for (const std::string& key : keys) k += (k.empty() ? "" : ", ") + SqlIdentifier(key);
  std::string plain =
      "SELECT " + k + ", count(*) AS \"__k\", CAST(sum(\"__n\") AS BIGINT) AS \"__n\"";
  std::string ordered = "SELECT " + k;
  std::string out;
  for (const std::string& key : keys) out += (out.empty() ? "g." : ", g.") + SqlIdentifier(key);
  out += ", g.\"__n\"";
  for (size_t i = 0; i < plan.stats.size(); ++i) {
    std::string n = std::to_string(i);
    std::string s = "\"s" + n + "\"";
    if (plan.stats[i].sum) {
      std::string sum_type = SumType(plan.stats[i].type);
      plain += ", CAST(sum(" + s + ") AS " + sum_type + ") AS " + s;
      if (sum_type == "DOUBLE") {
        ordered += ", CAST(sum(" + s + " ORDER BY " + order + ") AS DOUBLE) AS " + s;
        out += ", CASE WHEN g.\"__k\" > 2 THEN o." + s + " ELSE g." + s + " END AS " + s;
      } else {
        out += ", g." + s;
      }
    }
    plain += ", CAST(sum(\"c" + n + "\") AS BIGINT) AS \"c" + n + "\", min(\"mn" + n +
             "\") AS \"mn" + n + "\", max(\"mx" + n + "\") AS \"mx" + n + "\"";
    out += ", g.\"c" + n + "\", g.\"mn" + n + "\", g.\"mx" + n + "\"";
  }
  plain += " FROM \"__rows\" GROUP BY " + k;
  ordered += " FROM \"__rows\" SEMI JOIN (SELECT " + k +
             " FROM \"__g\" WHERE \"__k\" > 2) AS m USING (" + k + ") GROUP BY " + k;
  return "WITH \"__rows\" AS (" + rows + "), \"__g\" AS (" + plain + "), \"__o\" AS (" + ordered +
         ") SELECT " + out + " FROM \"__g\" AS g LEFT JOIN \"__o\" AS o USING (" + k + ")";
}

// The columns of partials and rollups after (__src, __b).
std::string StatColumns(const Plan& plan) {
  std::string out = "\"__n\"";
  for (size_t i = 0; i < plan.stats.size(); ++i) {
    std::string n = std::to_string(i);
    if (plan.stats[i].sum) out += ", \"s" + n + "\"";
    out += ", \"c" + n + "\", \"mn" + n + "\", \"mx" + n + "\"";
  }
  return out;
}

// The rollup of a group of sources: per source and finest bucket, the
// partials of all its versions folded in version order. It is kept with the
// content ids it holds per source, so that after an append only the new
// versions' partials are folded onto it: folding a version onto the rollup of
// the versions before it is exactly the fold of all of them in order, which
// is also what a computation from an empty cache does.
struct RollupState {
  std::string file;  // in the rollup folder: <name>-<uuid>.parquet
  uint64_t size = 0;
  std::string sha256;
  std::map<std::string, std::vector<std::string>> sources;  // path -> content ids, in order
};

std::optional<RollupState> ReadRollupState(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::stringstream text;
  text << in.rdbuf();
  auto j = nlohmann::json::parse(text.str(), nullptr, false);
  if (!j.is_object() || !j["file"].is_string() || !j["size"].is_number_unsigned() ||
      !j["sha256"].is_string() || !j["sources"].is_object()) {
    return std::nullopt;
  }
  RollupState state;
  state.file = j["file"].get<std::string>();
  state.size = j["size"].get<uint64_t>();
  state.sha256 = j["sha256"].get<std::string>();
  if (state.file.find('/') != std::string::npos) return std::nullopt;
  for (const auto& [source, cids] : j["sources"].items()) {
    if (!cids.is_array()) return std::nullopt;
    for (const auto& cid : cids) {
      if (!cid.is_string()) return std::nullopt;
      state.sources[source].push_back(cid.get<std::string>());
    }
  }
  return state;
}

// A private hard link to the rollup `state` names, checked against its size
// and SHA-256; nullopt when it is gone or damaged (it is then rebuilt). The
// link keeps the file for this reader while another process replaces it.
std::optional<std::string> LinkRollup(const std::string& folder, const RollupState& state) {
  std::string link = folder + "/.read-" + NewUuidV7();
  std::error_code ec;
  hostfs::create_hard_link(folder + "/" + state.file, link, ec);
  if (ec) return std::nullopt;
  auto sha = Sha256OfFile(link);
  if (hostfs::file_size(link, ec) != state.size || ec || !sha.ok() || *sha != state.sha256) {
    hostfs::remove(link, ec);
    return std::nullopt;
  }
  return link;
}

// Host files removed when it goes.
struct RemoveLater {
  std::vector<std::string> paths;
  RemoveLater() = default;
  RemoveLater(const RemoveLater&) = delete;
  RemoveLater& operator=(const RemoveLater&) = delete;
  ~RemoveLater() {
    std::error_code ec;
    for (const std::string& p : paths) hostfs::remove(p, ec);
  }
};

// The SQL of the partials of `fresh`'s versions: per version (__src, __ord)
// and finest bucket (__b), the row count and the plan's statistics. Reads
// (and verifies) those versions and adds their tables to `session`.
Result<std::string> PartialsSql(Evaluator& eval, const Config& config, sql::TableSource fresh,
                                const Plan& plan, const std::string& time_type,
                                sql::SqlSession& session) {
  RETURN_IF_ERROR(sql::ReadSourceFiles(eval.fs(), eval.pond(), fresh, eval.scratch()));
  // Rows are told apart by DuckDB's file name column (cheaper than a join
  // per row); the grouped result is joined to the versions, once per version
  // that holds the file.
  RowBatch versions;
  versions.columns = {
      {"file", CellType::kString}, {"__src", CellType::kString}, {"__ord", CellType::kInt64}};
  sql::TableSource scan;
  scan.columns = fresh.columns;
  scan.file_column = "__file";
  std::set<std::string> seen;
  for (sql::SourceFile& f : fresh.files) {
    versions.rows.push_back(
        {f.host_path, f.constants.at(0).value(), std::stoll(f.constants.at(1).value())});
    if (!seen.insert(f.host_path).second) continue;
    f.constants.clear();
    scan.files.push_back(std::move(f));
  }
  RETURN_IF_ERROR(session.AddTable("src", scan));
  RETURN_IF_ERROR(session.AddRows("__versions", versions));
  RETURN_IF_ERROR(session.LockDown());
  // One look at these versions' columns gives both the transformed SELECT and
  // what it yields: a version may lack a column others have (series may grow
  // columns), which reads as NULL there.
  ASSIGN_OR_RETURN(Columns columns, DescribeTable(session, "src"));
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
    // that partials of different versions fold exactly.
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
  return "SELECT v.\"__src\", p.\"__b\", v.\"__ord\", " + StatColumns(plan) + " FROM (" + sql +
         ") AS p JOIN \"__versions\" AS v ON p.\"__file\" = v.\"file\"";
}

// Makes table "rollup" of `session` hold the rollup of `all`'s versions:
// the stored rollup when it holds exactly them, else the stored rollup (of
// the sources whose versions it holds a prefix of) with the partials of the
// other versions folded on, written back for the next read. Files the
// session reads that must go afterwards are added to `remove_later`.
Status Rollup(Evaluator& eval, const Config& config, const sql::TableSource& all,
              const std::string& dir, const Plan& plan, const std::string& time_type,
              sql::SqlSession& session, RemoveLater& remove_later) {
  // Each source's versions in order.
  std::map<std::string, std::vector<const sql::SourceFile*>> by_source;
  for (const sql::SourceFile& f : all.files) by_source[f.pond_path].push_back(&f);
  std::map<std::string, std::vector<std::string>> wanted;  // source -> content ids
  for (auto& [source, versions] : by_source) {
    std::stable_sort(versions.begin(), versions.end(),
                     [](const auto* a, const auto* b) { return a->version < b->version; });
    for (const auto* v : versions) wanted[source].push_back(CidName(v->content_id));
  }
  std::string sources_key;
  for (const auto& entry : wanted) sources_key += entry.first + "\n";
  std::string folder = dir + "/rollup";
  std::error_code ec;
  hostfs::create_directories(folder, ec);
  if (ec) return Status::IOError("cannot create " + folder + ": " + ec.message());
  std::string name = CacheKey({"rollup", std::to_string(config.finest), sources_key}).substr(0, 40);
  std::string state_path = folder + "/" + name + ".json";

  // What the stored rollup holds that can be kept: per source, a prefix of
  // its versions.
  std::optional<RollupState> old = ReadRollupState(state_path);
  std::optional<std::string> link;
  if (old) link = LinkRollup(folder, *old);
  if (link) remove_later.paths.push_back(*link);
  std::map<std::string, size_t> kept;  // source -> versions the rollup holds
  if (link) {
    for (const auto& [source, cids] : old->sources) {
      auto now = wanted.find(source);
      if (now == wanted.end() || cids.size() > now->second.size() ||
          !std::equal(cids.begin(), cids.end(), now->second.begin())) {
        continue;
      }
      kept[source] = cids.size();
    }
  }

  // The versions still to fold on, each marked with its source and its place
  // among the source's versions.
  sql::TableSource fresh;
  fresh.columns = all.columns;
  for (const auto& [source, versions] : by_source) {
    size_t start = kept.count(source) ? kept[source] : 0;
    for (size_t ord = start; ord < versions.size(); ++ord) {
      fresh.files.push_back(*versions[ord]);
      fresh.files.back().constants = {source, std::to_string(ord)};
    }
  }
  if (link && fresh.files.empty() && kept.size() == old->sources.size()) {
    // The stored rollup is exactly what is wanted.
    sql::TableSource stored;
    stored.files.push_back({*link, "", {}, {}, ""});
    return session.AddTable("rollup", stored);
  }

  // Fold: the kept rollup rows first (order -1), then each version's partials.
  std::vector<std::string> parts;
  if (!kept.empty()) {
    sql::TableSource stored;
    stored.files.push_back({*link, "", {}, {}, ""});
    RETURN_IF_ERROR(session.AddTable("stored", stored));
    std::string in;
    for (const auto& entry : kept) in += (in.empty() ? "" : ", ") + SqlString(entry.first);
    parts.push_back("SELECT \"__src\", \"__b\", CAST(-1 AS BIGINT) AS \"__ord\", " +
                    StatColumns(plan) + " FROM \"stored\" WHERE \"__src\" IN (" + in + ")");
  }
  if (!fresh.files.empty()) {
    std::optional<PhaseTimer> timer(std::in_place, "reduce: read new versions");
    ASSIGN_OR_RETURN(std::string partials,
                     PartialsSql(eval, config, std::move(fresh), plan, time_type, session));
    parts.push_back(std::move(partials));
  }
  // Written under a name of its own that no other process removes, which
  // this session reads; kept under a rollup name (a second link) when the
  // state names it.
  std::string tmp = folder + "/.new-" + NewUuidV7() + ".parquet";
  int handle = RegisterTempFile(tmp);
  remove_later.paths.push_back(tmp);
  struct Unregister {
    int handle;
    ~Unregister() { UnregisterTempFile(handle); }
  } unregister{handle};
  std::string rows;
  for (const std::string& part : parts) rows += (rows.empty() ? "" : " UNION ALL ") + part;
  RETURN_IF_ERROR(session.LockDown());
  {
    PhaseTimer timer("reduce: fold");
    RETURN_IF_ERROR(
        session.QueryToParquet(FoldSql(rows, {"__src", "__b"}, "\"__ord\"", plan), tmp));
  }
  sql::TableSource rolled;
  rolled.files.push_back({tmp, "", {}, {}, ""});

  // Kept for the next read: the file first, then the state that names it.
  // Failing to keep it costs the next read time, not this one its result.
  std::string file = name + "-" + NewUuidV7() + ".parquet";
  uint64_t size = hostfs::file_size(tmp, ec);
  auto sha = ec ? Result<std::string>(Status::IOError("")) : Sha256OfFile(tmp);
  hostfs::create_hard_link(tmp, folder + "/" + file, ec);
  if (!ec && sha.ok()) {
    nlohmann::json j;
    j["file"] = file;
    j["size"] = size;
    j["sha256"] = *sha;
    j["sources"] = wanted;
    if (WriteFileAtomically(state_path, j.dump()).ok()) {
      // Every other rollup of this group goes (readers read their own links;
      // one that a racing process has yet to name is rebuilt by a later read).
      for (const auto& e : hostfs::directory_iterator(folder, ec)) {
        std::string other = e.path().filename().string();
        if (other != file && other.rfind(name + "-", 0) == 0) hostfs::remove(e.path(), ec);
      }
    } else {
      hostfs::remove(folder + "/" + file, ec);
    }
  }
  return session.AddTable("rollup", rolled);
}

Result<tinyfs::DynamicContent> Reduce(Evaluator& eval, std::shared_ptr<const Config> config,
                                      const std::vector<std::string>& sources, int64_t width) {
  PhaseTimer total("reduce: total");
  // Every version of every source.
  std::optional<PhaseTimer> identity_timer(std::in_place, "reduce: sources");
  sql::TableSource all;
  bool known = true;
  for (const std::string& path : sources) {
    sql::PondTableOptions options;
    options.defer_reads = true;  // identities first: a cached result reads nothing
    ASSIGN_OR_RETURN(sql::TableSource s,
                     sql::ResolvePondTable(eval.fs(), eval.pond(), path, options, eval.scratch()));
    for (sql::SourceFile& f : s.files) all.files.push_back(std::move(f));
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
          ASSIGN_OR_RETURN(auto applied,
                           ApplyTransforms(eval, config->transforms, "src", all.columns));
          described = std::move(applied.second);
        } else {
          sql::TableSource read = all;
          RETURN_IF_ERROR(sql::ReadSourceFiles(eval.fs(), eval.pond(), read, eval.scratch()));
          ASSIGN_OR_RETURN(auto session, sql::OpenInternalSqlSession());
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
          if (c.first == config->time_column) continue;
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
            root + "/" +
            CacheKey({"rollup-1", spec, stats_text, std::to_string(config->finest)}).substr(0, 40);
        std::error_code ec;
        hostfs::create_directories(dir, ec);
        if (ec) return Status::IOError("cannot create " + dir + ": " + ec.message());
        ASSIGN_OR_RETURN(auto combine, sql::OpenInternalSqlSession());
        RemoveLater remove_later;  // files read by the queries below
        RETURN_IF_ERROR(Rollup(eval, *config, all, dir, plan, time_type, *combine, remove_later));
        PhaseTimer timer("reduce: combine");
        RETURN_IF_ERROR(combine->LockDown());
        std::string sql = "SELECT CAST(make_timestamp(\"__rb\") AS TIMESTAMP WITH TIME ZONE) AS " +
                          SqlIdentifier(config->time_column);
        for (const Output& o : plan.outputs) sql += ", " + o.sql + " AS " + SqlIdentifier(o.name);
        // Buckets of the finest width are folded in (source, bucket) order.
        std::string rows =
            "SELECT " + BucketStartSql("\"__b\"", width) + " AS \"__rb\", * FROM \"rollup\"";
        sql +=
            " FROM (" + FoldSql(rows, {"__rb"}, "\"__src\", \"__b\"", plan) + ") ORDER BY \"__rb\"";
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
        std::vector<std::string> cells(1);  // "0,," is three cells, two of them empty
        for (char c : row) {
          if (c == ',') {
            cells.emplace_back();
          } else {
            cells.back() += c;
          }
        }
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
