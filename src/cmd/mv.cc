// pond mv SRC DEST: rename, or move into an existing directory.
#include <CLI/CLI.hpp>

#include "cmd/commands.h"
#include "cmd/common.h"

namespace pond {
namespace {

struct MvOptions {
  std::string from;
  std::string to;
};

}  // namespace

void AddMvCommand(CLI::App& app, Context& ctx) {
  auto opts = std::make_shared<MvOptions>();
  CLI::App* cmd = app.add_subcommand("mv", "Rename an entry, or move it into a directory");
  cmd->add_option("source", opts->from, "the entry to move")->required();
  cmd->add_option("dest", opts->to, "its new name, or an existing directory")->required();
  cmd->callback([&ctx, opts] {
    ctx.ran = true;
    ctx.status = RunWrite(
        ctx, [&](tinyfs::FS& fs, tlogfs::Pond&) { return fs.Rename(opts->from, opts->to); });
  });
}

}  // namespace pond
