// pond mkdir [-p] PATH...: create directories, all in one transaction.
#include <CLI/CLI.hpp>

#include "cmd/commands.h"
#include "cmd/common.h"

namespace pond {
namespace {

struct MkdirOptions {
  std::vector<std::string> paths;
  bool parents = false;
};

}  // namespace

void AddMkdirCommand(CLI::App& app, Context& ctx) {
  auto opts = std::make_shared<MkdirOptions>();
  CLI::App* cmd = app.add_subcommand("mkdir", "Create directories");
  cmd->add_option("paths", opts->paths, "directories to create")->required();
  cmd->add_flag("-p,--parents", opts->parents, "create missing parents; no error if it exists");
  cmd->callback([&ctx, opts] {
    ctx.ran = true;
    ctx.status = RunWrite(ctx, [&](tinyfs::FS& fs, tlogfs::Pond&) -> Status {
      for (const std::string& path : opts->paths) {
        RETURN_IF_ERROR(fs.Mkdir(path, opts->parents).status());
      }
      return Status::OK();
    });
  });
}

}  // namespace pond
