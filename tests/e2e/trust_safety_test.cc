// Regression tests for the trust issue's security, race and crash items
// (10-23) and its smaller defects, through the real binary.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <regex>
#include <thread>

#include "e2e/pond_fixture.h"
#include "tinyfs/fs.h"
#include "tlogfs/pond.h"

extern char** environ;

namespace pond::testing {
namespace {

namespace fs = std::filesystem;

class TrustSafety : public PondFixture {
 protected:
  // Starts `pond args...` in the background with POND set; returns its pid.
  pid_t Spawn(const Strings& args, const std::string& out = "/dev/null",
              const std::string& err = "/dev/null") {
    std::vector<std::string> argv_s = {POND_BINARY, "--pond", pond_};
    argv_s.insert(argv_s.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& s : argv_s) argv.push_back(s.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_addopen(&actions, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    pid_t pid = -1;
    int rc = posix_spawn(&pid, POND_BINARY, &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    EXPECT_EQ(rc, 0);
    return pid;
  }

  // Builds `n` transactions in-process (one mkdir each): faster than n processes.
  void MakeDirs(int n, const std::string& prefix = "/d") {
    auto pond = tlogfs::Pond::Open(pond_);
    ASSERT_TRUE(pond.ok()) << pond.status().ToString();
    for (int i = 1; i <= n; ++i) {
      ASSERT_TRUE((*pond)->Begin("pond mkdir " + prefix + std::to_string(i)).ok());
      tinyfs::FS fs(**pond);
      ASSERT_TRUE(fs.Mkdir(prefix + std::to_string(i), false).ok());
      ASSERT_TRUE((*pond)->Commit().ok());
    }
  }

  // fsck fails and names `problem`; its report, for more checks.
  std::string FsckFinds(const std::string& problem) {
    PondRun r = Pond({"fsck"});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.out.find("problem: " + problem), std::string::npos) << r.out;
    return r.out;
  }

  // Runs `sql` on the index file (for damaging it on purpose).
  void IndexSql(const std::string& sql) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open((pond_ + "/cache/index.sqlite").c_str(), &db), SQLITE_OK);
    char* error = nullptr;
    EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error), SQLITE_OK)
        << (error ? error : "");
    sqlite3_free(error);
    sqlite3_close(db);
  }

  Strings TempFiles() {
    Strings out;
    std::error_code ec;
    for (const auto& e : fs::recursive_directory_iterator(pond_, ec)) {
      if (e.path().filename().string().rfind(".tmp-", 0) == 0) out.push_back(e.path().string());
    }
    return out;
  }
};

// 10. DuckDB's temporary directory is private: no symlink under the working
// directory opens the host to SQL.
TEST_F(TrustSafety, SqlCannotReadTheHostThroughATempDirectorySymlink) {
  ASSERT_TRUE(Ok(
      Pond({"copy", "host+series://" + HostParquet("s.parquet", Hourly(kJan1, 3)), "/s.series"})));
  fs::create_directories(dir_.path() + "/d");
  fs::create_directory_symlink("/", dir_.path() + "/d/.tmp");
  std::string env = "cd " + ShellQuote(dir_.path() + "/d") + " && POND=" + ShellQuote(pond_);
  for (const char* sql :
       {"SELECT content FROM read_text('.tmp/etc/hostname')", "SELECT * FROM glob('.tmp/*')",
        "SELECT * FROM read_csv('.tmp/etc/passwd')"}) {
    PondRun r = RunPond({"query", sql}, env);
    EXPECT_TRUE(Fails(r, 1, "SQL may only read the pond files the query names")) << sql;
  }
  PondRun r = RunPond({"cat", "/s.series", "--sql", "SELECT * FROM glob('.tmp/*')"}, env);
  EXPECT_TRUE(Fails(r, 1, "SQL may only read")) << r.err;
  // What SQL may reach: the series' one file, and a private temporary folder.
  auto settings = nlohmann::json::parse(
      Out({"query",
           "SELECT current_setting('allowed_directories') AS dirs, "
           "current_setting('allowed_paths') AS paths FROM '/s.series' LIMIT 1",
           "--format", "json"}));
  ASSERT_EQ(settings.size(), 1u);
  ASSERT_EQ(settings[0]["dirs"].size(), 1u) << settings;
  std::string temp = settings[0]["dirs"][0];
  EXPECT_TRUE(std::regex_search(temp, std::regex("/pond-sql-[A-Za-z0-9]{6}/$"))) << temp;
  EXPECT_FALSE(fs::exists(temp)) << "the session's folder is removed with it";
  ASSERT_EQ(settings[0]["paths"].size(), 1u) << settings;
  // A query that names no pond file may reach no file at all.
  settings = nlohmann::json::parse(
      Out({"query", "SELECT current_setting('allowed_paths') AS paths", "--format", "json"}));
  EXPECT_TRUE(settings[0]["paths"].empty()) << settings;
}

