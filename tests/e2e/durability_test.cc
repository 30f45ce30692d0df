// Durability of the real `pond` binary: commands killed with SIGKILL at any
// moment (CrashTest), and many pond processes writing and reading one pond at
// the same time (ConcurrencyTest). Schedules come from seeded PRNGs, so a run
// is reproducible in what it tries; the verdict never depends on timing.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "e2e/run_pond.h"

extern char** environ;

namespace pond::testing {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

// --- child processes ---

// One `pond` process started in the background, its output captured in files.
struct Child {
  pid_t pid = -1;
  std::string out_path;
  std::string err_path;
  int status = 0;  // from waitpid, once reaped
  bool reaped = false;

  bool exited() const { return reaped && WIFEXITED(status); }
  int exit_code() const { return exited() ? WEXITSTATUS(status) : -1; }
  std::string out() const { return ReadWholeFile(out_path); }
  std::string err() const { return ReadWholeFile(err_path); }
};

// Starts and reaps pond processes; whatever is still running when it dies
// (say, after a failed assertion) is killed and reaped.
class Children {
 public:
  Children() = default;
  Children(const Children&) = delete;
  Children& operator=(const Children&) = delete;
  ~Children() {
    for (Child& c : children_) {
      if (c.pid > 0 && !c.reaped) {
        ::kill(c.pid, SIGKILL);
        ::waitpid(c.pid, &c.status, 0);
        c.reaped = true;
      }
    }
  }

  // Runs POND_BINARY --pond `pond_dir` `args...` with `env` added to this
  // process's environment; returns the index of the child.
  size_t Start(const std::string& pond_dir, const std::vector<std::string>& args,
               const std::map<std::string, std::string>& env = {}) {
    Child c;
    size_t n = children_.size();
    c.out_path = scratch_.path() + "/out" + std::to_string(n);
    c.err_path = scratch_.path() + "/err" + std::to_string(n);
    std::vector<std::string> argv_s = {POND_BINARY, "--pond", pond_dir};
    argv_s.insert(argv_s.end(), args.begin(), args.end());
    std::vector<std::string> env_s;
    for (char** e = environ; *e != nullptr; ++e) {
      std::string kv = *e;
      std::string key = kv.substr(0, kv.find('='));
      if (!env.count(key)) env_s.push_back(kv);
    }
    for (const auto& [k, v] : env) env_s.push_back(k + "=" + v);
    std::vector<char*> argv, envp;
    for (auto& s : argv_s) argv.push_back(s.data());
    argv.push_back(nullptr);
    for (auto& s : env_s) envp.push_back(s.data());
    envp.push_back(nullptr);

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 1, c.out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                     0644);
    posix_spawn_file_actions_addopen(&actions, 2, c.err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                     0644);
    int rc = posix_spawn(&c.pid, POND_BINARY, &actions, nullptr, argv.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    EXPECT_EQ(rc, 0) << "posix_spawn failed";
    if (rc != 0) {
      c.pid = -1;
      c.reaped = true;
      c.status = 127 << 8;
    }
    children_.push_back(std::move(c));
    return n;
  }

  // Reaps child `i` if it has ended; true when it has.
  bool Poll(size_t i) {
    Child& c = children_[i];
    if (c.reaped) return true;
    pid_t r = ::waitpid(c.pid, &c.status, WNOHANG);
    if (r == c.pid) c.reaped = true;
    return c.reaped;
  }

