// Runs the real `pond` binary and captures what it printed.
#pragma once

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "test_util.h"

namespace pond::testing {

struct PondRun {
  int exit_code = -1;
  std::string out;
  std::string err;
};

inline std::string ShellQuote(const std::string& s) {
  std::string q = "'";
  for (char c : s) {
    if (c == '\'')
      q += "'\\''";
    else
      q += c;
  }
  return q + "'";
}

inline std::string ReadWholeFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Runs POND_BINARY with `args` (each shell-quoted), optional `env` assignments
// ("POND=/x") and stdin from /dev/null.
inline PondRun RunPond(const std::vector<std::string>& args, const std::string& env = "") {
  static int counter = 0;
  static TempDir scratch;  // holds the captured output files
  std::string out_path = scratch.path() + "/out" + std::to_string(counter);
  std::string err_path = scratch.path() + "/err" + std::to_string(counter++);
  std::string cmd = env + (env.empty() ? "" : " ") + ShellQuote(POND_BINARY);
  // The sanitizer run may give the pond processes their own options (see
  // scripts/test.sh).
  if (const char* child = std::getenv("POND_TEST_CHILD_ASAN_OPTIONS"); child && *child) {
    cmd = "ASAN_OPTIONS=" + ShellQuote(child) + " " + cmd;
  }
  for (const auto& a : args) cmd += " " + ShellQuote(a);
  cmd += " </dev/null >" + out_path + " 2>" + err_path;
  int status = std::system(cmd.c_str());
  PondRun run;
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  run.out = ReadWholeFile(out_path);
  run.err = ReadWholeFile(err_path);
  std::remove(out_path.c_str());
  std::remove(err_path.c_str());
  return run;
}

// The lines of `text`, sorted (for comparing row sets).
inline std::vector<std::string> SortedLines(const std::string& text) {
  std::vector<std::string> lines;
  std::stringstream ss(text);
  std::string line;
  while (std::getline(ss, line)) lines.push_back(line);
  std::sort(lines.begin(), lines.end());
  return lines;
}

// Counts lines of `text`.
inline size_t LineCount(const std::string& text) {
  return static_cast<size_t>(std::count(text.begin(), text.end(), '\n'));
}

}  // namespace pond::testing
