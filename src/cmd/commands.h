// The commands: each Add*Command registers one subcommand whose callback runs
// it and stores its Status in the context.
#pragma once

#include "cmd/context.h"

namespace CLI {
class App;
}

namespace pond {

void AddApplyCommand(CLI::App& app, Context& ctx);
void AddCatCommand(CLI::App& app, Context& ctx);
void AddCompleteCommands(CLI::App& app, Context& ctx);
void AddCopyCommand(CLI::App& app, Context& ctx);
void AddDescribeCommand(CLI::App& app, Context& ctx);
void AddFsckCommand(CLI::App& app, Context& ctx);
void AddExportCommand(CLI::App& app, Context& ctx);
void AddGcCommand(CLI::App& app, Context& ctx);
void AddInitCommand(CLI::App& app, Context& ctx);
void AddListCommand(CLI::App& app, Context& ctx);
void AddListFactoriesCommand(CLI::App& app, Context& ctx);
void AddLnCommand(CLI::App& app, Context& ctx);
void AddLogCommand(CLI::App& app, Context& ctx);
void AddMaintainCommand(CLI::App& app, Context& ctx);
void AddMkdirCommand(CLI::App& app, Context& ctx);
void AddMknodCommand(CLI::App& app, Context& ctx);
void AddMvCommand(CLI::App& app, Context& ctx);
void AddQueryCommand(CLI::App& app, Context& ctx);
// remote add|list|remove, push, pull, restore, verify
void AddRemoteCommands(CLI::App& app, Context& ctx);
void AddRmCommand(CLI::App& app, Context& ctx);
void AddRunCommand(CLI::App& app, Context& ctx);
void AddShowCommand(CLI::App& app, Context& ctx);

}  // namespace pond
