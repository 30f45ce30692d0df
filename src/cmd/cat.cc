// pond cat: print a file, or the rows of a table.
#include <CLI/CLI.hpp>

#include "cmd/commands.h"
#include "cmd/common.h"
#include "cmd/location.h"
#include "delta/schema.h"
#include "delta/snapshot.h"
#include "sql/pond_tables.h"
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

// Prints a Delta table on the host: its live files at the version, read as one table.
Status CatHostDelta(Context& ctx, const Location& loc, const CatOptions& opts) {
  if (!opts.format.empty() && opts.format != "csv") {
    return Status::NotSupported("a Delta table prints only as --format=csv for now");
  }
  auto opened = OpenLocalStore(loc.path, /*create_if_missing=*/false);
  if (!opened.ok()) return Status::NotFound("there is no Delta table at " + loc.path);
  std::unique_ptr<ObjectStore> store = std::move(*opened);
  delta::LazyParquetEngine engine;
  auto snapshot = delta::LoadSnapshot(*store, engine, opts.delta_version);
  if (!snapshot.ok()) return snapshot.status().WithContext("cannot read Delta table " + loc.path);
  ASSIGN_OR_RETURN(std::vector<ColumnSpec> columns, delta::TableColumns(snapshot->metadata));
  ScanSpec spec;
  spec.columns = std::move(columns);
  for (const auto& [path, add] : snapshot->files) {
    std::string host_path = path;
    if (host_path.starts_with("file://")) {
      host_path = host_path.substr(7);
    } else if (host_path.find("://") != std::string::npos) {
      return Status::NotSupported("data file '" + path + "' is not on this host");
    } else {
      host_path = loc.path + "/" + path;
    }
    spec.files.push_back({host_path, add.partition_values});
  }
  ASSIGN_OR_RETURN(ParquetEngine * e, engine.Get());
  return e->ScanToCsv(spec, *ctx.out);
}

// Writes a stream to the output.
Status Copy(ReadStream& stream, std::ostream& out) {
  std::string buf(1 << 20, '\0');
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
  if (!opts.time_start.empty()) {
    ASSIGN_OR_RETURN(table_opts.time_start, ParseMicrosUtc(opts.time_start));
  }
  if (!opts.time_end.empty()) {
    ASSIGN_OR_RETURN(table_opts.time_end, ParseMicrosUtc(opts.time_end));
  }
  if ((table_opts.time_start || table_opts.time_end) && !series) {
    return Status::InvalidArgument("--time-start and --time-end apply to series only");
  }
  sql::ScratchFiles scratch;
  ASSIGN_OR_RETURN(sql::TableSource source,
                   sql::ResolvePondTable(fs, pond, path, table_opts, scratch));
  ASSIGN_OR_RETURN(auto session, sql::OpenSqlSession());
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
  RETURN_IF_ERROR(session->AddTable("source", "", source));
  RETURN_IF_ERROR(session->LockDown());
  if (query.empty()) {
    query = "SELECT * FROM source";
    if (source.time_column) query += " ORDER BY \"" + *source.time_column + "\"";
  }
  return session->Query(query, format, *ctx.out);
}

Status CatPond(Context& ctx, const CatOptions& opts, const Location& loc) {
  ASSIGN_OR_RETURN(auto pond, OpenPond(ctx));
  tinyfs::FS fs(*pond);
  if (loc.scheme == "csv") return CatTable(ctx, opts, fs, *pond, loc.path, true, false);
  ASSIGN_OR_RETURN(tinyfs::Node node, fs.Resolve(opts.target));
  bool tabular =
      node.type == tinyfs::EntryType::kFileTable || node.type == tinyfs::EntryType::kFileSeries;
  bool raw = opts.format == "raw" || (opts.format.empty() && opts.sql.empty() && !tabular);
  if (!raw) {
    if (!tabular) {
      return Status::InvalidArgument(
          "'" + node.path + "' is a " + tinyfs::EntryTypeName(node.type) +
          ", not a table; to read a CSV file as a table, use csv://" + node.path);
    }
    return CatTable(ctx, opts, fs, *pond, node.path, false,
                    node.type == tinyfs::EntryType::kFileSeries);
  }
  if (!opts.sql.empty()) return Status::InvalidArgument("--sql needs a table, not --format=raw");
  if (node.type == tinyfs::EntryType::kFileSeries && !opts.version) {
    ASSIGN_OR_RETURN(auto versions, fs.Versions(node));
    if (versions.size() > 1) {
      return Status::InvalidArgument(
          "'" + node.path + "' has " + std::to_string(versions.size()) +
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
    return Status::InvalidArgument(
        "pond cat reads pond paths, csv:///pond/path and "
        "host+delta:/// tables, not " +
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
                  "raw, table, csv or json (one object per line); tables default to table")
      ->check(CLI::IsMember({"csv", "table", "json", "raw"}));
  cmd->add_option("--sql", opts->sql, "a query over the file, which is the table `source`");
  cmd->add_option("--time-start", opts->time_start, "series: only rows at or after (UTC)");
  cmd->add_option("--time-end", opts->time_end, "series: only rows before (UTC)");
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
