// The `pond` command line: parses arguments, runs one command, maps its Status
// to an exit code and one sentence on stderr.
#pragma once

namespace pond {

// Exit codes: 0 success, 1 a failed operation, 2 a usage error.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;

// Runs `pond` with the given arguments and returns the process exit code.
int RunCli(int argc, char** argv);

}  // namespace pond
