// pond maintain: compaction leaves every version of every file as it was.
#include <filesystem>
#include <map>
#include <regex>

#include "e2e/pond_fixture.h"

namespace pond::testing {
namespace {

namespace fs = std::filesystem;

class Maintain : public PondFixture {
 protected:
  // Everything a reader can see as of transaction `txn`: the long listing and
  // the bytes of every file, copied out of the pond.
  std::string World(int64_t txn) {
    const std::string as_of = std::to_string(txn);
    std::string world = Out({"--as-of", as_of, "list", "-l", "/**"});
    const std::string out = dir_.path() + "/out-" + as_of + "-" + std::to_string(++copies_);
    fs::create_directories(out);
    PondRun copied = Pond({"--as-of", as_of, "copy", "/**", "host://" + out});
    // An empty pond has nothing to copy; anything else must work.
    if (world.find("file:") != std::string::npos) {
      EXPECT_TRUE(Ok(copied)) << "as of " << txn;
    }
    std::map<std::string, std::string> files;
    for (const auto& e : fs::recursive_directory_iterator(out)) {
      if (e.is_regular_file())
        files[e.path().string().substr(out.size())] = ReadWholeFile(e.path());
    }
    for (const auto& [name, bytes] : files) world += name + "\n" + bytes + "\n";
    return world;
  }

  // Worlds as of transactions [from, last_txn_], every `step`th (and the last).
  std::vector<std::string> Worlds(int64_t from, int64_t step, int64_t to) {
    std::vector<std::string> worlds;
    for (int64_t t = from; t <= to; t += step) worlds.push_back(World(t));
    if ((to - from) % step != 0) worlds.push_back(World(to));
    return worlds;
  }

  // The two lists of worlds are equal; a difference is named by its index
  // (the worlds hold whole files: too long to print).
  static ::testing::AssertionResult Same(const std::vector<std::string>& a,
                                         const std::vector<std::string>& b) {
    if (a.size() != b.size()) {
      return ::testing::AssertionFailure() << a.size() << " worlds against " << b.size();
    }
    for (size_t i = 0; i < a.size(); ++i) {
      if (a[i] != b[i]) {
        return ::testing::AssertionFailure() << "world " << i << " differs:\n"
                                             << a[i].substr(0, 600) << "\n---\n"
                                             << b[i].substr(0, 600);
      }
    }
    return ::testing::AssertionSuccess();
  }

  // Every version of every node the log holds: path, version, size, SHA-256
  // and transaction (one query; fsck then checks every stored byte against
  // these hashes).
  Strings Versions() {
    return Lines(Out({"query",
                      "SELECT path, node_id, version, entry_type, size, sha256, txn_seq, "
                      "min_event_time, max_event_time FROM pond_entries "
                      "ORDER BY txn_seq, node_id, version",
                      "--format", "csv"}));
  }

  void ExpectClean() {
    PondRun check = Pond({"fsck"});
    EXPECT_TRUE(Ok(check));
    EXPECT_NE(check.out.find("no problems"), std::string::npos) << check.out;
  }

  void Commit(const Strings& args) {
    ASSERT_TRUE(Ok(Pond(args))) << args[0];
    ++last_txn_;
  }

  // The live data files of the pond's Delta table, as fsck counts them.
  int64_t LiveDataFiles() {
    std::smatch m;
    std::string report = Out({"fsck"});
    static const std::regex kFiles(R"((\d+) data files?)");
    EXPECT_TRUE(std::regex_search(report, m, kFiles)) << report;
    return m.empty() ? -1 : std::stoll(m[1].str());
  }

