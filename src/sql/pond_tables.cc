#include "sql/pond_tables.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

#include "tinyfs/path.h"
#include "util/counters.h"

namespace pond::sql {
namespace {

namespace hostfs = std::filesystem;
using tinyfs::EntryType;

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// The host file holding one version's bytes: the blob itself (scanned in
// place), or a scratch copy of inline bytes.
Result<std::string> HostFileFor(tinyfs::FS& fs, tlogfs::Pond& pond, const tinyfs::Node& node,
                                const tinyfs::NodeVersion& v, ScratchFiles& scratch) {
  GlobalCounters().data_files_read++;
  GlobalCounters().bytes_read += static_cast<int64_t>(v.size);
  if (v.is_blob) {
    auto path = pond.BlobPath(v.sha256);
    if (!path) return Status::NotSupported("the pond's blobs must be on a local disk");
    return *path;
  }
  ASSIGN_OR_RETURN(std::string bytes, fs.ReadFile(node, v.version));
  return scratch.Hold(v.sha256, bytes);
}

std::optional<std::string> TimeColumn(const tinyfs::NodeVersion& v) {
  auto attrs = nlohmann::json::parse(v.meta.attributes, nullptr, false);
  if (attrs.is_object() && attrs.contains("time_column") && attrs["time_column"].is_string()) {
    return attrs["time_column"].get<std::string>();
  }
  return std::nullopt;
}

// Single-quoted literals in `sql` ('' is an escaped quote), each with whether
// FROM or JOIN comes right before it.
std::vector<std::pair<std::string, bool>> QuotedLiterals(const std::string& sql) {
  std::vector<std::pair<std::string, bool>> out;
  for (size_t i = 0; i < sql.size(); ++i) {
    if (sql[i] != '\'') continue;
    size_t start = i;
    std::string text;
    for (++i; i < sql.size(); ++i) {
      if (sql[i] == '\'') {
        if (i + 1 < sql.size() && sql[i + 1] == '\'') {
          text += '\'';
          ++i;
          continue;
        }
        break;
      }
      text += sql[i];
    }
    size_t k = start;
    while (k > 0 && std::isspace(static_cast<unsigned char>(sql[k - 1]))) --k;
    size_t word_end = k;
    while (k > 0 && std::isalpha(static_cast<unsigned char>(sql[k - 1]))) --k;
    std::string word = Lower(sql.substr(k, word_end - k));
    out.emplace_back(text, word == "from" || word == "join");
  }
  return out;
}

Status AddEntriesTable(SqlSession& session, tinyfs::FS& fs, tlogfs::Pond& pond) {
  std::map<std::string, std::string> paths;  // node id -> path, for reachable nodes
  paths[tinyfs::kRootId] = "/";
  ASSIGN_OR_RETURN(auto matches, fs.Glob("/**/*"));
  for (const auto& m : matches) paths.emplace(m.node.id, m.path);
  ASSIGN_OR_RETURN(auto records, pond.index().AllRecords(pond.read_view()));
  RowBatch rows;
  rows.columns = {{"path", CellType::kString},
                  {"node_id", CellType::kString},
                  {"part_id", CellType::kString},
                  {"version", CellType::kInt64},
                  {"entry_type", CellType::kString},
                  {"size", CellType::kInt64},
                  {"sha256", CellType::kString},
                  {"timestamp", CellType::kTimestamp},
                  {"min_event_time", CellType::kTimestamp},
                  {"max_event_time", CellType::kTimestamp},
                  {"txn_seq", CellType::kInt64}};
  auto opt = [](const std::optional<int64_t>& v) { return v ? Cell(*v) : Cell(std::monostate()); };
  for (const auto& r : records) {
    auto p = paths.find(r.node_id);
    rows.rows.push_back({p == paths.end() ? Cell(std::monostate()) : Cell(p->second), r.node_id,
                         r.part_id, r.version, r.entry_type, r.size,
                         r.sha256.empty() ? Cell(std::monostate()) : Cell(r.sha256), r.timestamp,
                         opt(r.min_event_time), opt(r.max_event_time), r.txn_seq});
  }
  return session.AddRows("pond_entries", rows);
}

Status AddTransactionsTable(SqlSession& session, tlogfs::Pond& pond) {
  ASSIGN_OR_RETURN(auto txns, pond.index().Transactions(pond.read_view(), INT64_MAX));
  RowBatch rows;
  rows.columns = {{"txn_seq", CellType::kInt64},
                  {"delta_version", CellType::kInt64},
                  {"timestamp", CellType::kTimestamp},
                  {"command", CellType::kString},
                  {"nodes_changed", CellType::kInt64}};
  for (auto it = txns.rbegin(); it != txns.rend(); ++it) {
    rows.rows.push_back({it->txn_seq, it->delta_version, it->timestamp, it->command, it->records});
  }
  return session.AddRows("pond_transactions", rows);
}

}  // namespace

ScratchFiles::~ScratchFiles() {
  if (dir_.empty()) return;
  std::error_code ec;
  hostfs::remove_all(dir_, ec);
}

Result<std::string> ScratchFiles::Hold(const std::string& sha256, const std::string& bytes) {
  if (dir_.empty()) {
    std::string tmpl = (hostfs::temp_directory_path() / "pond-sql-XXXXXX").string();
    if (!mkdtemp(tmpl.data())) return Status::IOError("cannot create a scratch folder");
    dir_ = tmpl;
  }
  std::string path = dir_ + "/" + sha256;
  std::error_code ec;
  if (hostfs::exists(path, ec)) return path;
  std::ofstream out(path, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out.flush()) return Status::IOError("cannot write a scratch file");
  return path;
}

Result<TableSource> ResolvePondTable(tinyfs::FS& fs, tlogfs::Pond& pond, const std::string& pattern,
                                     const PondTableOptions& options, ScratchFiles& scratch) {
  ASSIGN_OR_RETURN(tinyfs::GlobPattern compiled, tinyfs::GlobPattern::Compile(pattern));
  ASSIGN_OR_RETURN(auto matches, fs.Glob(pattern));
  if (matches.empty()) return Status::NotFound("no pond file matches '" + pattern + "'");
  TableSource source;
  source.csv = options.csv;
  source.path_columns = !compiled.is_literal();
  source.time_start = options.time_start;
  source.time_end = options.time_end;
  for (const auto& m : matches) {
    tinyfs::Node node = m.node;
    if (node.type == EntryType::kSymlink) {
      ASSIGN_OR_RETURN(node, fs.Resolve(m.path));
    }
    if (node.type == EntryType::kDirectory && source.path_columns) continue;
    bool tabular = node.type == EntryType::kFileTable || node.type == EntryType::kFileSeries;
    if (options.csv ? !tinyfs::IsFile(node.type) : !tabular) {
      return Status::InvalidArgument(
          "'" + m.path + "' is a " + tinyfs::EntryTypeName(node.type) +
          (node.type == EntryType::kFileData
               ? ", not a table; to read a CSV file as a table, use csv://" + m.path
               : ", not a table or series"));
    }
    source.capture_count = std::max(source.capture_count, m.captures.size());
    ASSIGN_OR_RETURN(auto versions, fs.Versions(node));
    std::vector<tinyfs::NodeVersion> chosen;
    if (node.type == EntryType::kFileSeries && !options.version) {
      for (const auto& v : versions) {
        // A version whose events all fall outside the range is never read.
        if (options.time_start && v.meta.max_event_time &&
            *v.meta.max_event_time < *options.time_start)
          continue;
        if (options.time_end && v.meta.min_event_time &&
            *v.meta.min_event_time >= *options.time_end)
          continue;
        chosen.push_back(v);
      }
      if (!source.time_column) source.time_column = TimeColumn(versions.back());
    } else {
      int64_t want = options.version.value_or(versions.back().version);
      if (want < 1 || want > versions.back().version) {
        return Status::NotFound("'" + m.path + "' has no version " + std::to_string(want) +
                                " (it has " + std::to_string(versions.back().version) + ")");
      }
      chosen.push_back(versions[static_cast<size_t>(want - 1)]);
      if (node.type == EntryType::kFileSeries && !source.time_column) {
        source.time_column = TimeColumn(chosen.back());
      }
    }
    for (const auto& v : chosen) {
      ASSIGN_OR_RETURN(std::string host, HostFileFor(fs, pond, node, v, scratch));
      source.files.push_back({host, m.path, m.captures});
    }
  }
  if (matches.size() > 0 && source.files.empty() && !source.time_start && !source.time_end) {
    return Status::NotFound("no table or series matches '" + pattern + "'");
  }
  return source;
}

Status AddQueryTables(SqlSession& session, tinyfs::FS& fs, tlogfs::Pond& pond,
                      const std::string& sql, ScratchFiles& scratch) {
  int n = 0;
  std::map<std::string, bool> done;
  for (const auto& [text, in_from] : QuotedLiterals(sql)) {
    if (done.count(text)) continue;
    done[text] = true;
    PondTableOptions options;
    std::string pattern = text;
    if (text.rfind("csv:///", 0) == 0) {
      options.csv = true;
      pattern = text.substr(6);
    } else if (text.empty() || text[0] != '/') {
      continue;  // an ordinary string
    }
    auto source = ResolvePondTable(fs, pond, pattern, options, scratch);
    if (!source.ok()) {
      // A path in FROM must be a table; elsewhere a string that names no table
      // (WHERE path = '/raw.csv' over pond_entries) is just a string.
      if (in_from) return source.status();
      continue;
    }
    if (source->files.empty()) {
      return Status::NotFound("no version of '" + pattern + "' falls in the time range");
    }
    RETURN_IF_ERROR(session.AddTable("pond_table_" + std::to_string(++n), text, *source));
  }
  std::string lower = Lower(sql);
  if (lower.find("pond_entries") != std::string::npos) {
    RETURN_IF_ERROR(AddEntriesTable(session, fs, pond));
  }
  if (lower.find("pond_transactions") != std::string::npos) {
    RETURN_IF_ERROR(AddTransactionsTable(session, pond));
  }
  return Status::OK();
}

}  // namespace pond::sql
