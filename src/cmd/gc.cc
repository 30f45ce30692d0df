// pond gc [--dry-run] [--grace DURATION]: remove what no version of the pond uses.
#include "tlogfs/gc.h"

#include <CLI/CLI.hpp>

#include "cmd/commands.h"
#include "cmd/common.h"
#include "util/duration.h"

namespace pond {
namespace {

struct GcOptions {
  bool dry_run = false;
  std::string grace = "1h";
};

Status RunGc(Context& ctx, const GcOptions& opts) {
  if (ctx.global.as_of)
    return UsageError(ctx, "--as-of reads a past transaction; gc changes the pond");
  ASSIGN_OR_RETURN(int64_t grace, ParseDurationMicros(opts.grace));
  ASSIGN_OR_RETURN(auto pond, OpenPond(ctx, /*allow_damage=*/true));
  // The writer lock, held throughout: no commit can name a file while gc looks.
  RETURN_IF_ERROR(pond->Begin(ctx.command_line));
  auto report = tlogfs::CollectGarbage(*pond, grace, opts.dry_run);
  pond->Abort();  // gc commits nothing to the log
  RETURN_IF_ERROR(report.status());
  std::ostream& out = *ctx.out;
  const char* verb = opts.dry_run ? "would remove " : "removed ";
  for (const ObjectInfo& o : report->removed) {
    out << verb << o.key << " (" << HumanSize(o.size) << ")\n";
  }
  out << (opts.dry_run ? "would remove " : "removed ") << report->removed.size() << " file"
      << (report->removed.size() == 1 ? "" : "s") << ", " << HumanSize(report->bytes)
      << (opts.dry_run ? " would be freed" : " freed") << "\n";
  return Status::OK();
}

}  // namespace

void AddGcCommand(CLI::App& app, Context& ctx) {
  auto opts = std::make_shared<GcOptions>();
  CLI::App* cmd = app.add_subcommand(
      "gc",
      "Remove blobs and data files that no version uses, and temporary files of interrupted "
      "commands, once older than a grace period");
  cmd->add_flag("-n,--dry-run", opts->dry_run, "only list what would be removed");
  cmd->add_option("--grace", opts->grace,
                  "keep files younger than this, which a running command may still commit "
                  "(default 1h)")
      ->check(DurationValidator());
  cmd->callback([&ctx, opts] {
    ctx.ran = true;
    ctx.status = RunGc(ctx, *opts);
  });
}

}  // namespace pond