// 11. The lock file is not followed; init refuses what is not an empty folder.
TEST_F(TrustSafety, APlantedLockSymlinkIsRefusedAndInitIsCareful) {
  fs::remove(pond_ + "/lock");
  std::string target = dir_.path() + "/elsewhere/created";
  fs::create_symlink(target, pond_ + "/lock");
  EXPECT_TRUE(Fails(Pond({"mkdir", "/a"}), 1, "is a symlink"));
  EXPECT_FALSE(fs::exists(dir_.path() + "/elsewhere"));
  fs::remove(pond_ + "/lock");
  Host("notapond/file.txt", "x");
  EXPECT_TRUE(Fails(RunPond({"--pond", host_ + "/notapond", "init"}), 1, "not empty"));
  EXPECT_FALSE(fs::exists(host_ + "/notapond/data"));
  EXPECT_TRUE(Fails(RunPond({"--pond", pond_ + "/inner", "init"}), 1, "inside the pond"));
  EXPECT_TRUE(Fails(RunPond({"--pond", pond_ + "/data/x", "init"}), 1, "inside the pond"));
  EXPECT_TRUE(Fails(RunPond({"--pond", pond_, "init"}), 1, "already exists"));
}

// 12. Control characters: refused in new names, escaped when printed.
TEST_F(TrustSafety, NamesWithControlCharactersAreRefusedAndNeverPrintedRaw) {
  std::string file = Host("f.txt", "x");
  for (const std::string& bad : {std::string("a\x1b[31mred"), std::string("new\nline"),
                                 std::string("tab\there"), std::string("del\x7f")}) {
    PondRun r = Pond({"mkdir", "/" + bad});
    EXPECT_TRUE(Fails(r, 1, "control character")) << r.err;
    EXPECT_EQ(r.err.find('\x1b'), std::string::npos);
    EXPECT_TRUE(Fails(Pond({"copy", file, "/" + bad}), 1, "control character"));
    EXPECT_TRUE(Fails(Pond({"ln", "-s", "/x", "/" + bad}), 1, "control character"));
  }
  ASSERT_TRUE(Ok(Pond({"copy", file, "/ok.txt"})));
  EXPECT_TRUE(Fails(Pond({"mv", "/ok.txt", std::string("/m\x1b")}), 1, "control character"));
  // A name from before the rule (written here through the library) prints escaped.
  {
    auto pond = tlogfs::Pond::Open(pond_);
    ASSERT_TRUE(pond.ok());
    ASSERT_TRUE((*pond)->Begin(std::string("legacy \x1b[2J command")).ok());
    ASSERT_TRUE((*pond)
                    ->InsertEntry(tinyfs::kRootId, {std::string("old\x1b[31mname\nx"),
                                                    tinyfs::kRootId, tinyfs::EntryType::kSymlink})
                    .ok());
    ASSERT_TRUE((*pond)->Commit().ok());
  }
  for (const Strings& args :
       {Strings{"list", "/"}, Strings{"log"}, Strings{"show"}, Strings{"list", "-l", "/"}}) {
    PondRun r = Pond(args);
    EXPECT_EQ(r.out.find('\x1b'), std::string::npos) << args[0];
    EXPECT_NE(r.out.find("\\x1b"), std::string::npos) << args[0] << ": " << r.out;
  }
  EXPECT_NE(Out({"list", "/"}).find("/old\\x1b[31mname\\nx"), std::string::npos);
}

// A host name that is not UTF-8 (a Latin-1 file from an old machine) is
// refused by name, with its bytes escaped, and the copy writes nothing.
TEST_F(TrustSafety, NamesThatAreNotUtf8AreRefusedByName) {
  Host("tree/ok.txt", "fine");
  Host(std::string("tree/caf\xe9.txt"), "latin-1");
  std::string before = Out({"log"});
  PondRun r = Pond({"copy", "-r", host_ + "/tree", "/"});
  EXPECT_TRUE(Fails(r, 1, "'caf\\xe9.txt' is not a valid name: it is not UTF-8 text")) << r.err;
  EXPECT_EQ(r.err.find('\xe9'), std::string::npos);
  EXPECT_EQ(Out({"log"}), before);
  EXPECT_TRUE(Fails(Pond({"mkdir", std::string("/x\xff")}), 1, "not UTF-8"));
  EXPECT_TRUE(Ok(Pond({"mkdir", "/caf\xc3\xa9"})));
  // The host path may be anything: the pond's name is UTF-8, and the command
  // line the log records has the other bytes escaped.
  ASSERT_TRUE(Ok(Pond({"copy", host_ + "/tree/caf\xe9.txt", "/latin.txt"})));
  EXPECT_EQ(Out({"cat", "/latin.txt"}), "latin-1");
  EXPECT_NE(Out({"log"}).find("caf\\xe9.txt /latin.txt"), std::string::npos) << Out({"log"});
  // A remote's URL is kept as text too: raw bytes are refused, %XX works.
  EXPECT_TRUE(Fails(Pond({"remote", "add", "r", "file://" + host_ + "/bk\xe9"}), 1,
                    "must be UTF-8 text (write other bytes as %XX)"));
  EXPECT_TRUE(Ok(Pond({"remote", "add", "r", "file://" + host_ + "/bk%E9"})));
}

