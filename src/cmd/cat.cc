// pond cat: print a file, or the rows of a table.
#include <CLI/CLI.hpp>

#include "cmd/commands.h"
#include "cmd/common.h"
#include "cmd/location.h"
#include "delta/schema.h"
#include "delta/snapshot.h"
#include "sql/pond_tables.h"
#include "util/fd_read.h"
#include "util/progress.h"
#include "util/text.h"
#include "util/time.h"

namespace pond {
namespace {

struct CatOptions {
  std::string target;
  std::string format;  // "" : the default for what is printed
  std::string sql;
  std::optional<int64_t> delta_version;
  std::optional<int64_t> version;
  std::string time_start;
  std::string time_end;
};

struct TimeRange {
  std::optional<int64_t> start;
  std::optional<int64_t> end;
  bool empty() const { return !start && !end; }
};

// --time-start and --time-end, already checked by their validators; a start
// after the end is a usage error.
Result<TimeRange> ParseRange(Context& ctx, const CatOptions& opts) {
  TimeRange r;
  if (!opts.time_start.empty()) {
    ASSIGN_OR_RETURN(r.start, ParseMicrosUtc(opts.time_start));
  }
  if (!opts.time_end.empty()) {
    ASSIGN_OR_RETURN(r.end, ParseMicrosUtc(opts.time_end));
  }
  if (r.start && r.end && *r.start > *r.end) {
    return UsageError(ctx,
                      "--time-start " + opts.time_start + " is after --time-end " + opts.time_end);
  }
  return r;
}

// Prints a Delta table on the host: its live files at the version, read as one table.
Status CatHostDelta(Context& ctx, const Location& loc, const CatOptions& opts) {
  if (opts.format == "raw")
    return UsageError(ctx, "a Delta table has no raw form; use csv, table or json");
  ASSIGN_OR_RETURN(TimeRange range, ParseRange(ctx, opts));
  auto opened = OpenLocalStore(loc.path, /*create_if_missing=*/false);
  if (!opened.ok()) return Status::NotFound("there is no Delta table at " + loc.path);
  std::unique_ptr<ObjectStore> store = std::move(*opened);
  delta::LazyParquetEngine engine;
  auto snapshot = delta::LoadSnapshot(*store, engine, opts.delta_version);
  if (!snapshot.ok()) return snapshot.status().WithContext("cannot read Delta table " + loc.path);
  ASSIGN_OR_RETURN(std::vector<ColumnSpec> columns, delta::TableColumns(snapshot->metadata));
  std::vector<std::pair<std::string, std::string>> files;  // host path, Delta path
  for (const auto& [path, add] : snapshot->files) {
    std::string host_path = path;
    if (host_path.starts_with("file://")) {
      host_path = host_path.substr(7);
    } else if (host_path.find("://") != std::string::npos) {
      return Status::NotSupported("data file '" + path + "' is not on this host");
    } else {
      host_path = loc.path + "/" + path;
    }
    files.emplace_back(host_path, path);
  }
  const bool plain =
      opts.sql.empty() && range.empty() && (opts.format.empty() || opts.format == "csv");
  if (plain || files.empty()) {
    if (!plain)
      return Status::InvalidArgument("the Delta table has no rows to query at this version");
    ScanSpec spec;
    spec.columns = std::move(columns);
    for (const auto& [host, path] : files) {
      spec.files.push_back({host, snapshot->files.at(path).partition_values});
    }
    ASSIGN_OR_RETURN(ParquetEngine * e, engine.Get());
    return e->ScanToCsv(spec, *ctx.out);
  }
  // Queried, filtered or in another format: through a SQL session, with the
  // partition columns as constants per file.
  sql::TableSource source;
  for (const ColumnSpec& c : columns) {
    if (c.is_partition) source.constant_columns.push_back(c);
  }
  for (const auto& [host, path] : files) {
    sql::SourceFile f{host, path, {}, {}};
    const auto& values = snapshot->files.at(path).partition_values;
    for (const ColumnSpec& c : source.constant_columns) {
      auto v = values.find(c.name);
      f.constants.push_back(v == values.end() ? std::nullopt : v->second);
    }
    source.files.push_back(std::move(f));
  }
  for (const ColumnSpec& c : columns) {
    bool timeish =
        c.delta_type == "timestamp" || c.delta_type == "timestamp_ntz" || c.delta_type == "date";
    if (timeish && !c.is_partition &&
        (c.name == "timestamp" || c.name == "Timestamp" || c.name == "event_time" ||
         c.name == "time")) {
      source.time_column = c.name;
      source.time_type = c.delta_type == "timestamp" ? "TIMESTAMP WITH TIME ZONE"
                         : c.delta_type == "date"    ? "DATE"
                                                     : "TIMESTAMP";
      break;
    }
  }
  if (!range.empty() && !source.time_column) {
    return Status::InvalidArgument(
        "--time-start and --time-end need a timestamp column named "
        "timestamp, Timestamp, event_time or time");
  }
  source.time_start = range.start;
  source.time_end = range.end;
  ASSIGN_OR_RETURN(sql::OutputFormat format,
                   sql::ParseOutputFormat(opts.format.empty() ? "csv" : opts.format));
  ASSIGN_OR_RETURN(auto session,
                   opts.sql.empty() ? sql::OpenInternalSqlSession() : sql::OpenSqlSession());
  RETURN_IF_ERROR(session->AddTable("source", source));
  RETURN_IF_ERROR(session->LockDown());
  std::string query = opts.sql.empty() ? "SELECT * FROM source" : opts.sql;
  if (ProgressWanted(ctx.global.quiet)) session->ShowProgress();
  return session->Query(query, format, *ctx.out);
}

// Writes a stream to the output.
Status Copy(ReadStream& stream, std::ostream& out) {
  IoBuffer buf;
  while (true) {
    ASSIGN_OR_RETURN(size_t n, stream.Read(buf.data(), buf.size()));
    if (n == 0) break;
    out.write(buf.data(), static_cast<std::streamsize>(n));
    if (!out) return Status::IOError("cannot write to standard output");
  }
  return Status::OK();
}

// A table, series or (csv:///) raw CSV file, queried as `source`.
Status CatTable(Context& ctx, const CatOptions& opts, tinyfs::FS& fs, tlogfs::Pond& pond,
                const std::string& path, bool csv, bool series) {
  ASSIGN_OR_RETURN(sql::OutputFormat format,
                   sql::ParseOutputFormat(opts.format.empty() ? "table" : opts.format));
  sql::PondTableOptions table_opts;
  table_opts.version = opts.version;
  table_opts.csv = csv;
  ASSIGN_OR_RETURN(TimeRange range, ParseRange(ctx, opts));
  table_opts.time_start = range.start;
  table_opts.time_end = range.end;
  if (!range.empty() && !series) {
    return UsageError(ctx, "--time-start and --time-end apply to series only");
  }
  sql::ScratchFiles scratch;
  ASSIGN_OR_RETURN(sql::TableSource source,
                   sql::ResolvePondTable(fs, pond, path, table_opts, scratch));
  ASSIGN_OR_RETURN(auto session,
                   opts.sql.empty() ? sql::OpenInternalSqlSession() : sql::OpenSqlSession());
  std::string query = opts.sql;
  if (source.files.empty()) {
    // Every version fell outside the time range: an empty result of the right
    // shape. Only the latest version is read, for its columns; its events all
    // fall outside the range, so the range itself filters out every row.
    ASSIGN_OR_RETURN(tinyfs::Node node, fs.Resolve(path));
    ASSIGN_OR_RETURN(auto versions, fs.Versions(node));
    sql::PondTableOptions latest;
    latest.version = versions.back().version;
    ASSIGN_OR_RETURN(auto last, sql::ResolvePondTable(fs, pond, path, latest, scratch));
    source.files = std::move(last.files);
  }
  RETURN_IF_ERROR(session->AddTable("source", source));
  RETURN_IF_ERROR(session->LockDown());
  if (query.empty()) {
    query = "SELECT * FROM source";
    if (source.time_column) query += " ORDER BY \"" + *source.time_column + "\"";
  }
  if (ProgressWanted(ctx.global.quiet)) session->ShowProgress();
  return session->Query(query, format, *ctx.out);
}

Status CatPond(Context& ctx, const CatOptions& opts, const Location& loc) {
  ASSIGN_OR_RETURN(auto pond, OpenPond(ctx));
  tinyfs::FS fs(*pond);
  auto factories = AttachFactories(fs, *pond);
  if (loc.scheme == "csv") return CatTable(ctx, opts, fs, *pond, loc.path, true, false);
  ASSIGN_OR_RETURN(tinyfs::Node node, fs.Resolve(opts.target));
  bool tabular = tinyfs::IsTabular(node.type);
  bool raw = opts.format == "raw" || (opts.format.empty() && opts.sql.empty() && !tabular);
  if (!raw) {
    if (!tabular) {
      return Status::InvalidArgument(
          "'" + EscapeControl(node.path) + "' is a " + tinyfs::EntryTypeName(node.type) +
          ", not a table; to read a CSV file as a table, use csv://" + EscapeControl(node.path));
    }
    return CatTable(ctx, opts, fs, *pond, node.path, false, tinyfs::IsSeries(node.type));
  }
  if (!opts.sql.empty()) return UsageError(ctx, "--sql needs a table, not --format=raw");
  if (!opts.time_start.empty() || !opts.time_end.empty()) {
    return UsageError(ctx,
                      "--time-start and --time-end apply to series read as rows, not raw bytes");
  }
  if (node.type == tinyfs::EntryType::kFileSeries && !opts.version) {
    ASSIGN_OR_RETURN(auto versions, fs.Versions(node));
    if (versions.size() > 1) {
      return Status::InvalidArgument(
          "'" + EscapeControl(node.path) + "' has " + std::to_string(versions.size()) +
          " versions; choose one with --version to print its Parquet bytes");
    }
  }
  ASSIGN_OR_RETURN(auto stream, fs.OpenFile(node, opts.version));
  return Copy(*stream, *ctx.out);
}

Status RunCat(Context& ctx, const CatOptions& opts) {
  ASSIGN_OR_RETURN(Location loc, ParseLocation(opts.target));
  if (loc.scheme == "host+delta") return CatHostDelta(ctx, loc, opts);
  if (loc.is_url() && loc.scheme != "csv") {
    return UsageError(ctx,
                      "pond cat reads pond paths, csv:///pond/path and host+delta:/// tables, "
                      "not " +
                          loc.scheme + ":///");
  }
  return CatPond(ctx, opts, loc);
}

}  // namespace

void AddCatCommand(CLI::App& app, Context& ctx) {
  auto opts = std::make_shared<CatOptions>();
  CLI::App* cmd = app.add_subcommand("cat", "Print a file, or the rows of a table");
  cmd->add_option("path", opts->target, "pond path, csv:///pond/path, or host+delta:///abs/table")
      ->required();
  cmd->add_option("--format", opts->format,
                  "raw, table, csv, json (one array) or jsonl (an object per line); tables "
                  "default to table")
      ->check(CLI::IsMember({"csv", "table", "json", "jsonl", "raw"}));
  cmd->add_option("--sql", opts->sql, "a query over the file, which is the table `source`");
  cmd->add_option("--time-start", opts->time_start,
                  "series: only rows at or after this time (RFC 3339; no offset means UTC)")
      ->check(TimeValidator());
  cmd->add_option("--time-end", opts->time_end, "series: only rows before this time")
      ->check(TimeValidator());
  cmd->add_option("--delta-version", opts->delta_version, "read a Delta table at this version")
      ->check(WholeNumberAtLeast(0));
  cmd->add_option("--version", opts->version, "print this version of the file (from 1)")
      ->check(WholeNumberAtLeast(1));
  cmd->callback([&ctx, opts] {
    ctx.ran = true;
    ctx.status = RunCat(ctx, *opts);
  });
}

}  // namespace pond
