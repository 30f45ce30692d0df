// pond ln -s TARGET LINK: create a symlink.
#include <CLI/CLI.hpp>

#include "cmd/commands.h"
#include "cmd/common.h"

namespace pond {
namespace {

struct LnOptions {
  bool symbolic = false;
  std::string target;
  std::string link;
};

}  // namespace

void AddLnCommand(CLI::App& app, Context& ctx) {
  auto opts = std::make_shared<LnOptions>();
  CLI::App* cmd = app.add_subcommand("ln", "Create a symbolic link");
  cmd->add_flag("-s,--symbolic", opts->symbolic, "make a symbolic link (the only kind)");
  cmd->add_option("target", opts->target, "what the link points to")->required();
  cmd->add_option("link", opts->link, "the link's path")->required();
  cmd->callback([&ctx, opts] {
    ctx.ran = true;
    if (!opts->symbolic) {
      ctx.status = Status::InvalidArgument("a pond has only symbolic links: use ln -s");
      ctx.usage_error = true;
      return;
    }
    ctx.status = RunWrite(ctx, [&](tinyfs::FS& fs, tlogfs::Pond&) {
      return fs.Symlink(opts->target, opts->link).status();
    });
  });
}

}  // namespace pond
