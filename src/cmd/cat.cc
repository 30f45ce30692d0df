// pond cat: print a file, or the rows of a table.
#include <CLI/CLI.hpp>

#include "cmd/commands.h"
#include "cmd/location.h"
#include "delta/schema.h"
#include "delta/snapshot.h"

namespace pond {
namespace {

struct CatOptions {
  std::string target;
  std::string format = "csv";
  std::optional<int64_t> delta_version;
};

// Prints a Delta table on the host: its live files at the version, read as one table.
Status CatHostDelta(Context& ctx, const Location& loc, const CatOptions& opts) {
  if (opts.format != "csv") {
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

Status RunCat(Context& ctx, const CatOptions& opts) {
  ASSIGN_OR_RETURN(Location loc, ParseLocation(opts.target));
  if (loc.scheme == "host+delta") return CatHostDelta(ctx, loc, opts);
  return Status::NotSupported("pond cat reads only host+delta:/// tables so far");
}

}  // namespace

void AddCatCommand(CLI::App& app, Context& ctx) {
  auto opts = std::make_shared<CatOptions>();
  CLI::App* cmd = app.add_subcommand("cat", "Print a file, or the rows of a table");
  cmd->add_option("path", opts->target, "pond path or URL (host+delta:///abs/table)")->required();
  cmd->add_option("--format", opts->format, "output format: csv")
      ->check(CLI::IsMember({"csv", "table", "json", "raw"}));
  cmd->add_option("--delta-version", opts->delta_version, "read a Delta table at this version")
      ->check(CLI::NonNegativeNumber);
  cmd->callback([&ctx, opts] {
    ctx.ran = true;
    ctx.status = RunCat(ctx, *opts);
  });
}

}  // namespace pond
