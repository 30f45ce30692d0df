#include "cmd/cli.h"

#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>

#include "cmd/version.h"

namespace pond {

int RunCli(int argc, char** argv) {
  CLI::App app{"pond: a local-first data lake for time series, on Delta Lake and DuckDB"};
  app.set_version_flag("--version", std::string("pond ") + kPondVersion);
  app.require_subcommand(0, 1);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "pond: " << e.what() << " (see pond --help)\n";
    return kExitUsage;
  }
  if (app.get_subcommands().empty()) {
    std::cout << app.help();
    return kExitOk;
  }
  return kExitOk;
}

}  // namespace pond
