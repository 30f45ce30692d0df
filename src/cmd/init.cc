// pond init: create an empty pond.
#include <CLI/CLI.hpp>

#include "cmd/commands.h"
#include "cmd/common.h"

namespace pond {

void AddInitCommand(CLI::App& app, Context& ctx) {
  CLI::App* cmd = app.add_subcommand("init", "Create an empty pond (its root directory)");
  cmd->callback([&ctx] {
    ctx.ran = true;
    if (ctx.global.pond_dir.empty()) {
      ctx.status = UsageError(ctx, "no pond given: use --pond DIR or set POND");
      return;
    }
    if (ctx.global.as_of) {
      ctx.status = UsageError(ctx, "--as-of reads a past transaction; init creates a pond");
      return;
    }
    ctx.status = tlogfs::Pond::Init(ctx.global.pond_dir, ctx.command_line).status();
  });
}

}  // namespace pond