// 13, 14. Many processes racing on a deleted cache: every transaction is kept,
// and no reader fails while another rebuilds.
TEST_F(TrustSafety, RacingIndexRebuildsLoseNothingAndReadersWait) {
  MakeDirs(150);
  std::string expected = Out({"list"});
  ASSERT_EQ(Lines(expected).size(), 150u);
  for (int round = 0; round < 3; ++round) {
    SCOPED_TRACE(round);
    fs::remove_all(pond_ + "/cache");
    std::vector<pid_t> pids;
    std::vector<std::string> outs, errs;
    for (int i = 0; i < 8; ++i) {
      outs.push_back(dir_.path() + "/out" + std::to_string(i));
      errs.push_back(dir_.path() + "/err" + std::to_string(i));
      // Half of them may not wait: they read the log themselves.
      if (i % 2) setenv("POND_LOCK_TIMEOUT_MS", "1", 1);
      pids.push_back(Spawn({"list"}, outs.back(), errs.back()));
      unsetenv("POND_LOCK_TIMEOUT_MS");
    }
    for (size_t i = 0; i < pids.size(); ++i) {
      int status = 0;
      ASSERT_EQ(waitpid(pids[i], &status, 0), pids[i]);
      EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << ReadWholeFile(errs[i]);
      EXPECT_EQ(ReadWholeFile(outs[i]), expected) << ReadWholeFile(errs[i]);
      EXPECT_EQ(ReadWholeFile(errs[i]), "");
    }
    // What they left behind is whole.
    EXPECT_EQ(Out({"list"}), expected);
    EXPECT_EQ(Out({"query", "SELECT count(*) AS n FROM pond_transactions", "--format", "csv"}),
              "n\n151\n");
    EXPECT_EQ(Out({"--as-of", "2", "list"}), "/d1/\n");
  }
  ASSERT_TRUE(Ok(Pond({"mkdir", "/after"})));
  EXPECT_EQ(Lines(Out({"list"})).size(), 151u);
}

// 15. A reader that cannot write the index still answers.
TEST_F(TrustSafety, AReadOnlyPondCanBeRead) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to run a command as another user";
  ASSERT_TRUE(Ok(Pond({"copy", Host("f.txt", "hello\n"), "/f.txt"})));
  ASSERT_TRUE(Ok(
      Pond({"copy", "host+series://" + HostParquet("s.parquet", Hourly(kJan1, 3)), "/s.series"})));
  fs::permissions(dir_.path(), fs::perms::owner_all | fs::perms::group_read |
                                   fs::perms::group_exec | fs::perms::others_read |
                                   fs::perms::others_exec);
  std::string as_nobody =
      "POND=" + ShellQuote(pond_) + " setpriv --reuid=65534 --regid=65534 --clear-groups";
  for (bool with_cache : {true, false}) {
    SCOPED_TRACE(with_cache);
    if (!with_cache) fs::remove_all(pond_ + "/cache");
    EXPECT_EQ(RunPond({"cat", "/f.txt"}, as_nobody).out, "hello\n");
    PondRun r = RunPond({"list"}, as_nobody);
    EXPECT_TRUE(Ok(r));
    EXPECT_EQ(r.out, "/f.txt\n/s.series\n");
    r = RunPond({"query", "SELECT count(*) AS n FROM '/s.series'", "--format", "csv"}, as_nobody);
    EXPECT_TRUE(Ok(r));
    EXPECT_EQ(r.out, "n\n3\n");
    EXPECT_TRUE(Ok(RunPond({"log"}, as_nobody)));
    // A write says why it cannot, and changes nothing.
    r = RunPond({"mkdir", "/x"}, as_nobody);
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.err.find("Permission denied"), std::string::npos) << r.err;
  }
  EXPECT_EQ(Out({"list"}), "/f.txt\n/s.series\n");
  // A pond it may not change says so before any work.
  PondRun r = RunPond({"copy", "-r", host_, "/h"}, as_nobody);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("is read-only (Permission denied)"), std::string::npos) << r.err;
  // An unreadable host folder says so, instead of being skipped (the pond
  // now open to the other user).
  Host("closed/inner.txt", "x");
  fs::permissions(host_ + "/closed", fs::perms::owner_all);
  for (const auto& e : fs::recursive_directory_iterator(pond_)) {
    fs::permissions(e.path(), fs::perms::all, fs::perm_options::add);
  }
  fs::permissions(pond_, fs::perms::all, fs::perm_options::add);
  r = RunPond({"copy", "-r", host_, "/h"}, as_nobody);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("Permission denied"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("closed"), std::string::npos) << r.err;
}

// 17 and 18 are tested at the library level (tlogfs/pond_test.cc), where a
// commit can be raced and a store can lie deterministically.

// 18. An index that cannot be updated never fails a committed command.
TEST_F(TrustSafety, ABrokenIndexLockDoesNotFailCommands) {
  fs::create_directories(pond_ + "/cache/index.lock");  // a directory: cannot be locked
  ASSERT_TRUE(Ok(Pond({"mkdir", "/a"})));
  ASSERT_TRUE(Ok(Pond({"mkdir", "/b"})));
  EXPECT_EQ(Out({"list"}), "/a/\n/b/\n");
  EXPECT_EQ(Lines(Out({"log"})).size(), 3u);
}

