#include "cmd/cli.h"

#include <signal.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <map>

#include "cmd/commands.h"
#include "cmd/common.h"
#include "cmd/manual.h"
#include "cmd/version.h"
#include "storage/temp_files.h"
#include "util/counters.h"
#include "util/text.h"
#include "util/utf8.h"
#include "util/warnings.h"

namespace pond {
namespace {

// SIGINT/SIGTERM: remove the temporary files of unfinished writes, say so, and
// die of the signal as if it had not been caught. A pond is crash-safe, so
// nothing else needs cleaning up: what was not committed is not there. What
// was committed stays, and the message says so (a retry would do it twice):
// the work after a commit (the index, maintenance) is caught up later.
void OnInterrupt(int sig) {
  RemoveRegisteredTempFiles();
  const bool committed = GlobalCounters().delta_commits.load() > 0;
  const char nothing[] = "pond: interrupted; nothing was changed\n";
  const char saved[] =
      "pond: interrupted after a commit; what it committed is saved (pond log shows it)\n";
  ssize_t ignored = committed ? ::write(STDERR_FILENO, saved, sizeof(saved) - 1)
                              : ::write(STDERR_FILENO, nothing, sizeof(nothing) - 1);
  (void)ignored;
  ::signal(sig, SIG_DFL);
  ::raise(sig);
}

void InstallSignalHandlers() {
  (void)GlobalCounters();  // made now: the handler must not be the first to use it
  struct sigaction sa;
  std::memset(&sa, 0, sizeof(sa));
  sa.sa_handler = OnInterrupt;
  sigemptyset(&sa.sa_mask);
  for (int sig : {SIGINT, SIGTERM, SIGHUP}) ::sigaction(sig, &sa, nullptr);
}

// Flushes standard output. IOError naming the reason when any write to it failed.
Status FlushStdout() {
  errno = 0;
  std::cout.flush();
  int err = errno;
  if (std::fflush(stdout) != 0 && err == 0) err = errno;
  if (!std::cout.good() || std::ferror(stdout)) {
    return Status::IOError("cannot write to standard output: " +
                           std::string(err ? std::strerror(err) : "write error"));
  }
  return Status::OK();
}

int Run(int argc, char** argv) {
  Context ctx;
  if (const char* env = std::getenv("POND")) ctx.global.pond_dir = env;

  CLI::App app{"pond: a local-first data lake for time series, on Delta Lake and DuckDB"};
  app.formatter(ManualPageFormatter());  // before the commands: they take it when made
  app.set_version_flag("--version", std::string("pond ") + kPondVersion);
  app.require_subcommand(0, 1);
  app.fallthrough();  // global options may also follow the command
  app.add_option("--pond", ctx.global.pond_dir, "the pond directory (default: $POND)");
  app.add_flag("-v,--verbose", ctx.global.verbose, "print performance counters to stderr");
  app.add_flag("-q,--quiet", ctx.global.quiet,
               "no progress lines (they are drawn only on a terminal anyway)");
  app.add_option("--as-of", ctx.global.as_of, "read the pond as it was at transaction N")
      ->check(WholeNumberAtLeast(1));
  if (const CommandAdder* named = NamedCommand(argc, argv)) {
    named->add(app, ctx);
  } else {
    for (const CommandAdder& adder : kCommandAdders) adder.add(app, ctx);
  }
  ctx.command_line = "pond";
  for (int i = 1; i < argc; ++i) {
    // Recorded in the log's JSON: a host path that is not UTF-8 goes in escaped.
    std::string arg = EscapeNonUtf8(argv[i]);
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
    std::cerr << "pond: " << EscapeControl(e.what()) << " (see pond --help)\n";
    return kExitUsage;
  }
  if (!ctx.ran) {
    std::cout << app.help();
    return FlushStdout().ok() ? kExitOk : kExitFailure;
  }
  Status output = FlushStdout();
  if (ctx.status.ok() && !output.ok()) ctx.status = output;
  if (ctx.global.verbose) std::cerr << GlobalCounters().Format();
  for (const std::string& w : TakeWarnings())
    std::cerr << "pond: warning: " << EscapeControl(w) << "\n";
  if (!ctx.status.ok()) {
    std::cerr << "pond: " << EscapeControl(ctx.status.message()) << "\n";
    return ctx.usage_error ? kExitUsage : kExitFailure;
  }
  return kExitOk;
}

}  // namespace

const CommandAdder* NamedCommand(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--pond" || arg == "--as-of") {
      ++i;  // its value
    } else if (arg.starts_with("--pond=") || arg.starts_with("--as-of=") || arg == "--verbose" ||
               arg == "--quiet" ||
               (arg.size() > 1 && arg[0] == '-' &&
                arg.find_first_not_of("vq", 1) == std::string_view::npos)) {
      // a global option: the command comes later
    } else if (arg.starts_with("-")) {
      return nullptr;
    } else {
      for (const CommandAdder& adder : kCommandAdders) {
        // The completion commands list the others: they need all of them.
        if (adder.add == AddCompleteCommands) continue;
        for (std::string_view name : adder.names) {
          if (!name.empty() && name == arg) return &adder;
        }
      }
      return nullptr;
    }
  }
  return nullptr;
}

int RunCli(int argc, char** argv) {
  InstallSignalHandlers();
  try {
    return Run(argc, argv);
  } catch (const std::exception& e) {
    // No failure may abort the process: whatever escaped is one sentence too.
    std::cerr << "pond: internal error: " << EscapeControl(e.what()) << "\n";
    return kExitFailure;
  }
}

}  // namespace pond