  int64_t last_txn_ = 1;  // init
  int copies_ = 0;
};

TEST_F(Maintain, EveryVersionOfEveryFileStaysByteIdentical) {
  ASSERT_TRUE(Ok(Pond({"maintain", "--auto", "off"})));  // only the explicit run here
  // A history with overwrites, blobs, series, removal, renames and links.
  Commit({"mkdir", "-p", "/a/b"});
  for (int i = 0; i < 4; ++i) {
    Commit({"copy", Host("n.txt", "note version " + std::to_string(i) + "\n"), "/a/note.txt"});
    Commit({"copy", Host("b" + std::to_string(i) + ".txt", std::string(100 + i, 'x')), "/a/b/"});
  }
  Commit({"copy", Host("big.bin", std::string(200 * 1024, 'z') + "end"), "/big.bin"});
  Commit({"copy", "host+series://" + HostParquet("s1.parquet", Hourly(kJan1, 24)), "/t.series"});
  Commit({"copy",
          "host+series://" + HostParquet("s2.parquet", Hourly(kJan1 + 24 * kHourMicros, 24, 5)),
          "/t.series"});
  Commit({"ln", "-s", "/a/note.txt", "/link"});
  Commit({"mv", "/a/b/b1.txt", "/a/renamed.txt"});
  Commit({"rm", "/a/b/b2.txt"});
  // Every version's hash, size and bounds (and fsck: every stored byte
  // against them), plus what readers see as of every third transaction.
  const Strings versions = Versions();
  ASSERT_GT(versions.size(), 20u);
  const int64_t last_before = last_txn_;
  const std::vector<std::string> before = Worlds(1, 3, last_before);
  const std::string log_before = Out({"log"});
  const int64_t files_before = LiveDataFiles();

  PondRun dry = Pond({"maintain", "--dry-run"});
  ASSERT_TRUE(Ok(dry));
  EXPECT_NE(dry.out.find("would compact 3 partitions"), std::string::npos) << dry.out;
  EXPECT_EQ(LiveDataFiles(), files_before);  // a dry run changes nothing

  PondRun run = Pond({"maintain"});
  ASSERT_TRUE(Ok(run));
  EXPECT_NE(run.out.find("compacted 3 partitions"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("  /a/b: "), std::string::npos) << run.out;
  const int64_t files_after = LiveDataFiles();
  EXPECT_LT(files_after, files_before);
  EXPECT_EQ(files_after, 3);  // /, /a and /a/b: one file each
  EXPECT_EQ(Versions(), versions);
  EXPECT_TRUE(Same(Worlds(1, 3, last_before), before));
  EXPECT_EQ(Out({"log"}), log_before);  // maintenance is no transaction

  // Nothing left to do, and the index rebuilt from the log agrees.
  EXPECT_NE(Out({"maintain"}).find("nothing to compact: 3 files"), std::string::npos);
  fs::remove_all(pond_ + "/cache");
  EXPECT_EQ(Versions(), versions);
  EXPECT_TRUE(Same(Worlds(1, 3, last_before), before));
  ExpectClean();

  // More commits, past a checkpoint written after the compaction: a rebuild
  // from that checkpoint reads the merged files.
  const int64_t first_late = last_txn_ + 1;
  for (int i = 0; i < 12; ++i) {
    Commit({"copy", Host("late.txt", "late " + std::to_string(i)), "/a/late.txt"});
  }
  const Strings later_versions = Versions();
  ASSERT_EQ(Strings(later_versions.begin(), later_versions.begin() + versions.size()), versions);
  const std::vector<std::string> late_worlds = {World(first_late), World(last_txn_)};
  fs::remove_all(pond_ + "/cache");
  EXPECT_EQ(Versions(), later_versions);
  EXPECT_TRUE(Same(Worlds(1, 3, last_before), before));
  EXPECT_TRUE(Same({World(first_late), World(last_txn_)}, late_worlds));
  EXPECT_TRUE(Ok(Pond({"maintain"})));
  EXPECT_EQ(Versions(), later_versions);
  EXPECT_TRUE(Same({World(last_txn_)}, {late_worlds.back()}));
  // A backup restored as of a transaction after the compaction (whose Delta
  // version the maintenance commit moved) holds that transaction.
  const std::string backup = dir_.path() + "/backup";
  ASSERT_TRUE(Ok(Pond({"remote", "add", "b", "file://" + backup})));
  ASSERT_TRUE(Ok(Pond({"push", "b"})));
  EXPECT_TRUE(Ok(Pond({"verify", "b"})));
  const std::string restored = dir_.path() + "/restored";
  const std::string txn = std::to_string(last_txn_ - 3);
  ASSERT_TRUE(Ok(Pond({"restore", "--as-of", txn, "file://" + backup, restored})));
  EXPECT_EQ(Out({"--pond", restored, "list", "-l", "/**"}),
            Out({"--as-of", txn, "list", "-l", "/**"}));
  EXPECT_EQ(Out({"--pond", restored, "cat", "/a/late.txt"}), "late 8");
  ExpectClean();
}

TEST_F(Maintain, RunsByItselfAtTheThresholdAndCanBeTurnedOff) {
  ASSERT_TRUE(Ok(Pond({"mkdir", "/d"})));
  ++last_txn_;
  PondRun set = Pond({"maintain", "--auto", "4"});
  ASSERT_TRUE(Ok(set));
  EXPECT_NE(set.out.find("once it holds 4 small files"), std::string::npos) << set.out;
  for (int i = 0; i < 24; ++i) {
    Commit({"copy", Host("f.txt", std::to_string(i)), "/d/f" + std::to_string(i) + ".txt"});
  }
  // Checked every 10 commits: never more than 4 + 10 small files in /d's
  // partition, where 25 would be without it.
  const int64_t compacted = LiveDataFiles();
  EXPECT_LE(compacted, 2 + 14) << "the root's files and /d's";
  const Strings versions = Versions();
  const int64_t last = last_txn_;
  const std::string world = World(last);
  EXPECT_NE(world.find("/f23.txt\n23\n"), std::string::npos) << world;
  ExpectClean();

  ASSERT_TRUE(Ok(Pond({"maintain", "--auto", "off"})));
  for (int i = 0; i < 12; ++i) {
    Commit({"copy", Host("g.txt", std::to_string(i)), "/d/g" + std::to_string(i) + ".txt"});
  }
  EXPECT_EQ(LiveDataFiles(), compacted + 12);
  fs::remove_all(pond_ + "/cache");
  const Strings rebuilt = Versions();
  ASSERT_GT(rebuilt.size(), versions.size());
  EXPECT_EQ(Strings(rebuilt.begin(), rebuilt.begin() + versions.size()), versions);
  EXPECT_TRUE(Same({World(last)}, {world}));
  EXPECT_NE(Out({"maintain", "--dry-run"}).find("automatic maintenance is off"), std::string::npos);
}

TEST_F(Maintain, RefusesWhatItCannotDoAndChangesNothing) {
  EXPECT_TRUE(Fails(Pond({"maintain", "--auto", "1"}), 2, "--auto takes 'off' or a whole number"));
  EXPECT_TRUE(Fails(Pond({"maintain", "--auto", "lots"}), 2, "not 'lots'"));
  EXPECT_TRUE(Fails(Pond({"maintain", "--auto", "5", "--dry-run"}), 2, "cannot be a dry run"));
  EXPECT_TRUE(Fails(Pond({"--as-of", "1", "maintain"}), 2, "--as-of"));
  EXPECT_TRUE(Fails(Pond({"maintain", "--min-files", "1"}), 2, "--min-files"));
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(Ok(Pond({"copy", Host("f.txt", std::to_string(i)), "/f.txt"})));
  }
  // A damaged data file: maintenance refuses, as every write does, and
  // leaves the log as it was.
  Strings files = DataFiles("part_id=");
  ASSERT_FALSE(files.empty());
  fs::resize_file(pond_ + "/data/" + files.back(), 10);
  fs::remove_all(pond_ + "/cache");
  const size_t commits = DataFiles("_delta_log/").size();
  EXPECT_TRUE(Fails(Pond({"maintain"}), 1, "writes are refused"));
  EXPECT_EQ(DataFiles("_delta_log/").size(), commits);
}

}  // namespace
}  // namespace pond::testing