// 19. A crashed init (an empty _delta_log) is no pond, and init finishes it.
TEST_F(TrustSafety, ACrashedInitCanBeRetried) {
  std::string p = dir_.path() + "/half";
  fs::create_directories(p + "/data/_delta_log");
  EXPECT_TRUE(Fails(RunPond({"--pond", p, "list"}), 1, "there is no pond"));
  EXPECT_TRUE(Ok(RunPond({"--pond", p, "init"})));
  EXPECT_TRUE(Ok(RunPond({"--pond", p, "mkdir", "/a"})));
  EXPECT_EQ(RunPond({"--pond", p, "list"}).out, "/a/\n");
}

// 20. Old commits cleaned up behind a checkpoint: the index is rebuilt from it.
TEST_F(TrustSafety, TheIndexIsRebuiltFromTheNewestCheckpoint) {
  MakeDirs(24);
  std::string expected = Out({"list"});
  ASSERT_TRUE(fs::exists(pond_ + "/data/_delta_log/00000000000000000020.checkpoint.parquet"));
  for (int v = 0; v < 20; ++v) {
    char name[64];
    std::snprintf(name, sizeof(name), "/data/_delta_log/%020d.json", v);
    ASSERT_TRUE(fs::remove(pond_ + name));
  }
  fs::remove_all(pond_ + "/cache");
  EXPECT_EQ(Out({"list"}), expected);
  EXPECT_EQ(Out({"--as-of", "5", "list"}), "/d1/\n/d2/\n/d3/\n/d4/\n");
  Strings log = Lines(Out({"log", "--limit", "100"}));
  ASSERT_EQ(log.size(), 25u);
  EXPECT_NE(log.front().find("pond mkdir /d24"), std::string::npos) << log.front();
  EXPECT_NE(log.back().find("cleaned from the log"), std::string::npos) << log.back();
  ASSERT_TRUE(Ok(Pond({"mkdir", "/more"})));
  EXPECT_TRUE(Ok(Pond({"fsck"})));
}

// 21. Checkpoint failures are said, never swallowed, and a bad one is skipped.
TEST_F(TrustSafety, CheckpointProblemsAreReportedAndSurvived) {
  MakeDirs(8);
  // The checkpoint at version 10 cannot be written: the commit stands, with a warning.
  fs::create_directories(pond_ + "/data/_delta_log/00000000000000000010.checkpoint.parquet/x");
  ASSERT_TRUE(Ok(Pond({"mkdir", "/d9"})));  // version 9
  PondRun r = Pond({"mkdir", "/d10"});      // version 10
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.err.find("warning: the checkpoint at version 10 was not written"), std::string::npos)
      << r.err;
  EXPECT_EQ(Lines(Out({"list"})).size(), 10u);
  fs::remove_all(pond_ + "/data/_delta_log/00000000000000000010.checkpoint.parquet");
  // A damaged checkpoint with every commit still there: rebuilt by replaying the log.
  MakeDirs(12, "/e");  // versions 11-22, checkpoint at 20
  std::string cp = pond_ + "/data/_delta_log/00000000000000000020.checkpoint.parquet";
  ASSERT_TRUE(fs::exists(cp));
  std::ofstream(cp, std::ios::trunc) << "PAR1 garbage";
  fs::remove_all(pond_ + "/cache");
  r = Pond({"list"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Lines(r.out).size(), 22u);
  EXPECT_NE(r.err.find("00000000000000000020.checkpoint.parquet"), std::string::npos) << r.err;
  FsckFinds("checkpoint _delta_log/00000000000000000020.checkpoint.parquet is unreadable");
}

// 22. A damaged index is never a crash: it is rebuilt.
TEST_F(TrustSafety, ADamagedIndexIsRebuiltNotACrash) {
  MakeDirs(3);
  for (const char* damage :
       {"UPDATE meta SET value = '' WHERE key = 'delta_version'",
        "UPDATE meta SET value = 'x9' WHERE key = 'last_txn'",
        "UPDATE meta SET value = 'another-table' WHERE key = 'table_id'", "DELETE FROM meta",
        "UPDATE records SET version = 'text' WHERE version = 1"}) {
    SCOPED_TRACE(damage);
    ASSERT_TRUE(Ok(Pond({"list"})));  // builds the index
    IndexSql(damage);
    PondRun r = Pond({"list"});
    EXPECT_NE(r.exit_code, 134);
    if (std::string(damage).find("records") == std::string::npos) {
      EXPECT_TRUE(Ok(r));
      EXPECT_EQ(r.out, "/d1/\n/d2/\n/d3/\n");
    }
    fs::remove_all(pond_ + "/cache");
  }
  // An index file that is not a database at all.
  fs::create_directories(pond_ + "/cache");
  std::ofstream(pond_ + "/cache/index.sqlite", std::ios::trunc) << "not sqlite";
  EXPECT_EQ(Out({"list"}), "/d1/\n/d2/\n/d3/\n");
}

