#include <gtest/gtest.h>

#include <CLI/CLI.hpp>
#include <set>
#include <string>
#include <vector>

#include "cmd/commands.h"

namespace pond {
namespace {

// The names each adder registers on the top level, with their aliases.
std::set<std::string> Registered(const CommandAdder& adder) {
  CLI::App app;
  Context ctx;
  adder.add(app, ctx);
  std::set<std::string> names;
  for (const CLI::App* cmd : app.get_subcommands([](const CLI::App*) { return true; })) {
    names.insert(cmd->get_name());
    for (const std::string& alias : cmd->get_aliases()) names.insert(alias);
  }
  return names;
}

TEST(CommandTableTest, EachEntryNamesExactlyWhatItsAdderRegisters) {
  std::set<std::string> seen;
  for (const CommandAdder& adder : kCommandAdders) {
    std::set<std::string> listed;
    for (std::string_view name : adder.names) {
      if (!name.empty()) listed.insert(std::string(name));
    }
    EXPECT_EQ(listed, Registered(adder)) << *listed.begin();
    for (const std::string& name : listed) {
      EXPECT_TRUE(seen.insert(name).second) << name << " is listed twice";
    }
  }
  EXPECT_GE(seen.size(), 25u);
}

const CommandAdder* Named(std::vector<std::string> args) {
  args.insert(args.begin(), "pond");
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  return NamedCommand(static_cast<int>(argv.size()), argv.data());
}

TEST(CommandTableTest, TheCommandIsFoundAfterTheGlobalOptions) {
  ASSERT_NE(Named({"cat", "/a"}), nullptr);
  EXPECT_EQ(Named({"cat", "/a"})->add, AddCatCommand);
  EXPECT_EQ(Named({"--pond", "list", "cat", "/a"})->add, AddCatCommand);  // a pond named list
  EXPECT_EQ(Named({"--pond=/p", "-vq", "--as-of", "3", "ls"})->add, AddListCommand);
  EXPECT_EQ(Named({"-q", "--verbose", "--quiet", "-v", "push"})->add, AddRemoteCommands);
  EXPECT_EQ(Named({"--as-of=2", "log", "--pond", "/p"})->add, AddLogCommand);
}

TEST(CommandTableTest, AnythingElseBuildsEveryCommand) {
  EXPECT_EQ(Named({}), nullptr);
  EXPECT_EQ(Named({"--help"}), nullptr);
  EXPECT_EQ(Named({"--version"}), nullptr);
  EXPECT_EQ(Named({"-h", "cat"}), nullptr);
  EXPECT_EQ(Named({"-x", "cat"}), nullptr);
  EXPECT_EQ(Named({"caat", "/a"}), nullptr);
  EXPECT_EQ(Named({"--pond"}), nullptr);
  // The completion commands list the others.
  EXPECT_EQ(Named({"__complete", "1", "pond", "ca"}), nullptr);
  EXPECT_EQ(Named({"completion", "bash"}), nullptr);
}

}  // namespace
}  // namespace pond
