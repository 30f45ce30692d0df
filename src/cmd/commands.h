// The commands: each Add*Command registers one subcommand whose callback runs
// it and stores its Status in the context.
#pragma once

#include <array>
#include <string_view>

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

// Every adder, with the command names (and aliases) it registers on the top
// level. A command line that names a command builds only that parser: all of
// them cost a short command like `pond cat` about a millisecond. The cmd
// unit tests check each entry against what its adder registers.
struct CommandAdder {
  std::array<std::string_view, 5> names;
  void (*add)(CLI::App& app, Context& ctx);
};
inline constexpr CommandAdder kCommandAdders[] = {
    {{"apply"}, AddApplyCommand},
    {{"cat"}, AddCatCommand},
    {{"completion", "__complete"}, AddCompleteCommands},
    {{"copy"}, AddCopyCommand},
    {{"describe"}, AddDescribeCommand},
    {{"export"}, AddExportCommand},
    {{"fsck"}, AddFsckCommand},
    {{"gc"}, AddGcCommand},
    {{"remote", "push", "pull", "restore", "verify"}, AddRemoteCommands},
    {{"init"}, AddInitCommand},
    {{"list", "ls"}, AddListCommand},
    {{"list-factories"}, AddListFactoriesCommand},
    {{"ln"}, AddLnCommand},
    {{"log"}, AddLogCommand},
    {{"maintain"}, AddMaintainCommand},
    {{"mkdir"}, AddMkdirCommand},
    {{"mknod"}, AddMknodCommand},
    {{"mv"}, AddMvCommand},
    {{"query"}, AddQueryCommand},
    {{"rm"}, AddRmCommand},
    {{"run"}, AddRunCommand},
    {{"show"}, AddShowCommand},
};

// The adder of the command `argv` names, or nullptr when it names none that is
// known (help, the version, a misspelling, completion): then every command is
// built, so that help lists them all and errors read the same. Global options
// may come before the command.
const CommandAdder* NamedCommand(int argc, char** argv);

}  // namespace pond
