// pond rm [-r] PATH...: remove entries; their history stays.
#include <CLI/CLI.hpp>

#include "cmd/commands.h"
#include "cmd/common.h"

namespace pond {
namespace {

struct RmOptions {
  std::vector<std::string> paths;
  bool recursive = false;
};

}  // namespace

void AddRmCommand(CLI::App& app, Context& ctx) {
  auto opts = std::make_shared<RmOptions>();
  CLI::App* cmd = app.add_subcommand("rm", "Remove files, symlinks or (with -r) directories");
  cmd->add_option("paths", opts->paths, "what to remove")->required();
  cmd->add_flag("-r,--recursive", opts->recursive, "remove directories and what they hold");
  cmd->callback([&ctx, opts] {
    ctx.ran = true;
    ctx.status = RunWrite(ctx, [&](tinyfs::FS& fs, tlogfs::Pond&) -> Status {
      for (const std::string& path : opts->paths) RETURN_IF_ERROR(fs.Remove(path, opts->recursive));
      return Status::OK();
    });
  });
}

}  // namespace pond
