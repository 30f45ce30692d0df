// pond run PATH [ARGS...]: runs an executable factory node in one transaction.
#include <CLI/CLI.hpp>

#include "cmd/commands.h"
#include "cmd/common.h"
#include "factory/evaluator.h"
#include "util/text.h"

namespace pond {
namespace {

struct RunOptions {
  std::string path;
  std::vector<std::string> args;
};

Status RunRun(Context& ctx, const RunOptions& opts) {
  return RunWrite(ctx, [&](tinyfs::FS& fs, tlogfs::Pond& pond) -> Status {
    auto* eval = dynamic_cast<factory::Evaluator*>(fs.dynamic_nodes());
    if (eval == nullptr) return Status::Internal("no factories are attached");
    ASSIGN_OR_RETURN(tinyfs::Node node, fs.Resolve(opts.path));
    ASSIGN_OR_RETURN(factory::NodeSpec spec, eval->Spec(node));
    if (spec.factory->makes() != factory::Makes::kExecutable) {
      return Status::InvalidArgument("'" + EscapeControl(node.path) + "' is a " +
                                     std::string(spec.factory->name()) + " node, which makes a " +
                                     factory::MakesName(spec.factory->makes()) +
                                     "; only executable nodes can be run");
    }
    factory::RunContext run{fs, pond, *eval, node, *ctx.out};
    return spec.factory->Run(run, *spec.config, opts.args);
  });
}

}  // namespace

void AddRunCommand(CLI::App& app, Context& ctx) {
  auto opts = std::make_shared<RunOptions>();
  CLI::App* cmd = app.add_subcommand("run", "Run an executable factory node (one transaction)");
  cmd->add_option("path", opts->path, "the node")->required();
  // Everything after the node is the factory's, options included
  // (`pond run /system/site build OUT --base-url /sub/`).
  cmd->prefix_command();
  cmd->fallthrough(false);
  cmd->callback([&ctx, opts, cmd] {
    ctx.ran = true;
    RunOptions o = *opts;
    for (const std::string& extra : cmd->remaining()) o.args.push_back(extra);
    ctx.status = RunRun(ctx, o);
  });
}

}  // namespace pond
