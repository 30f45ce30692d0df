// pond mknod FACTORY PATH --config-path FILE [--overwrite]: a dynamic node.
#include <CLI/CLI.hpp>
#include <fstream>
#include <sstream>

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

Result<std::string> ReadHostText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound("cannot read the config file '" + EscapeControl(path) + "'");
  std::stringstream ss;
  ss << in.rdbuf();
  if (in.bad()) return Status::IOError("cannot read the config file '" + EscapeControl(path) + "'");
  return ss.str();
}

Status RunMknod(Context& ctx, const MknodOptions& opts) {
  ASSIGN_OR_RETURN(const factory::Factory* f, factory::FindFactory(opts.factory));
  ASSIGN_OR_RETURN(std::string raw, ReadHostText(opts.config_path));
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