  // Waits for child `i` (killing it after `limit`, so a hung command fails the
  // test instead of hanging it).
  Child& Wait(size_t i, std::chrono::seconds limit = std::chrono::seconds(120)) {
    auto deadline = Clock::now() + limit;
    while (!Poll(i)) {
      if (Clock::now() > deadline) {
        ADD_FAILURE() << "a pond command did not finish within " << limit.count() << " s";
        Kill(i);
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    return children_[i];
  }

  // SIGKILL, then reap. The child may have finished already (it stays a
  // zombie until reaped, so its pid cannot have been reused).
  Child& Kill(size_t i) {
    Child& c = children_[i];
    if (!c.reaped) {
      ::kill(c.pid, SIGKILL);
      ::waitpid(c.pid, &c.status, 0);
      c.reaped = true;
    }
    return c;
  }

  Child& operator[](size_t i) { return children_[i]; }
  size_t size() const { return children_.size(); }

 private:
  TempDir scratch_;
  std::vector<Child> children_;
};

// --- helpers ---

// What the CLI records as the command line of a transaction (cli.cc).
std::string RecordedCommand(const std::string& pond_dir, const std::vector<std::string>& args) {
  std::string line = "pond";
  std::vector<std::string> all = {"--pond", pond_dir};
  all.insert(all.end(), args.begin(), args.end());
  for (const std::string& arg : all) {
    bool plain = !arg.empty() && arg.find_first_of(" \t\n'\"*?[]$") == std::string::npos;
    line += " " + (plain ? arg : "'" + arg + "'");
  }
  return line;
}

std::vector<std::string> PondArgs(const std::string& pond_dir, std::vector<std::string> args) {
  args.insert(args.begin(), {"--pond", pond_dir});
  return args;
}

struct LogEntry {
  int64_t txn = 0;
  std::string command;
};

// `pond log`, oldest first.
std::vector<LogEntry> ReadLog(const std::string& pond_dir) {
  PondRun run = RunPond(PondArgs(pond_dir, {"log", "--limit", "1000000", "--format", "jsonl"}));
  EXPECT_EQ(run.exit_code, 0) << run.err;
  std::vector<LogEntry> log;
  std::stringstream ss(run.out);
  std::string line;
  while (std::getline(ss, line)) {
    auto j = nlohmann::json::parse(line, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << line;
    if (j.is_discarded()) continue;
    log.push_back({j["txn"].get<int64_t>(), j["command"].get<std::string>()});
  }
  std::reverse(log.begin(), log.end());
  return log;
}

// The transactions are 1..N with exactly the `expected` commands, in order.
void ExpectLog(const std::string& pond_dir, const std::vector<std::string>& expected) {
  std::vector<LogEntry> log = ReadLog(pond_dir);
  std::vector<std::string> commands;
  for (size_t i = 0; i < log.size(); ++i) {
    EXPECT_EQ(log[i].txn, static_cast<int64_t>(i + 1)) << log[i].command;
    commands.push_back(log[i].command);
  }
  EXPECT_EQ(commands, expected);
}

std::string DeterministicBytes(std::mt19937_64& rng, size_t n) {
  std::string s(n, '\0');
  for (char& c : s) c = static_cast<char>(rng() & 0xff);
  return s;
}

void WriteHostFile(const std::string& path, const std::string& bytes) {
  fs::create_directories(fs::path(path).parent_path());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  ASSERT_TRUE(out.good()) << path;
}

// Relative path -> bytes of every regular file under `root`.
std::map<std::string, std::string> ReadHostTree(const std::string& root) {
  std::map<std::string, std::string> files;
  if (!fs::exists(root)) return files;
  for (const auto& e : fs::recursive_directory_iterator(root)) {
    if (e.is_regular_file()) {
      files[fs::relative(e.path(), root).string()] = ReadWholeFile(e.path().string());
    }
  }
  return files;
}

// `pond list PATTERN` (exit 0 expected), sorted.
std::vector<std::string> ListLines(const std::string& pond_dir, const std::string& pattern) {
  PondRun run = RunPond(PondArgs(pond_dir, {"list", pattern}));
  EXPECT_EQ(run.exit_code, 0) << "list " << pattern << ": " << run.err;
  return SortedLines(run.out);
}

bool Contains(const std::vector<std::string>& lines, const std::string& line) {
  return std::find(lines.begin(), lines.end(), line) != lines.end();
}

// The pond files under `pond_path`, copied out through `pond copy` (the full
// byte-for-byte check), keyed by their path relative to `pond_path`.
std::map<std::string, std::string> CopyOut(const std::string& pond_dir,
                                           const std::string& pond_path) {
  TempDir out;
  PondRun run = RunPond(PondArgs(pond_dir, {"copy", pond_path + "/**/*", "host://" + out.path()}));
  EXPECT_EQ(run.exit_code, 0) << run.err;
  return ReadHostTree(out.path() + pond_path);
}

// Commands that ended on their own (none killed) left no half-written files.
void ExpectNoTemporaryFiles(const std::string& pond_dir) {
  for (const auto& e : fs::recursive_directory_iterator(pond_dir + "/data")) {
    std::string name = e.path().filename().string();
    EXPECT_TRUE(name.find(".tmp") == std::string::npos &&
                name.find("incoming-") == std::string::npos)
        << "left behind: " << e.path();
  }
}

// The commits in the pond's Delta log (00000000000000000007.json ...).
size_t CountCommits(const std::string& pond_dir) {
  size_t n = 0;
  for (const auto& e : fs::directory_iterator(pond_dir + "/data/_delta_log")) {
    std::string name = e.path().filename().string();
    if (name.size() == 25 && name.ends_with(".json") &&
        name.find_first_not_of("0123456789") == 20) {
      ++n;
    }
  }
  return n;
}

void RemoveCache(const std::string& pond_dir) {
  std::error_code ec;
  fs::remove_all(pond_dir + "/cache", ec);
  ASSERT_FALSE(ec) << ec.message();
  ASSERT_FALSE(fs::exists(pond_dir + "/cache"));
}

// The whole visible state: every path and every transaction.
std::string PondState(const std::string& pond_dir) {
  PondRun list = RunPond(PondArgs(pond_dir, {"list", "/**/*"}));
  EXPECT_EQ(list.exit_code, 0) << list.err;
  PondRun log = RunPond(PondArgs(pond_dir, {"log", "--limit", "1000000", "--format", "jsonl"}));
  EXPECT_EQ(log.exit_code, 0) << log.err;
  return list.out + "--\n" + log.out;
}

// --- crash safety ---

// A host tree of 300 small files in nested directories plus two blob-sized
// files, with deterministic content.
struct HostTree {
  std::string root;
  std::map<std::string, std::string> files;  // relative path -> bytes
  std::vector<std::string> listing;          // what `pond list '<dest>/**/*'` prints, minus <dest>

  explicit HostTree(const std::string& dir) : root(dir + "/tree") {
    std::mt19937_64 rng(20240607);
    const char* dirs[] = {"alpha", "beta", "gamma/delta"};
    for (int i = 0; i < 300; ++i) {
      char name[64];
      std::snprintf(name, sizeof(name), "%s/f%03d.dat", dirs[i % 3], i);
      // 2.4 MiB in all: more than a transaction holds in memory, so that a
      // kill can also come after some of it was written out.
      size_t size = 4096 + rng() % (8 * 1024 + 1);
      files[name] = DeterministicBytes(rng, size);
    }
    files["big1.bin"] = DeterministicBytes(rng, 200 * 1024);
    files["big2.bin"] = DeterministicBytes(rng, 200 * 1024 + 17);
    for (const auto& [rel, bytes] : files) WriteHostFile(root + "/" + rel, bytes);
    std::set<std::string> lines;
    for (const auto& [rel, bytes] : files) {
      lines.insert("/" + rel);
      for (fs::path p = fs::path(rel).parent_path(); !p.empty(); p = p.parent_path()) {
        lines.insert("/" + p.string() + "/");
      }
    }
    listing.assign(lines.begin(), lines.end());
  }

  std::vector<std::string> ListingUnder(const std::string& dest) const {
    std::vector<std::string> out;
    for (const auto& l : listing) out.push_back(dest + l);
    std::sort(out.begin(), out.end());
    return out;
  }
};

class CrashTest : public ::testing::Test {
 protected:
  void SetUp() override {
    pond_ = dir_.path() + "/pond";
    PondRun init = RunPond({"--pond", pond_, "init"});
    ASSERT_EQ(init.exit_code, 0) << init.err;
    committed_.push_back(RecordedCommand(pond_, {"init"}));
  }

  // Runs a write that must succeed and records its transaction.
  void Write(const std::vector<std::string>& args) {
    PondRun run = RunPond(PondArgs(pond_, args));
    ASSERT_EQ(run.exit_code, 0) << run.err;
    committed_.push_back(RecordedCommand(pond_, args));
  }

  // `dest` holds exactly the tree: the listing, a few files through
  // `pond cat`, and every file's bytes through `pond copy` out.
  void ExpectCompleteTree(const HostTree& tree, const std::string& dest, std::mt19937_64& rng) {
    EXPECT_EQ(ListLines(pond_, dest + "/**/*"), tree.ListingUnder(dest));
    std::vector<std::string> sample = {"big1.bin", "big2.bin"};
    for (int k = 0; k < 4; ++k) {
      auto it = tree.files.begin();
      std::advance(it, static_cast<long>(rng() % tree.files.size()));
      sample.push_back(it->first);
    }
    for (const std::string& rel : sample) {
      PondRun cat = RunPond(PondArgs(pond_, {"cat", dest + "/" + rel}));
      EXPECT_EQ(cat.exit_code, 0) << rel << ": " << cat.err;
      EXPECT_TRUE(cat.out == tree.files.at(rel)) << dest << "/" << rel << " differs";
    }
    auto copied = CopyOut(pond_, dest);
    EXPECT_EQ(copied.size(), tree.files.size());
    EXPECT_TRUE(copied == tree.files) << dest << ": copied-out bytes differ";
  }

  TempDir dir_;
  std::string pond_;
  std::vector<std::string> committed_;  // the commands that must appear in `pond log`
};

TEST_F(CrashTest, CopyKilledAtAnyMomentIsAllOrNothing) {
  const auto suite_start = Clock::now();
  HostTree tree(dir_.path());
  // A killed copy cannot remove its scratch files: keep them in this test's
  // folder rather than the machine's temp directory.
  const std::string scratch = dir_.path() + "/tmp";
  std::filesystem::create_directories(scratch);
  const char* old_tmpdir = std::getenv("TMPDIR");
  const std::string saved_tmpdir = old_tmpdir ? old_tmpdir : "";
  setenv("TMPDIR", scratch.c_str(), 1);
  struct RestoreTmpdir {
    bool had;
    std::string value;
    ~RestoreTmpdir() { had ? setenv("TMPDIR", value.c_str(), 1) : unsetenv("TMPDIR"); }
  } restore{old_tmpdir != nullptr, saved_tmpdir};
  Children children;
  std::mt19937_64 rng(0xD0C5EED);

  // How long one whole copy takes (the kill delays cover it and a bit more):
  // the slower of two runs.
  int64_t full_ms = 0;
  for (const char* calib_dest : {"/calib1", "/calib2"}) {
    auto t0 = Clock::now();
    std::vector<std::string> calib_args = {"copy", "-r", tree.root, calib_dest};
    size_t calib = children.Start(pond_, calib_args);
    ASSERT_EQ(children.Wait(calib).exit_code(), 0) << children[calib].err();
    full_ms = std::max<int64_t>(
        full_ms, std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0).count());
    committed_.push_back(RecordedCommand(pond_, calib_args));
    ExpectCompleteTree(tree, calib_dest, rng);
  }
  ASSERT_EQ(CountCommits(pond_), committed_.size());
  const int64_t max_delay_us = full_ms * 1200;  // 1.2x, in microseconds

  std::string small = dir_.path() + "/small.txt";
  WriteHostFile(small, "a small file written after a crash\n");

  const int kIterations = 25;
  int completed = 0, absent = 0, survived_kill = 0;
  for (int i = 0; i < kIterations; ++i) {
    SCOPED_TRACE("iteration " + std::to_string(i));
    const std::string dest = "/run" + std::to_string(i);
    const std::vector<std::string> args = {"copy", "-r", tree.root, dest};
    int64_t delay_us = static_cast<int64_t>(rng() % static_cast<uint64_t>(max_delay_us + 1));

    auto start = Clock::now();
    size_t c = children.Start(pond_, args);
    std::this_thread::sleep_until(start + std::chrono::microseconds(delay_us));
    Child& child = children.Kill(c);
    if (child.exited()) {
      ASSERT_EQ(child.exit_code(), 0) << child.err();
    }
    // Whether the copy reached its Delta commit, seen before any pond command runs.
    const size_t commits = CountCommits(pond_);
    ASSERT_TRUE(commits == committed_.size() || commits == committed_.size() + 1) << commits;
    const bool reached_commit = commits == committed_.size() + 1;

    // The first command after the crash is alternately a reader and a writer:
    // both must repair an index that lags behind the log.
    const size_t run_txn_slot = committed_.size();  // the copy's commit, if any, came first
    if (i % 2 == 1) {
      Write({"copy", small, "/small" + std::to_string(i)});
    }
    if (i % 5 == 2) RemoveCache(pond_);  // the index is a cache: rebuilt from data/

    PondRun root = RunPond(PondArgs(pond_, {"list", "/"}));
    ASSERT_EQ(root.exit_code, 0) << "the pond does not open after a crash: " << root.err;
    std::vector<std::string> top = ListLines(pond_, "/*");
    bool visible = Contains(top, dest + "/");
    if (child.exited()) {
      EXPECT_TRUE(visible) << "a copy that exited 0 is not visible";
    }
    EXPECT_EQ(visible, reached_commit) << "visible iff its Delta commit exists";
    if (visible) {
      ++completed;
      if (!child.exited()) ++survived_kill;
      committed_.insert(committed_.begin() + static_cast<long>(run_txn_slot),
                        RecordedCommand(pond_, args));
      ExpectCompleteTree(tree, dest, rng);
    } else {
      ++absent;
      EXPECT_FALSE(Contains(top, dest)) << dest << " exists but is not a directory";
      EXPECT_EQ(ListLines(pond_, dest + "/**/*"), std::vector<std::string>{});
    }
    // `pond log` shows a transaction for exactly the copies that are visible.
    if (i % 2 == 0) {
      Write({"copy", small, "/small" + std::to_string(i)});
    }
    ExpectLog(pond_, committed_);
    EXPECT_EQ(CountCommits(pond_), committed_.size());
    PondRun cat_small = RunPond(PondArgs(pond_, {"cat", "/small" + std::to_string(i)}));
    EXPECT_EQ(cat_small.exit_code, 0) << cat_small.err;
    EXPECT_EQ(cat_small.out, ReadWholeFile(small));

    // Removing the cache between commands changes nothing anyone can see.
    if (i % 4 == 3) {
      std::string before = PondState(pond_);
      RemoveCache(pond_);
      EXPECT_EQ(PondState(pond_), before);
    }
    if (HasFatalFailure()) return;
  }
  std::printf(
      "[ crash ] full copy %lld ms; %d of %d copies visible (%d killed after their "
      "commit), %d absent\n",
      static_cast<long long>(full_ms), completed, kIterations, survived_kill, absent);

  // Still a valid Delta table for any Delta reader.
  PondRun delta = RunPond({"cat", "host+delta://" + pond_ + "/data", "--format=csv"});
  EXPECT_EQ(delta.exit_code, 0) << delta.err;
  EXPECT_GT(LineCount(delta.out), static_cast<size_t>(completed + 1) * tree.files.size());
  // And a rebuilt index agrees with everything above.
  RemoveCache(pond_);
  ExpectLog(pond_, committed_);
  std::printf("[ crash ] suite took %lld ms\n",
              static_cast<long long>(
                  std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - suite_start)
                      .count()));
}

// The state a crash between the Delta commit and the index update leaves,
// made deterministically: the index from before a command, with the log
// after it.
TEST_F(CrashTest, IndexBehindTheLogIsCaughtUpByReadersAndWriters) {
  std::string a = dir_.path() + "/a.txt", b = dir_.path() + "/b.bin", c = dir_.path() + "/c.txt";
  std::mt19937_64 rng(7);
  WriteHostFile(a, "first\n");
  WriteHostFile(b, DeterministicBytes(rng, 100 * 1024));  // a blob
  WriteHostFile(c, "third\n");
  Write({"copy", a, "/a.txt"});

  for (bool writer_first : {false, true}) {
    SCOPED_TRACE(writer_first ? "a writer comes first" : "a reader comes first");
    std::string dest = writer_first ? "/w" : "/r";
    std::string stale = dir_.path() + "/stale-cache" + dest.substr(1);
    fs::copy(pond_ + "/cache", stale, fs::copy_options::recursive);
    Write({"mkdir", dest});
    Write({"copy", b, dest + "/b.bin"});
    RemoveCache(pond_);
    fs::copy(stale, pond_ + "/cache", fs::copy_options::recursive);  // two commits behind

    if (writer_first) {
      Write({"copy", c, dest + "/c.txt"});
      EXPECT_EQ(ListLines(pond_, dest + "/*"),
                (std::vector<std::string>{dest + "/b.bin", dest + "/c.txt"}));
    } else {
      EXPECT_EQ(ListLines(pond_, dest + "/*"), std::vector<std::string>{dest + "/b.bin"});
    }
    PondRun cat = RunPond(PondArgs(pond_, {"cat", dest + "/b.bin"}));
    EXPECT_EQ(cat.exit_code, 0) << cat.err;
    EXPECT_TRUE(cat.out == ReadWholeFile(b));
    ExpectLog(pond_, committed_);
  }
  std::string before = PondState(pond_);
  RemoveCache(pond_);
  EXPECT_EQ(PondState(pond_), before);
}

// --- concurrency ---

class ConcurrencyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    pond_ = dir_.path() + "/pond";
    PondRun init = RunPond({"--pond", pond_, "init"});
    ASSERT_EQ(init.exit_code, 0) << init.err;
  }