// 23. Interrupted or endless copies leave nothing behind; fsck and gc.
TEST_F(TrustSafety, SpecialFilesAreRefusedUnlessNamed) {
  ASSERT_EQ(::mkfifo((dir_.path() + "/fifo").c_str(), 0644), 0);
  EXPECT_TRUE(Fails(Pond({"copy", dir_.path() + "/fifo", "/f"}), 1, "is a FIFO"));
  EXPECT_TRUE(Fails(Pond({"copy", "/dev/zero", "/z"}), 1, "is a character device"));
  // Named explicitly, a device is read until it ends.
  EXPECT_TRUE(Ok(Pond({"copy", "--allow-special", "/dev/null", "/empty"})));
  EXPECT_EQ(Out({"cat", "/empty"}), "");
}

TEST_F(TrustSafety, AnInterruptedCopyRemovesItsTemporaryFile) {
  std::string err = dir_.path() + "/err";
  pid_t pid = Spawn({"copy", "--allow-special", "/dev/zero", "/zeros"}, "/dev/null", err);
  // Wait until the copy is streaming into a temporary file.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (TempFiles().empty() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ASSERT_FALSE(TempFiles().empty());
  ASSERT_EQ(::kill(pid, SIGTERM), 0);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM);
  EXPECT_TRUE(TempFiles().empty());
  EXPECT_NE(ReadWholeFile(err).find("interrupted"), std::string::npos) << ReadWholeFile(err);
  EXPECT_EQ(ReadWholeFile(err).find("No space"), std::string::npos);
  EXPECT_EQ(Out({"list"}), "");
}

TEST_F(TrustSafety, GcRemovesWhatAKilledCopyLeftAndFsckFindsNoProblem) {
  std::string tree = host_ + "/tree";
  for (int i = 0; i < 200; ++i) {
    std::string bytes(70000, static_cast<char>('a' + i % 26));
    bytes += std::to_string(i);
    Host("tree/f" + std::to_string(i), bytes);
  }
  ASSERT_TRUE(Ok(Pond({"mkdir", "/keep"})));
  ASSERT_TRUE(Ok(Pond({"copy", Host("kept.bin", std::string(100000, 'k')), "/keep/kept.bin"})));
  std::string before = Out({"list", "-l"});
  pid_t pid = Spawn({"copy", "-r", tree, "/tree"});
  // Kill it once it has written a good part of its blobs.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (DataFiles("_large_files/").size() < 60 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ::kill(pid, SIGKILL);
  int status = 0;
  waitpid(pid, &status, 0);
  ASSERT_GT(DataFiles("_large_files/").size(), 10u);
  EXPECT_EQ(Out({"list", "-l"}), before);
  // Young files are kept by default: a running copy may still commit them.
  std::string kept = Out({"gc"});
  EXPECT_NE(kept.find("removed 0 files"), std::string::npos) << kept;
  std::string dry = Out({"gc", "--dry-run", "--grace", "0s"});
  EXPECT_NE(dry.find("would remove _large_files/sha256="), std::string::npos) << dry;
  size_t blobs_before = DataFiles("_large_files/").size();
  std::string done = Out({"gc", "--grace", "0s"});
  EXPECT_NE(done.find("removed _large_files/sha256="), std::string::npos) << done;
  EXPECT_EQ(DataFiles("_large_files/").size(), 1u) << "only the committed blob stays";
  EXPECT_LT(DataFiles("_large_files/").size(), blobs_before);
  EXPECT_TRUE(TempFiles().empty());
  EXPECT_EQ(Out({"cat", "/keep/kept.bin"}), std::string(100000, 'k'));
  EXPECT_EQ(Out({"list", "-l"}), before);
  PondRun check = Pond({"fsck"});
  EXPECT_TRUE(Ok(check));
  EXPECT_NE(check.out.find("no problems"), std::string::npos) << check.out;
  // A second gc finds nothing.
  EXPECT_NE(Out({"gc", "--grace", "0s"}).find("removed 0 files"), std::string::npos);
}

