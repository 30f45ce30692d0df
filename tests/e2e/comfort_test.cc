// End-to-end tests of everyday comfort: the progress line long work draws
// on a terminal (and nowhere else), bash completion, and pond installed into a
// prefix and run from there.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "duckdb.h"
#include "e2e/run_pond.h"

namespace pond::testing {
namespace {

namespace hostfs = std::filesystem;

// The environment of a pond process a test starts itself (the sanitizer run
// gives them their own options, as RunPond does).
std::string ChildEnv() {
  const char* child = std::getenv("POND_TEST_CHILD_ASAN_OPTIONS");
  return child && *child ? "ASAN_OPTIONS=" + ShellQuote(child) + " " : "";
}

// A pond with a host tree of `files` small files beside it.
class ComfortTest : public ::testing::Test {
 protected:
  void SetUp() override {
    env_ = "POND=" + ShellQuote(dir_.path() + "/pond") + " POND_PROGRESS_DELAY_MS=0";
    ASSERT_EQ(RunPond({"init"}, env_).exit_code, 0);
    for (int d = 0; d < 3; ++d) {
      std::string sub = dir_.path() + "/tree/d" + std::to_string(d);
      hostfs::create_directories(sub);
      for (int f = 0; f < 100; ++f) {
        std::ofstream(sub + "/f" + std::to_string(f)) << std::string(1000, 'x');
      }
    }
  }

  // Runs pond with `args` on a pseudo-terminal (script(1) makes one): what
  // the terminal showed of its standard error (standard output is dropped).
  // With `with_stdout`, what it showed of both.
  PondRun OnTerminal(const std::vector<std::string>& args, bool with_stdout = false) {
    std::string cmd = ChildEnv() + env_ + " " + ShellQuote(POND_BINARY);
    for (const std::string& a : args) cmd += " " + ShellQuote(a);
    if (!with_stdout) cmd += " >/dev/null";
    std::string shown = dir_.path() + "/shown";
    std::string line =
        "TERM=xterm script -qec " + ShellQuote(cmd) + " /dev/null </dev/null >" + shown + " 2>&1";
    int status = std::system(line.c_str());
    PondRun run;
    run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    run.err = ReadWholeFile(shown);
    return run;
  }

