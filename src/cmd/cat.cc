// pond cat: print a file, or the rows of a table.
#include <CLI/CLI.hpp>

#include "cmd/commands.h"
#include "cmd/common.h"
#include "cmd/location.h"
#include "delta/schema.h"
#include "delta/snapshot.h"

namespace pond {
namespace {

struct CatOptions {
  std::string target;
  std::string format;  // "" : the default for what is printed
  std::optional<int64_t> delta_version;
  std::optional<int64_t> version;
};

// Prints a Delta table on the host: its live files at the version, read as one table.
Status CatHostDelta(Context& ctx, const Location& loc, const CatOptions& opts) {
  if (!opts.format.empty() && opts.format != "csv") {
    return Status::NotSupported("a Delta table prints only as --format=csv for now");
  }
  ASSIGN_OR_RETURN(auto store, OpenLocalStore(loc.path));
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

// Prints a pond file's bytes.
Status CatPondFile(Context& ctx, const CatOptions& opts) {
  if (!opts.format.empty() && opts.format != "raw") {
    return Status::NotSupported("pond files print only as --format=raw for now");
  }
  ASSIGN_OR_RETURN(auto pond, OpenPond(ctx));
  tinyfs::FS fs(*pond);
  ASSIGN_OR_RETURN(tinyfs::Node node, fs.Resolve(opts.target));
  ASSIGN_OR_RETURN(auto stream, fs.OpenFile(node, opts.version));
  std::string buf(1 << 20, '\0');
  while (true) {
    ASSIGN_OR_RETURN(size_t n, stream->Read(buf.data(), buf.size()));
    if (n == 0) break;
    ctx.out->write(buf.data(), static_cast<std::streamsize>(n));
    if (!*ctx.out) return Status::IOError("cannot write to standard output");
  }
  return Status::OK();
}

Status RunCat(Context& ctx, const CatOptions& opts) {
  ASSIGN_OR_RETURN(Location loc, ParseLocation(opts.target));
  if (loc.scheme == "host+delta") return CatHostDelta(ctx, loc, opts);
  if (loc.is_url()) {
    return Status::InvalidArgument("pond cat reads pond paths and host+delta:/// tables, not " +
                                   loc.scheme + ":///");
  }
  return CatPondFile(ctx, opts);
}

}  // namespace

void AddCatCommand(CLI::App& app, Context& ctx) {
  auto opts = std::make_shared<CatOptions>();
  CLI::App* cmd = app.add_subcommand("cat", "Print a file, or the rows of a table");
  cmd->add_option("path", opts->target, "pond path or URL (host+delta:///abs/table)")->required();
  cmd->add_option("--format", opts->format, "raw (files) or csv (host+delta tables)")
      ->check(CLI::IsMember({"csv", "table", "json", "raw"}));
  cmd->add_option("--delta-version", opts->delta_version, "read a Delta table at this version")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--version", opts->version, "print this version of the file (from 1)")
      ->check(CLI::PositiveNumber);
  cmd->callback([&ctx, opts] {
    ctx.ran = true;
    ctx.status = RunCat(ctx, *opts);
  });
}

}  // namespace pond
