#include "sql/pond_tables.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

#include "tinyfs/path.h"
#include "util/counters.h"
#include "util/text.h"

namespace pond::sql {
namespace {

namespace hostfs = std::filesystem;
using tinyfs::EntryType;

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// The host file holding one version's bytes, checked against its hash: the
// blob itself (scanned in place), or a scratch copy of inline bytes.
Result<std::string> HostFileFor(tinyfs::FS& fs, tlogfs::Pond& pond, const tinyfs::Node& node,
                                const tinyfs::NodeVersion& v, ScratchFiles& scratch) {
  GlobalCounters().data_files_read++;
  GlobalCounters().bytes_read += static_cast<int64_t>(v.size);
  if (v.is_blob) {
    auto path = pond.BlobHostPath(v.sha256, v.size);
    if (!path.ok()) {
      return Status(path.status().code(), "cannot read '" + EscapeControl(node.path) +
                                              "' (version " + std::to_string(v.version) +
                                              "): " + path.status().message());
    }
    return *path;
  }
  ASSIGN_OR_RETURN(std::string bytes, fs.ReadFile(node, v.version));
  return scratch.Hold(v.sha256, bytes);
}

nlohmann::json Attributes(const tinyfs::NodeVersion& v) {
  auto attrs = nlohmann::json::parse(v.meta.attributes, nullptr, false);
  return attrs.is_object() ? attrs : nlohmann::json::object();
}

std::optional<std::string> TimeColumn(const tinyfs::NodeVersion& v) {
  auto attrs = Attributes(v);
  if (attrs.contains("time_column") && attrs["time_column"].is_string()) {
    return attrs["time_column"].get<std::string>();
  }
  return std::nullopt;
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
    std::error_code ec;
    std::string base = hostfs::temp_directory_path(ec).string();
    if (ec) base = "/tmp";
    std::string tmpl = base + "/pond-sql-XXXXXX";
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

std::vector<SchemaColumn> VersionColumns(const tinyfs::NodeVersion& v) {
  std::vector<SchemaColumn> out;
  auto attrs = Attributes(v);
  if (!attrs.contains("columns") || !attrs["columns"].is_array()) return out;
  for (const auto& c : attrs["columns"]) {
    if (c.is_array() && c.size() == 2 && c[0].is_string() && c[1].is_string()) {
      out.emplace_back(c[0].get<std::string>(), c[1].get<std::string>());
    }
  }
  return out;
}

std::vector<SchemaColumn> MergedColumns(const std::vector<tinyfs::NodeVersion>& versions) {
  std::vector<SchemaColumn> out;
  std::map<std::string, size_t> seen;
  for (const auto& v : versions) {
    for (auto& c : VersionColumns(v)) {
      if (seen.emplace(c.first, out.size()).second) out.push_back(std::move(c));
    }
  }
  return out;
}

Result<TableSource> ResolvePondTable(tinyfs::FS& fs, tlogfs::Pond& pond, const std::string& pattern,
                                     const PondTableOptions& options, ScratchFiles& scratch) {
  ASSIGN_OR_RETURN(tinyfs::GlobPattern compiled, tinyfs::GlobPattern::Compile(pattern));
  ASSIGN_OR_RETURN(auto matches, fs.Glob(pattern));
  if (matches.empty() && !options.accept) {
    return Status::NotFound("no pond file matches '" + EscapeControl(pattern) + "'");
  }
  TableSource source;
  source.csv = options.csv;
  source.path_columns = !compiled.is_literal();
  source.time_start = options.time_start;
  source.time_end = options.time_end;
  bool columns_known = true;
  std::map<std::string, std::string> column_types;
  auto add_columns = [&](const std::vector<SchemaColumn>& columns) {
    if (columns.empty()) columns_known = false;
    for (const auto& [name, type] : columns) {
      auto [it, fresh] = column_types.emplace(name, type);
      if (fresh) {
        source.columns.emplace_back(name, type);
      } else if (it->second != type) {
        columns_known = false;  // DuckDB decides the union's type
      }
    }
  };
  auto outside = [&](const tinyfs::VersionMeta& meta) {
    // A version whose events all fall outside the range is never read.
    return (options.time_start && meta.max_event_time &&
            *meta.max_event_time < *options.time_start) ||
           (options.time_end && meta.min_event_time && *meta.min_event_time >= *options.time_end);
  };
  for (const auto& m : matches) {
    tinyfs::Node node = m.node;
    if (node.type == EntryType::kSymlink) {
      ASSIGN_OR_RETURN(node, fs.Resolve(m.path));
    }
    if (tinyfs::IsDirectory(node.type) && source.path_columns) continue;
    if (options.accept && !options.accept(node.type)) continue;
    bool tabular = tinyfs::IsTabular(node.type);
    if (options.csv ? !tinyfs::IsFile(node.type) : !tabular) {
      return Status::InvalidArgument(
          "'" + EscapeControl(m.path) + "' is a " + tinyfs::EntryTypeName(node.type) +
          (node.type == EntryType::kFileData
               ? ", not a table; to read a CSV file as a table, use csv://" + EscapeControl(m.path)
               : ", not a table or series"));
    }
    source.capture_count = std::max(source.capture_count, m.captures.size());
    if (node.type == EntryType::kDynamicTable || node.type == EntryType::kDynamicSeries) {
      if (options.version && *options.version != 1) {
        return Status::NotFound("'" + EscapeControl(m.path) + "' is computed and has no version " +
                                std::to_string(*options.version));
      }
      ASSIGN_OR_RETURN(tinyfs::DynamicContent content, fs.ComputeDynamic(node));
      tinyfs::NodeVersion as_version;
      as_version.meta = content.meta;
      if (node.type == EntryType::kDynamicSeries && !source.time_column) {
        source.time_column = TimeColumn(as_version);
        for (const auto& [name, type] : VersionColumns(as_version)) {
          if (source.time_column && name == *source.time_column) source.time_type = type;
        }
      }
      if (node.type == EntryType::kDynamicSeries && outside(content.meta)) continue;
      std::string id = hostfs::path(content.host_path).stem().string();
      source.files.push_back({content.host_path, m.path, m.captures, {}, "derived:" + id, 0});
      add_columns(VersionColumns(as_version));
      continue;
    }
    ASSIGN_OR_RETURN(auto versions, fs.Versions(node));
    std::vector<tinyfs::NodeVersion> chosen;
    if (node.type == EntryType::kFileSeries && !options.version) {
      for (const auto& v : versions) {
        if (!outside(v.meta)) chosen.push_back(v);
      }
    } else {
      int64_t want = options.version.value_or(versions.back().version);
      if (want < 1 || want > versions.back().version) {
        return Status::NotFound("'" + EscapeControl(m.path) + "' has no version " +
                                std::to_string(want) + " (it has " +
                                std::to_string(versions.back().version) + ")");
      }
      chosen.push_back(versions[static_cast<size_t>(want - 1)]);
    }
    if (node.type == EntryType::kFileSeries && !source.time_column) {
      source.time_column = TimeColumn(versions.back());
      if (source.time_column) {
        for (const auto& [name, type] : MergedColumns(versions)) {
          if (name == *source.time_column) source.time_type = type;
        }
      }
    }
    for (const auto& v : chosen) {
      std::string host;
      if (!options.defer_reads) {
        ASSIGN_OR_RETURN(host, HostFileFor(fs, pond, node, v, scratch));
      }
      source.files.push_back({host, m.path, m.captures, {}, v.sha256, v.version});
      add_columns(options.csv ? std::vector<SchemaColumn>{} : VersionColumns(v));
    }
  }
  if (!columns_known) source.columns.clear();
  if (options.accept) return source;
  if (!matches.empty() && source.files.empty() && !source.time_start && !source.time_end) {
    return Status::NotFound("no table or series matches '" + EscapeControl(pattern) + "'");
  }
  return source;
}

Status ReadSourceFiles(tinyfs::FS& fs, tlogfs::Pond& pond, TableSource& source,
                       ScratchFiles& scratch) {
  for (SourceFile& f : source.files) {
    if (!f.host_path.empty()) continue;
    ASSIGN_OR_RETURN(tinyfs::Node node, fs.Resolve(f.pond_path));
    ASSIGN_OR_RETURN(auto versions, fs.Versions(node));
    if (f.version < 1 || f.version > static_cast<int64_t>(versions.size())) {
      return Status::NotFound("'" + EscapeControl(f.pond_path) + "' has no version " +
                              std::to_string(f.version));
    }
    const tinyfs::NodeVersion& v = versions[static_cast<size_t>(f.version - 1)];
    if (v.sha256 != f.content_id) {
      return Status::Internal("'" + EscapeControl(f.pond_path) + "' changed while it was read");
    }
    ASSIGN_OR_RETURN(f.host_path, HostFileFor(fs, pond, node, v, scratch));
  }
  return Status::OK();
}

Status PrepareQuery(SqlSession& session, tinyfs::FS& fs, tlogfs::Pond& pond, const std::string& sql,
                    ScratchFiles& scratch) {
  session.SetResolver(
      [&fs, &pond, &scratch](const std::string& name) -> Result<std::optional<TableSource>> {
        PondTableOptions options;
        std::string pattern = name;
        if (name.rfind("csv:///", 0) == 0) {
          options.csv = true;
          pattern = name.substr(6);
        } else if (name.empty() || name[0] != '/') {
          return std::optional<TableSource>();  // not a pond path: DuckDB's to report
        }
        ASSIGN_OR_RETURN(TableSource source, ResolvePondTable(fs, pond, pattern, options, scratch));
        return std::optional<TableSource>(std::move(source));
      });
  std::string lower = Lower(sql);
  if (lower.find("pond_entries") != std::string::npos) {
    RETURN_IF_ERROR(AddEntriesTable(session, fs, pond));
  }
  if (lower.find("pond_transactions") != std::string::npos) {
    RETURN_IF_ERROR(AddTransactionsTable(session, pond));
  }
  return Status::OK();
}

tinyfs::VersionMeta TabularMeta(const ParquetInfo& info, bool series) {
  tinyfs::VersionMeta meta;
  nlohmann::json attrs = {{"num_rows", info.num_rows}};
  nlohmann::json columns = nlohmann::json::array();
  for (const auto& [name, sql_type] : info.columns) columns.push_back({name, sql_type});
  attrs["columns"] = columns;
  if (series && info.time_column) {
    attrs["time_column"] = *info.time_column;
    meta.min_event_time = info.min_time;
    meta.max_event_time = info.max_time;
  }
  meta.attributes = attrs.dump();
  return meta;
}

Status CheckSeriesColumns(tinyfs::FS& fs, const tinyfs::Node& node, const ParquetInfo& info) {
  ASSIGN_OR_RETURN(auto versions, fs.Versions(node));
  for (const auto& [name, type] : MergedColumns(versions)) {
    for (const auto& [new_name, new_type] : info.columns) {
      if (new_name == name && new_type != type) {
        return Status::InvalidArgument(
            "'" + EscapeControl(node.path) + "' cannot take this version: its column '" +
            EscapeControl(name) + "' is " + new_type + " here but " + type +
            " in earlier versions (a series keeps its column types)");
      }
    }
  }
  return Status::OK();
}

}  // namespace pond::sql