TEST_F(TrustSafety, FsckNamesEveryKindOfDamage) {
  ASSERT_TRUE(Ok(Pond({"mkdir", "/d"})));
  ASSERT_TRUE(Ok(Pond({"copy", Host("big.bin", std::string(100000, 'b')), "/d/big.bin"})));
  ASSERT_TRUE(Ok(Pond({"copy", Host("small.txt", "small\n"), "/d/small.txt"})));
  PondRun clean = Pond({"fsck"});
  EXPECT_TRUE(Ok(clean));
  EXPECT_NE(clean.out.find("checked 4 commits, 0 checkpoints, 5 data files, 1 blobs and 1 inline "
                           "contents: no problems"),
            std::string::npos)
      << clean.out;
  Strings blobs = DataFiles("_large_files/");
  ASSERT_EQ(blobs.size(), 1u);
  fs::resize_file(pond_ + "/data/" + blobs[0], 10);
  IndexSql("UPDATE records SET content = CAST('SMALL' AS BLOB) WHERE entry_type = 'file:data'");
  PondRun r = Pond({"fsck"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(
      r.out.find("problem: blob " + blobs[0] +
                 " has 10 bytes where 100000 were stored (content of '/d/big.bin' version 1)"),
      std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("problem: the pond's index disagrees with the log on 2 node versions"),
            std::string::npos)
      << r.out;
  EXPECT_TRUE(std::regex_search(r.err, std::regex("^pond: the pond has 2 problems")));
}

TEST_F(TrustSafety, FsckCountsVersionsTheIndexLacksOrMakesUp) {
  ASSERT_TRUE(Ok(Pond({"mkdir", "/d"})));
  ASSERT_TRUE(Ok(Pond({"copy", Host("a.txt", "a\n"), "/d/a.txt"})));
  ASSERT_TRUE(Ok(Pond({"copy", Host("b.txt", "b\n"), "/d/b.txt"})));
  ASSERT_TRUE(Ok(Pond({"fsck"})));
  // One version moved to a key the log does not have (one missing, one made
  // up: two versions), and one directory version dropped (missing).
  IndexSql(
      "UPDATE records SET version = version + 100 WHERE node_id = (SELECT max(node_id) FROM "
      "records WHERE entry_type = 'file:data')");
  IndexSql(
      "DELETE FROM records WHERE rowid = (SELECT min(rowid) FROM records WHERE entry_type = "
      "'directory')");
  FsckFinds("the pond's index disagrees with the log on 3 node versions");
  // Deleting the cache rebuilds the index from the log, and fsck is clean again.
  fs::remove_all(pond_ + "/cache");
  PondRun again = Pond({"fsck"});
  EXPECT_TRUE(Ok(again)) << again.out << again.err;
  EXPECT_EQ(Out({"cat", "/d/b.txt"}), "b\n");
}

TEST_F(TrustSafety, FsckReadsIndexValuesAsStoredAndChecksEntriesAndTransactions) {
  ASSERT_TRUE(Ok(Pond({"copy", Host("m1.txt", "one\n"), "/m"})));
  ASSERT_TRUE(Ok(Pond({"copy", Host("m2.txt", "two\n"), "/m"})));
  ASSERT_TRUE(Ok(Pond({"copy", Host("big.bin", std::string(100000, 'b')), "/big.bin"})));
  ASSERT_TRUE(Ok(Pond({"fsck"})));
  // SQLite reads the REAL 1.5 as the integer 1: the row must not pass as sound.
  IndexSql(
      "UPDATE records SET version = 1.5 WHERE version = 1 AND entry_type = 'file:data' AND "
      "size = 4");
  Strings blobs = DataFiles("_large_files/");
  ASSERT_EQ(blobs.size(), 1u);
  fs::remove(pond_ + "/data/" + blobs[0]);
  const std::string bad = FsckFinds("the pond's index holds a bad version");
  // The unreadable row does not stop the rest of the check.
  EXPECT_NE(bad.find("problem: blob " + blobs[0] + " is missing"), std::string::npos) << bad;

  // What list and log read: directory entries and transactions.
  fs::remove_all(pond_ + "/cache");
  ASSERT_TRUE(Ok(Pond({"list", "/"})));
  IndexSql("UPDATE entries SET name = 'zzz' WHERE name = 'm'");
  const std::string entries =
      FsckFinds("the pond's index disagrees with the log on its directory entries");
  EXPECT_EQ(entries.find("on its transactions"), std::string::npos) << entries;
  fs::remove_all(pond_ + "/cache");
  ASSERT_TRUE(Ok(Pond({"list", "/"})));
  IndexSql("UPDATE txns SET command = 'evil' WHERE txn_seq = 2");
  const std::string txns = FsckFinds("the pond's index disagrees with the log on its transactions");
  EXPECT_EQ(txns.find("directory entries"), std::string::npos) << txns;
}

TEST_F(TrustSafety, IndexRebuiltInPiecesMatchesTheOneBuiltCommitByCommit) {
  // One copy of 300 folders writes 301 data files; ten more commits bring a
  // checkpoint that names them all, more than a rebuild reads at once, and
  // commits after it.
  for (int d = 0; d < 300; ++d) Host("tree/d" + std::to_string(d) + "/f.txt", std::to_string(d));
  ASSERT_TRUE(Ok(Pond({"copy", "-r", host_ + "/tree", "/"})));
  for (int i = 0; i < 14; ++i) {
    ASSERT_TRUE(
        Ok(Pond({"copy", Host("v.txt", "version " + std::to_string(i)), "/tree/d7/f.txt"})));
  }
  ASSERT_TRUE(Ok(Pond({"rm", "/tree/d8/f.txt"})));
  ASSERT_TRUE(Ok(Pond({"mv", "/tree/d9", "/moved"})));
  const std::string listing = Out({"list", "-l", "/**"});
  const std::string log = Out({"log"});
  const std::string old = Out({"--as-of", "3", "cat", "/tree/d7/f.txt"});
  // fsck rebuilds an index from the log and compares every record, entry
  // and transaction with the pond's, which was built commit by commit.
  PondRun check = Pond({"fsck"});
  EXPECT_TRUE(Ok(check)) << check.out;
  EXPECT_NE(check.out.find("checkpoints"), std::string::npos);
  EXPECT_EQ(check.out.find("0 checkpoints"), std::string::npos) << check.out;
  fs::remove_all(pond_ + "/cache");
  EXPECT_EQ(Out({"list", "-l", "/**"}), listing);
  EXPECT_EQ(Out({"log"}), log);
  EXPECT_EQ(Out({"--as-of", "3", "cat", "/tree/d7/f.txt"}), old);
  EXPECT_EQ(Out({"cat", "/tree/d7/f.txt"}), "version 13");
  EXPECT_EQ(Out({"cat", "/moved/f.txt"}), "9");
  EXPECT_TRUE(Ok(Pond({"fsck"})));
}

TEST_F(TrustSafety, RebuiltIndexKeepsTheDeltaVersionOfEachTransaction) {
  // `maintain` commits without a transaction, so transaction N is no longer
  // at version N-1; the checkpoint that follows must not make a rebuild guess.
  ASSERT_TRUE(Ok(Pond({"copy", Host("a.txt", "a"), "/a"})));
  ASSERT_TRUE(Ok(Pond({"copy", Host("a.txt", "a"), "/b"})));
  ASSERT_TRUE(Ok(Pond({"maintain"})));
  for (int i = 0; i < 9; ++i) {
    ASSERT_TRUE(Ok(Pond({"copy", Host("a.txt", "a"), "/f" + std::to_string(i)})));
  }
  const std::string log = Out({"log", "--format", "jsonl"});
  ASSERT_NE(log.find("\"delta_version\":10"), std::string::npos) << log;
  fs::remove_all(pond_ + "/cache");
  EXPECT_EQ(Out({"log", "--format", "jsonl"}), log);
  EXPECT_TRUE(Ok(Pond({"fsck"})));
  // An index that got a version wrong is named by fsck.
  IndexSql("UPDATE txns SET delta_version = delta_version - 1 WHERE txn_seq = 10");
  FsckFinds("the pond's index disagrees with the log on its transactions");
}

// Smaller defects.

TEST_F(TrustSafety, CopyRecursiveKeepsHostSymlinksAsSymlinks) {
  Host("tree/a/file.txt", "f");
  fs::create_directory_symlink("..", host_ + "/tree/a/up");
  fs::create_symlink("missing-target", host_ + "/tree/dangling");
  ASSERT_TRUE(Ok(Pond({"copy", "-r", host_ + "/tree", "/t"})));
  EXPECT_EQ(Out({"list"}), "/t/\n/t/a/\n/t/a/file.txt\n/t/a/up\n/t/dangling\n");
  std::string d = Out({"describe", "/t/a/up"});
  EXPECT_NE(d.find("target:    .."), std::string::npos) << d;
  EXPECT_EQ(Out({"cat", "/t/a/up/a/file.txt"}), "f");
}

TEST_F(TrustSafety, ASymlinkToAnAncestorIsFollowedButStarStarDoesNotLoop) {
  ASSERT_TRUE(Ok(Pond({"mkdir", "/sl"})));
  ASSERT_TRUE(Ok(Pond({"copy", Host("f.txt", "f"), "/sl/f.txt"})));
  ASSERT_TRUE(Ok(Pond({"ln", "-s", "/sl", "/sl/me"})));
  EXPECT_EQ(Out({"list", "/sl/me/"}), "/sl/me/f.txt\n/sl/me/me\n");
  EXPECT_EQ(Out({"list", "/sl/me/me/*.txt"}), "/sl/me/me/f.txt\n");
  EXPECT_EQ(Out({"cat", "/sl/me/me/f.txt"}), "f");
  EXPECT_EQ(Out({"list", "/**"}), "/\n/sl/\n/sl/f.txt\n/sl/me\n");
}

TEST_F(TrustSafety, ListOfTheRootListsItsContents) {
  ASSERT_TRUE(Ok(Pond({"mkdir", "-p", "/a/b"})));
  ASSERT_TRUE(Ok(Pond({"copy", Host("f.txt", "f"), "/f.txt"})));
  EXPECT_EQ(Out({"list", "/"}), "/a/\n/f.txt\n");
  EXPECT_EQ(Out({"list", "/a/"}), "/a/b/\n");
}

TEST_F(TrustSafety, JsonIsOneDocumentWithNestedValues) {
  auto j = nlohmann::json::parse(Out({"query",
                                      "SELECT {'x': 1, 'y': [1, 2]} AS s, [1.5, NULL] AS l, "
                                      "MAP {'k': 2} AS m, 'nan'::DOUBLE AS n, 'a\"b' AS t",
                                      "--format", "json"}));
  ASSERT_TRUE(j.is_array());
  ASSERT_EQ(j.size(), 1u);
  EXPECT_EQ(j[0]["s"], nlohmann::json::parse(R"({"x":1,"y":[1,2]})"));
  EXPECT_EQ(j[0]["l"], nlohmann::json::parse("[1.5,null]"));
  EXPECT_EQ(j[0]["m"], nlohmann::json::parse(R"({"k":2})"));
  EXPECT_TRUE(j[0]["n"].is_null());
  EXPECT_EQ(j[0]["t"], "a\"b");
  EXPECT_EQ(Out({"query", "SELECT 1 AS a WHERE false", "--format", "json"}), "[]\n");
  ASSERT_TRUE(Ok(Pond({"mkdir", "/d"})));
  auto log = nlohmann::json::parse(Out({"log", "--format", "json"}));
  ASSERT_EQ(log.size(), 2u);
  EXPECT_EQ(log[0]["command"], "pond mkdir /d");
  auto described = nlohmann::json::parse(Out({"describe", "/d", "--format", "json"}));
  EXPECT_EQ(described[0]["type"], "directory");
  EXPECT_EQ(described[0]["entries"], 0);
}

TEST_F(TrustSafety, UsageErrorsExitTwo) {
  EXPECT_TRUE(Fails(RunPond({"list"}, "env -u POND"), 2, "no pond given"));
  EXPECT_TRUE(Fails(Pond({"--as-of", "1", "mkdir", "/x"}), 2, "--as-of"));
  EXPECT_TRUE(Fails(Pond({"copy", Host("f.txt", "f"), ""}), 2, "destination cannot be empty"));
  EXPECT_EQ(Out({"list"}), "");
  ASSERT_TRUE(Ok(Pond({"copy", Host("f.txt", "f"), "/a"})));
  EXPECT_TRUE(Fails(Pond({"mv", "/a", "/a"}), 1, "are the same entry"));
  EXPECT_TRUE(Fails(Pond({"cat", "/a", "--time-start", "soon"}), 2, "'soon'"));
  EXPECT_TRUE(Fails(Pond({"gc", "--grace", "forever"}), 2, "'forever'"));
  setenv("POND_LOCK_TIMEOUT_MS", "lots", 1);
  EXPECT_TRUE(Fails(Pond({"list"}), 2, "POND_LOCK_TIMEOUT_MS"));
  unsetenv("POND_LOCK_TIMEOUT_MS");
}

TEST_F(TrustSafety, AMissingBlobNamesThePath) {
  ASSERT_TRUE(Ok(Pond({"copy", Host("big.bin", std::string(100000, 'b')), "/big.bin"})));
  for (const auto& b : DataFiles("_large_files/")) fs::remove(pond_ + "/data/" + b);
  EXPECT_TRUE(Fails(Pond({"cat", "/big.bin"}), 1, "cannot read '/big.bin' (version 1): its blob"));
}

TEST_F(TrustSafety, SqlFindsPondPathsWhereDuckDbBindsTables) {
  ASSERT_TRUE(Ok(
      Pond({"copy", "host+series://" + HostParquet("a.parquet", Hourly(kJan1, 4)), "/a.series"})));
  ASSERT_TRUE(Ok(Pond(
      {"copy", "host+series://" + HostParquet("b.parquet", Hourly(kJan1, 2, 10)), "/b.series"})));
  EXPECT_EQ(
      Out({"query", "SELECT count(*) AS n FROM /* the series */ '/a.series'", "--format", "csv"}),
      "n\n4\n");
  EXPECT_EQ(Out({"query",
                 "WITH x AS (SELECT * FROM '/a.series') SELECT count(*) AS n FROM x, "
                 "(SELECT * FROM '/b.series') y WHERE x.timestamp = y.timestamp",
                 "--format", "csv"}),
            "n\n2\n");
  // A string that only looks like a path is a string.
  EXPECT_EQ(Out({"query", "SELECT E'/nope.series' AS s, '/a.series' AS t", "--format", "csv"}),
            "s,t\n/nope.series,/a.series\n");
  // A path in FROM that matches nothing says so.
  EXPECT_TRUE(Fails(Pond({"query", "SELECT * FROM '/nope.series'"}), 1,
                    "no pond file matches '/nope.series'"));
}

TEST_F(TrustSafety, CatOfAHostDeltaTableTakesSqlAndTimes) {
  ASSERT_TRUE(Ok(Pond({"mkdir", "/a"})));
  std::string table = "host+delta://" + pond_ + "/data";
  EXPECT_EQ(Out({"cat", table, "--sql", "SELECT count(*) AS n FROM source", "--format", "csv"}),
            "n\n3\n");  // the root twice, /a once
  EXPECT_EQ(Out({"cat", table, "--time-start", "2100-01-01", "--sql",
                 "SELECT count(*) AS n FROM source", "--format", "csv"}),
            "n\n0\n");
  auto j = nlohmann::json::parse(
      Out({"cat", table, "--sql", "SELECT DISTINCT entry_type FROM source", "--format", "json"}));
  EXPECT_EQ(j, nlohmann::json::parse(R"([{"entry_type":"directory"}])"));
}

}  // namespace
}  // namespace pond::testing