  TempDir dir_;
  std::string env_;
};

TEST_F(ComfortTest, CopyDrawsProgressOnATerminalAndErasesIt) {
  PondRun r = OnTerminal({"copy", "-r", dir_.path() + "/tree", "/tree"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // Lines like "copy: 120 files, 117.2 KiB", each drawn over the last
  // (this copy is quick: at least the first is drawn).
  size_t first = r.err.find("\r\033[Kcopy: ");
  ASSERT_NE(first, std::string::npos) << r.err;
  EXPECT_NE(r.err.find(" B", first), std::string::npos) << r.err;
  // And erased at the end: the terminal is left with an empty line.
  ASSERT_GE(r.err.size(), 4u);
  EXPECT_EQ(r.err.substr(r.err.size() - 4), "\r\033[K") << r.err;
  EXPECT_EQ(LineCount(RunPond({"list", "/tree/d2/"}, env_).out), 100u);
}

TEST_F(ComfortTest, NoProgressOnAPipeOrWhenQuiet) {
  PondRun piped = RunPond({"copy", "-r", dir_.path() + "/tree", "/a"}, env_);
  ASSERT_EQ(piped.exit_code, 0);
  EXPECT_EQ(piped.err, "");
  PondRun quiet = OnTerminal({"--quiet", "copy", "-r", dir_.path() + "/tree", "/b"});
  ASSERT_EQ(quiet.exit_code, 0) << quiet.err;
  EXPECT_EQ(quiet.err, "");
}

// A Parquet file of `rows` rows (a timestamp and a value), written by
// DuckDB's C API (cheap to compile, unlike its C++ header).
bool WriteBigParquet(const std::string& path, int64_t rows) {
  duckdb_database db;
  duckdb_connection con;
  if (duckdb_open(nullptr, &db) != DuckDBSuccess) return false;
  bool ok = duckdb_connect(db, &con) == DuckDBSuccess;
  if (ok) {
    std::string sql =
        "COPY (SELECT TIMESTAMPTZ '2026-01-01 00:00:00+00' + i * INTERVAL 1 SECOND "
        "AS timestamp, (i % 1000) / 10.0 AS v FROM range(" +
        std::to_string(rows) + ") t(i)) TO '" + path + "' (FORMAT parquet)";
    ok = duckdb_query(con, sql.c_str(), nullptr) == DuckDBSuccess;
    duckdb_disconnect(&con);
  }
  duckdb_close(&db);
  return ok;
}

// A query that runs shows its share done until its first rows are ready,
// then erases the line before printing them; not on a pipe.
TEST_F(ComfortTest, QueriesShowProgressUntilTheirRowsArePrinted) {
  const std::string parquet = dir_.path() + "/big.parquet";
  ASSERT_TRUE(WriteBigParquet(parquet, 2000000));
  ASSERT_EQ(RunPond({"copy", "host+series://" + parquet, "/big.series"}, env_).exit_code, 0);
  const std::vector<std::string> args = {
      "query", "SELECT count(DISTINCT v) AS n FROM '/big.series' WHERE v >= 50", "--format", "csv"};
  PondRun r = OnTerminal(args, /*with_stdout=*/true);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  size_t drawn = r.err.find("\r\033[Kquery: ");
  ASSERT_NE(drawn, std::string::npos) << r.err;
  size_t rows = r.err.find("n\r\n500\r\n");
  ASSERT_NE(rows, std::string::npos) << r.err;
  // Erased just before the rows, and nothing drawn after them.
  EXPECT_EQ(r.err.substr(rows - 4, 4), "\r\033[K") << r.err;
  EXPECT_EQ(r.err.find("query: ", rows), std::string::npos) << r.err;

  PondRun piped = RunPond(args, env_);
  EXPECT_EQ(piped.exit_code, 0);
  EXPECT_EQ(piped.err, "");
  EXPECT_EQ(piped.out, "n\n500\n");
}

// The candidates the completion script would offer for `words`, the last
// being the one typed.
std::string Complete(const std::string& env, const std::vector<std::string>& words) {
  std::vector<std::string> args = {"__complete", std::to_string(words.size() - 1)};
  args.insert(args.end(), words.begin(), words.end());
  return RunPond(args, env).out;
}

TEST_F(ComfortTest, CompletionOffersCommandsOptionsAndPondPaths) {
  ASSERT_EQ(RunPond({"mkdir", "/stations"}, env_).exit_code, 0);
  ASSERT_EQ(RunPond({"copy", "-r", dir_.path() + "/tree", "/stuff"}, env_).exit_code, 0);
  EXPECT_EQ(Complete(env_, {"pond", "li"}), "list\nlist-factories\n");
  EXPECT_EQ(Complete(env_, {"pond", "cat", "--fo"}), "--format\n");
  EXPECT_EQ(Complete(env_, {"pond", "--q"}), "--quiet\n");
  EXPECT_EQ(Complete(env_, {"pond", "list", "/st"}), "/stations/\n/stuff/\n");
  EXPECT_EQ(Complete(env_, {"pond", "cat", "/stuff/d1/f9"}),
            "/stuff/d1/f9\n/stuff/d1/f90\n/stuff/d1/f91\n/stuff/d1/f92\n/stuff/d1/f93\n"
            "/stuff/d1/f94\n/stuff/d1/f95\n/stuff/d1/f96\n/stuff/d1/f97\n/stuff/d1/f98\n"
            "/stuff/d1/f99\n");
  // --pond before the command names the pond to complete in.
  EXPECT_EQ(Complete("", {"pond", "--pond", dir_.path() + "/pond", "list", "/sta"}),
            "/stations/\n");
  // Hidden commands are not offered; a host URL is left to the shell.
  EXPECT_EQ(Complete(env_, {"pond", "__"}), "");
  EXPECT_EQ(Complete(env_, {"pond", "copy", "host:///tm"}), "");

  // And bash, with the script pond prints, completes a path the same way.
  std::string bin_dir = hostfs::path(POND_BINARY).parent_path().string();
  std::string script = dir_.path() + "/completion.bash";
  PondRun printed = RunPond({"completion", "bash"}, env_);
  ASSERT_EQ(printed.exit_code, 0);
  std::ofstream(script) << printed.out;
  std::string out = dir_.path() + "/reply";
  std::string cmd = ChildEnv() + env_ + " PATH=" + ShellQuote(bin_dir) + ":\"$PATH\" bash -c " +
                    ShellQuote("source " + script +
                               "; COMP_WORDS=(pond list /sta); COMP_CWORD=2; _pond; "
                               "printf '%s\\n' \"${COMPREPLY[@]}\"") +
                    " >" + out + " 2>&1";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << ReadWholeFile(out);
  EXPECT_EQ(ReadWholeFile(out), "/stations/\n");
}

// Every command `pond --help` lists has a manual page: NAME, SYNOPSIS,
// DESCRIPTION, OPTIONS and EXAMPLES.
TEST(Help, EveryCommandHasAManualPageWithAnExample) {
  PondRun top = RunPond({"--help"});
  ASSERT_EQ(top.exit_code, 0);
  size_t at = top.out.find("Subcommands:\n");
  ASSERT_NE(at, std::string::npos) << top.out;
  std::istringstream lines(top.out.substr(at));
  std::string line;
  std::getline(lines, line);
  int commands = 0;
  while (std::getline(lines, line) && line.starts_with("  ")) {
    std::string name = line.substr(2, line.find_first_of(" ,", 2) - 2);
    PondRun help = RunPond({name, "--help"});
    EXPECT_EQ(help.exit_code, 0) << name;
    // A manual page: its sections in order, the description, an example.
    size_t at_name = help.out.find("NAME\n    pond " + name + " - ");
    size_t synopsis = help.out.find("\nSYNOPSIS\n    pond " + name);
    size_t description = help.out.find("\nDESCRIPTION\n    ");
    size_t example = help.out.find("\nEXAMPLES\n    pond ");
    EXPECT_EQ(at_name, 0u) << name << "\n" << help.out;
    EXPECT_LT(at_name, synopsis) << help.out;
    EXPECT_LT(synopsis, description) << help.out;
    EXPECT_LT(description, example) << help.out;
    EXPECT_NE(synopsis, std::string::npos) << help.out;
    if (example != std::string::npos) {
      EXPECT_NE(help.out.find("pond " + name, example), std::string::npos) << help.out;
      // At least one full sentence of description.
      EXPECT_GT(example - description, 80u) << help.out;
    }
    ++commands;
  }
  EXPECT_GE(commands, 25);
}

// `cmake --install` into a prefix, the prefix moved elsewhere, and pond run
// from there: it finds its DuckDB module beside itself, not in the build.
TEST(Install, IntoAPrefixThatCanMove) {
  TempDir dir;
  std::string log = dir.path() + "/log";
  std::string install = "cmake --install " + ShellQuote(POND_BUILD_DIR) + " --prefix " +
                        ShellQuote(dir.path() + "/usr") + " >" + log + " 2>&1";
  ASSERT_EQ(std::system(install.c_str()), 0) << ReadWholeFile(log);
  hostfs::rename(dir.path() + "/usr", dir.path() + "/moved");
  const std::string moved = dir.path() + "/moved";
  EXPECT_TRUE(hostfs::exists(moved + "/lib/pond/libduckdb.so"));
  EXPECT_NE(ReadWholeFile(moved + "/share/bash-completion/completions/pond").find("complete "),
            std::string::npos);

  std::string env = ChildEnv() + "POND=" + ShellQuote(dir.path() + "/pond");
  auto run = [&](const std::string& args) {
    std::string out = dir.path() + "/out";
    std::string cmd =
        env + " " + ShellQuote(moved + "/bin/pond") + " " + args + " >" + out + " 2>&1";
    int status = std::system(cmd.c_str());
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << args << "\n"
                                                               << ReadWholeFile(out);
    return ReadWholeFile(out);
  };
  run("init");
  std::string shown = run("-v query \"SELECT 6 * 7 AS answer\" --format csv");
  EXPECT_NE(shown.find("answer\n42\n"), std::string::npos) << shown;
  EXPECT_NE(shown.find("duckdb module: " + moved + "/bin/../lib/pond/libpond_duckdb.so"),
            std::string::npos)
      << shown;
  EXPECT_NE(run("--help").find("completion"), std::string::npos);
}

}  // namespace
}  // namespace pond::testing