  // A host file with content unique to (writer, round).
  std::string MakeSource(int writer, int round, size_t size) {
    std::mt19937_64 rng(static_cast<uint64_t>(writer * 1000 + round));
    std::string path =
        dir_.path() + "/src/w" + std::to_string(writer) + "_r" + std::to_string(round) + ".dat";
    std::string bytes = DeterministicBytes(rng, size);
    WriteHostFile(path, bytes);
    sources_[path] = bytes;
    return path;
  }

  TempDir dir_;
  std::string pond_;
  std::map<std::string, std::string> sources_;  // host path -> bytes
};

struct PlannedWrite {
  std::vector<std::string> args;
  std::string pond_path;  // the file it creates
  std::string source;     // the host file it copies
  size_t child = 0;
};

TEST_F(ConcurrencyTest, WaitingWritersAllSucceedWithOneTransactionEach) {
  const int kWriters = 6, kRounds = 3;
  const std::map<std::string, std::string> env = {{"POND_LOCK_TIMEOUT_MS", "20000"}};
  std::mt19937_64 rng(42);
  // Lane w runs its rounds one after another; the lanes run at the same time.
  std::vector<std::vector<PlannedWrite>> lanes(kWriters);
  for (int w = 0; w < kWriters; ++w) {
    for (int r = 0; r < kRounds; ++r) {
      size_t size = (w + r) % 4 == 0 ? 90 * 1024 : 512 + rng() % 4096;  // some blobs
      std::string src = MakeSource(w, r, size);
      std::string dest = "/w" + std::to_string(w) + "_r" + std::to_string(r) + ".dat";
      lanes[w].push_back({{"copy", src, dest}, dest, src, 0});
    }
  }
  Children children;
  std::vector<size_t> next(kWriters, 0);
  std::vector<bool> running(kWriters, false);
  std::vector<size_t> readers;
  for (int w = 0; w < kWriters; ++w) {
    lanes[w][0].child = children.Start(pond_, lanes[w][0].args, env);
    running[w] = true;
  }
  auto deadline = Clock::now() + std::chrono::seconds(120);
  // Readers alternate list and fsck, which must find no problem in a pond
  // whose index moves on while it compares.
  auto start_reader = [&] {
    return children.Start(pond_, {readers.size() % 2 == 0 ? "list" : "fsck"});
  };
  size_t reader = start_reader();
  readers.push_back(reader);
  while (std::find(running.begin(), running.end(), true) != running.end()) {
    ASSERT_LT(Clock::now(), deadline) << "writers did not finish";
    for (int w = 0; w < kWriters; ++w) {
      if (!running[w] || !children.Poll(lanes[w][next[w]].child)) continue;
      if (++next[w] == lanes[w].size()) {
        running[w] = false;
      } else {
        lanes[w][next[w]].child = children.Start(pond_, lanes[w][next[w]].args, env);
      }
    }
    if (children.Poll(reader)) {  // readers run back to back with the writers
      reader = start_reader();
      readers.push_back(reader);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  for (size_t r : readers) {
    Child& c = children.Wait(r);
    EXPECT_EQ(c.exit_code(), 0) << "a reader failed next to writers: " << c.out() << c.err();
  }

  std::multiset<std::string> expected_commands = {RecordedCommand(pond_, {"init"})};
  std::map<std::string, std::string> expected_files;
  for (const auto& lane : lanes) {
    for (const PlannedWrite& wr : lane) {
      Child& c = children[wr.child];
      EXPECT_EQ(c.exit_code(), 0) << wr.pond_path << ": " << c.err();
      EXPECT_EQ(c.err(), "");
      expected_commands.insert(RecordedCommand(pond_, wr.args));
      expected_files[wr.pond_path.substr(1)] = sources_.at(wr.source);
    }
  }
  std::printf("[ concurrency ] %d writers x %d rounds, %zu reader runs alongside\n", kWriters,
              kRounds, readers.size());

  auto check = [&] {
    std::vector<LogEntry> log = ReadLog(pond_);
    std::multiset<std::string> commands;
    for (size_t i = 0; i < log.size(); ++i) {
      EXPECT_EQ(log[i].txn, static_cast<int64_t>(i + 1));
      commands.insert(log[i].command);
    }
    EXPECT_EQ(commands, expected_commands);
    TempDir out;
    PondRun copy = RunPond(PondArgs(pond_, {"copy", "/**/*", "host://" + out.path()}));
    EXPECT_EQ(copy.exit_code, 0) << copy.err;
    EXPECT_TRUE(ReadHostTree(out.path()) == expected_files) << "pond files differ";
  };
  check();
  ExpectNoTemporaryFiles(pond_);
  RemoveCache(pond_);  // the same from the log alone
  check();
}

TEST_F(ConcurrencyTest, ImpatientWritersEitherCommitOrFailCleanly) {
  const int kWriters = 14, kReaders = 4;
  const std::map<std::string, std::string> env = {{"POND_LOCK_TIMEOUT_MS", "1"}};
  std::vector<PlannedWrite> writes;
  for (int w = 0; w < kWriters; ++w) {
    std::string src = MakeSource(w, 0, w % 5 == 0 ? 80 * 1024 : 700 + 37 * w);
    std::string dest = "/impatient" + std::to_string(w) + ".dat";
    writes.push_back({{"copy", src, dest}, dest, src, 0});
  }
  Children children;
  std::vector<size_t> readers;
  std::mt19937_64 rng(1234);
  for (int w = 0; w < kWriters; ++w) {
    // Staggered a little, so that some find the lock free and some do not.
    std::this_thread::sleep_for(std::chrono::milliseconds(rng() % 60));
    writes[w].child = children.Start(pond_, writes[w].args, env);
    if (w % (kWriters / kReaders) == 0) readers.push_back(children.Start(pond_, {"list", "/*"}));
  }
  std::multiset<std::string> expected_commands = {RecordedCommand(pond_, {"init"})};
  std::map<std::string, std::string> expected_files;
  int ok = 0, refused = 0;
  for (const PlannedWrite& wr : writes) {
    Child& c = children.Wait(wr.child);
    std::string err = c.err();
    if (c.exit_code() == 0) {
      ++ok;
      EXPECT_EQ(err, "");
      expected_commands.insert(RecordedCommand(pond_, wr.args));
      expected_files[wr.pond_path.substr(1)] = sources_.at(wr.source);
    } else {
      ++refused;
      EXPECT_EQ(c.exit_code(), 1) << wr.pond_path << ": " << err;
      EXPECT_EQ(LineCount(err), 1u) << err;
      EXPECT_NE(err.find("another pond command is writing"), std::string::npos) << err;
    }
  }
  for (size_t r : readers) {
    Child& c = children.Wait(r);
    EXPECT_EQ(c.exit_code(), 0) << "a reader failed next to writers: " << c.err();
  }
  std::printf("[ concurrency ] lock timeout 1 ms: %d committed, %d refused\n", ok, refused);
  EXPECT_GE(ok, 1);

  auto check = [&] {
    std::vector<LogEntry> log = ReadLog(pond_);
    std::multiset<std::string> commands;
    for (size_t i = 0; i < log.size(); ++i) {
      EXPECT_EQ(log[i].txn, static_cast<int64_t>(i + 1));
      commands.insert(log[i].command);
    }
    EXPECT_EQ(commands, expected_commands);
    std::vector<std::string> listing = ListLines(pond_, "/**/*");
    std::vector<std::string> expected_listing;
    for (const auto& [rel, bytes] : expected_files) expected_listing.push_back("/" + rel);
    EXPECT_EQ(listing, expected_listing);
    TempDir out;
    PondRun copy = RunPond(PondArgs(pond_, {"copy", "/**/*", "host://" + out.path()}));
    if (expected_files.empty()) return;
    EXPECT_EQ(copy.exit_code, 0) << copy.err;
    EXPECT_TRUE(ReadHostTree(out.path()) == expected_files) << "pond files differ";
  };
  check();
  ExpectNoTemporaryFiles(pond_);
  RemoveCache(pond_);
  check();
  // The pond still takes writes.
  std::string later = MakeSource(99, 0, 100);
  PondRun run = RunPond(PondArgs(pond_, {"copy", later, "/later.dat"}));
  EXPECT_EQ(run.exit_code, 0) << run.err;
}

}  // namespace
}  // namespace pond::testing
