#include "cmd/cli.h"

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <iostream>

#include "cmd/commands.h"
#include "cmd/common.h"
#include "cmd/version.h"
#include "util/counters.h"

namespace pond {
int RunCli(int argc, char** argv) {
  Context ctx;
  if (const char* env = std::getenv("POND")) ctx.global.pond_dir = env;

  CLI::App app{"pond: a local-first data lake for time series, on Delta Lake and DuckDB"};
  app.set_version_flag("--version", std::string("pond ") + kPondVersion);
  app.require_subcommand(0, 1);
  app.fallthrough();  // global options may also follow the command
  app.add_option("--pond", ctx.global.pond_dir, "the pond directory (default: $POND)");
  app.add_flag("-v,--verbose", ctx.global.verbose, "print performance counters to stderr");
  app.add_option("--as-of", ctx.global.as_of, "read the pond as it was at transaction N")
      ->check(WholeNumberAtLeast(1));
  for (auto add : {AddCatCommand, AddCopyCommand, AddDescribeCommand, AddInitCommand,
                   AddListCommand, AddLnCommand, AddLogCommand, AddMkdirCommand, AddMvCommand,
                   AddQueryCommand, AddRmCommand, AddShowCommand}) {
    add(app, ctx);
  }
  ctx.command_line = "pond";
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    bool plain = !arg.empty() && arg.find_first_of(" \t\n'\"*?[]$") == std::string::npos;
    ctx.command_line += " " + (plain ? arg : "'" + arg + "'");
  }

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "pond: " << e.what() << " (see pond --help)\n";
    return kExitUsage;
  }
  if (!ctx.ran) {
    std::cout << app.help();
    return kExitOk;
  }
  std::cout.flush();
  if (ctx.global.verbose) std::cerr << GlobalCounters().Format();
  if (!ctx.status.ok()) {
    std::cerr << "pond: " << ctx.status.message() << "\n";
    return ctx.usage_error ? kExitUsage : kExitFailure;
  }
  return kExitOk;
}

}  // namespace pond
