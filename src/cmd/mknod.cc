// pond mknod FACTORY PATH --config-path FILE [--overwrite]: a dynamic node.
#include <CLI/CLI.hpp>

#include "cmd/commands.h"
#include "cmd/common.h"
#include "factory/nodes.h"
#include "util/text.h"

namespace pond {
namespace {

struct MknodOptions {
  std::string factory;
  std::string path;
  std::string config_path;
  bool overwrite = false;
};

Status RunMknod(Context& ctx, const MknodOptions& opts) {
  ASSIGN_OR_RETURN(const factory::Factory* f, factory::FindFactory(opts.factory));
  auto raw_read = ReadHostText(opts.config_path);
  if (!raw_read.ok()) return raw_read.status().WithContext("cannot read the config");
  std::string raw = std::move(*raw_read);
  // Checked before the pond is opened: a bad config changes nothing.
  RETURN_IF_ERROR(factory::ParseConfig(*f, raw).status());
  return RunWrite(ctx, [&](tinyfs::FS& fs, tlogfs::Pond&) -> Status {
    return factory::WriteFactoryNode(fs, *f, opts.path, raw, opts.overwrite).status();
  });
}

}  // namespace

void AddMknodCommand(CLI::App& app, Context& ctx) {
  auto opts = std::make_shared<MknodOptions>();
  CLI::App* cmd = app.add_subcommand(
      "mknod",
      "Create a dynamic node: FACTORY computes PATH from the YAML config (see list-factories)");
  cmd->add_option("factory", opts->factory, "the factory's name")->required();
  cmd->add_option("path", opts->path, "the node's pond path")->required();
  cmd->add_option("--config-path", opts->config_path, "the YAML config file (stored as written)")
      ->required();
  cmd->add_flag("--overwrite", opts->overwrite, "give an existing node a new config");
  cmd->callback([&ctx, opts] {
    ctx.ran = true;
    ctx.status = RunMknod(ctx, *opts);
  });
}

}  // namespace pond
