// Remotes through the real binary: push, restore, pull, verify, and what
// they refuse (issue 9), on file:// remotes.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>

#include "e2e/remote_fixture.h"

namespace pond::testing {
namespace {

namespace fs = std::filesystem;

TEST_F(Remotes, PushRestoreAndPushAgainSendsOnlyWhatIsNew) {
  ASSERT_TRUE(Ok(Pond({"mkdir", "/d"})));
  Write(0, 49);  // 50 transactions with init... and mkdir: 51
  ASSERT_TRUE(Ok(Pond({"remote", "add", "backup", remote_})));
  EXPECT_EQ(Out({"remote", "list"}), "backup\t" + remote_ + "\n");
  std::string pushed = Out({"push"});
  // 49 + init + mkdir + add, and the automatic maintenance at version 50
  // (/d's partition then holds 50 small files): its merged file goes too.
  EXPECT_EQ(pushed.rfind("pushed 53 commits, ", 0), 0u) << pushed;
  EXPECT_EQ(Out({"push", "backup"}), "backup is up to date\n");

  // The remote is a Delta table with the pond's own keys.
  std::set<std::string> remote = RemoteFiles();
  EXPECT_TRUE(remote.count("_delta_log/00000000000000000000.json"));
  for (const std::string& key : DataFiles("")) {
    if (key.rfind("_delta_log/", 0) == 0 || key.find(".tmp-") != std::string::npos) continue;
    EXPECT_TRUE(remote.count(key)) << key;
  }

  std::string restored = dir_.path() + "/restored";
  PondRun r = RunPond({"restore", remote_, restored});
  ASSERT_TRUE(Ok(r));
  EXPECT_NE(r.out.find("restored transaction 52 "), std::string::npos) << r.out;
  std::string all = Everything(pond_);
  EXPECT_NE(all.find("pond copy"), std::string::npos);
  EXPECT_EQ(Everything(restored), all);

  // Ten more transactions: the next push sends their files and commits only.
  Write(100, 10);
  std::string again = Out({"push"});
  EXPECT_EQ(again.rfind("pushed 10 commits, ", 0), 0u) << again;
  std::set<std::string> after = RemoteFiles();
  std::set<std::string> added;
  for (const std::string& f : after) {
    if (!remote.count(f)) added.insert(f);
  }
  // What arrived: the ten commits (and a checkpoint), the three new blobs
  // (files 102, 105, 108), and exactly the data files those commits add.
  std::set<std::string> named;
  for (int v = 53; v <= 62; ++v) {
    char key[64];
    std::snprintf(key, sizeof key, "/data/_delta_log/%020d.json", v);
    std::ifstream in(pond_ + key);
    std::string line;
    while (std::getline(in, line)) {
      size_t at = line.find("\"path\":\"");
      if (line.rfind("{\"add\"", 0) == 0 && at != std::string::npos) {
        named.insert(line.substr(at + 8, line.find('"', at + 8) - at - 8));
      }
    }
  }
  ASSERT_FALSE(named.empty());
  size_t blobs = 0;
  std::set<std::string> data;
  for (const std::string& f : added) {
    if (f.rfind("_large_files/", 0) == 0) ++blobs;
    if (f.rfind("part_id=", 0) == 0) data.insert(f);
    EXPECT_TRUE(f.rfind("_delta_log/", 0) == 0 || f.rfind("_large_files/", 0) == 0 ||
                f.rfind("part_id=", 0) == 0)
        << f;
  }
  EXPECT_EQ(blobs, 3u);
  EXPECT_EQ(data, named);
  // An earlier state restores as it was.
  std::string earlier = dir_.path() + "/earlier";
  ASSERT_TRUE(Ok(RunPond({"restore", remote_, earlier, "--as-of", "52"})));
  EXPECT_EQ(Everything(earlier), all);
}

TEST_F(Remotes, RefusesAnotherPondAndADivergedHistory) {
  ASSERT_TRUE(Ok(Pond({"mkdir", "/d"})));
  ASSERT_TRUE(Ok(Pond({"push", remote_})));
  // Another pond pushing to the same remote.
  std::string other = dir_.path() + "/other";
  ASSERT_TRUE(Ok(RunPond({"init"}, "POND=" + ShellQuote(other))));
  EXPECT_TRUE(Fails(RunPond({"push", remote_}, "POND=" + ShellQuote(other)), 1,
                    "holds another pond's history"));
  // A restored copy that wrote on its own: the original can no longer push.
  std::string copy = dir_.path() + "/copy";
  ASSERT_TRUE(Ok(RunPond({"restore", remote_, copy})));
  ASSERT_TRUE(Ok(RunPond({"mkdir", "/e"}, "POND=" + ShellQuote(copy))));
  ASSERT_TRUE(Ok(RunPond({"push", remote_}, "POND=" + ShellQuote(copy))));
  ASSERT_TRUE(Ok(Pond({"mkdir", "/f"})));
  EXPECT_TRUE(Fails(Pond({"push", remote_}), 1, "diverged"));
  // A restore into a folder that holds something changes nothing there.
  Host("busy/x", "x");
  EXPECT_TRUE(Fails(RunPond({"restore", remote_, host_ + "/busy"}), 1, "not an empty folder"));
  EXPECT_TRUE(fs::exists(host_ + "/busy/x"));
  EXPECT_TRUE(Fails(Pond({"push"}), 2, "has no remote"));
  EXPECT_TRUE(Fails(Pond({"remote", "add", "x", "http://example.com/x"}), 1, "not a remote URL"));
  EXPECT_TRUE(Fails(Pond({"remote", "add", "bad/name", remote_}), 2, "a remote's name"));
}

TEST_F(Remotes, VerifyFindsMissingAndDamagedObjects) {
  ASSERT_TRUE(Ok(Pond({"mkdir", "/d"})));
  Write(0, 4);
  ASSERT_TRUE(Ok(Pond({"remote", "add", "b", remote_})));
  ASSERT_TRUE(Ok(Pond({"push"})));
  std::string sound = Out({"verify"});
  EXPECT_EQ(Lines(sound).size(), 1u);
  EXPECT_NE(sound.find(": sound"), std::string::npos) << sound;
  std::vector<std::string> blobs;
  for (const std::string& f : RemoteFiles()) {
    if (f.rfind("_large_files/", 0) == 0) blobs.push_back(f);
  }
  ASSERT_EQ(blobs.size(), 2u);  // files 0 and 3
  // Same size, one byte changed: only --deep sees it.
  {
    std::fstream f(remote_dir_ + "/" + blobs[0], std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(10);
    f.put('#');
  }
  EXPECT_TRUE(Ok(Pond({"verify"})));
  PondRun deep = Pond({"verify", "--deep"});
  EXPECT_EQ(deep.exit_code, 1);
  EXPECT_NE(deep.out.find("problem: blob " + blobs[0] + " is damaged"), std::string::npos)
      << deep.out;
  fs::remove(remote_dir_ + "/" + blobs[1]);
  PondRun missing = Pond({"verify"});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.out.find("problem: blob " + blobs[1] + " is missing"), std::string::npos)
      << missing.out;
  EXPECT_NE(missing.err.find("the remote has 1 problem"), std::string::npos) << missing.err;
}

TEST_F(Remotes, AnInterruptedPushIsFinishedByTheNext) {
  ASSERT_TRUE(Ok(Pond({"mkdir", "/d"})));
  Write(0, 6);
  ASSERT_TRUE(Ok(Pond({"push", remote_})));
  // As if killed part way: a push writes files first, then commits in
  // order, so a kill leaves a prefix of the commits and some of the files.
  for (const std::string& f : RemoteFiles()) {
    bool late_commit = f.rfind("_delta_log/0000000000000000000", 0) == 0 && f[30] >= '2';
    if (late_commit || f.rfind("_large_files/", 0) == 0) fs::remove(remote_dir_ + "/" + f);
  }
  std::string out = Out({"push", remote_});
  EXPECT_EQ(out.rfind("pushed 6 commits, ", 0), 0u) << out;
  EXPECT_TRUE(Ok(Pond({"verify", remote_, "--deep"})));
  std::string restored = dir_.path() + "/restored";
  ASSERT_TRUE(Ok(RunPond({"restore", remote_, restored})));
  EXPECT_EQ(Everything(restored), Everything(pond_));
}

TEST_F(Remotes, AFollowerPullsAndIsReadOnly) {
  ASSERT_TRUE(Ok(Pond({"mkdir", "/d"})));
  ASSERT_TRUE(Ok(Pond({"remote", "add", "b", remote_, "--push-after-commit"})));
  Write(0, 3);  // each pushed after its commit
  EXPECT_EQ(Out({"push"}), "b is up to date\n");
  std::string follower = dir_.path() + "/follower";
  std::string env = "POND=" + ShellQuote(follower);
  ASSERT_TRUE(Ok(RunPond({"restore", remote_, follower, "--follow"})));
  EXPECT_EQ(RunPond({"pull"}, env).out, "already up to date with " + remote_ + "\n");
  EXPECT_TRUE(Fails(RunPond({"mkdir", "/x"}, env), 1, "read-only here"));
  Write(10, 2);
  PondRun pulled = RunPond({"pull"}, env);
  ASSERT_TRUE(Ok(pulled));
  EXPECT_EQ(pulled.out.rfind("pulled 2 commits, ", 0), 0u) << pulled.out;
  EXPECT_EQ(Everything(follower), Everything(pond_));
  // The pond that pushes is no follower: pull refuses rather than make it read-only.
  EXPECT_TRUE(Fails(Pond({"pull"}), 1, "follows no remote"));
  EXPECT_TRUE(Ok(Pond({"mkdir", "/still-writable"})));
}

// A push killed at any moment leaves a remote the next push finishes.
TEST_F(Remotes, PushKilledAtAnyMomentIsFinishedByTheNext) {
  ASSERT_TRUE(Ok(Pond({"mkdir", "/d"})));
  Write(0, 12);
  std::string big(24u << 20, 'x');
  for (size_t i = 0; i < big.size(); i += 512) big[i] = static_cast<char>(i >> 9);
  ASSERT_TRUE(Ok(Pond({"copy", Host("big", big), "/d/big"})));
  for (int delay_ms : {5, 30, 60, 90, 120, 150}) {
    std::string target = remote_ + std::to_string(delay_ms);
    std::string cmd = "POND=" + ShellQuote(pond_) + " " + ShellQuote(POND_BINARY) + " push " +
                      target + " >/dev/null 2>&1 & pid=$!; sleep " +
                      std::to_string(delay_ms / 1000.0) + "; kill -9 $pid 2>/dev/null; wait $pid";
    (void)std::system(cmd.c_str());
    PondRun again = Pond({"push", target});
    EXPECT_TRUE(Ok(again)) << delay_ms;
    EXPECT_TRUE(Ok(Pond({"verify", target, "--deep"}))) << delay_ms;
    EXPECT_EQ(Out({"push", target}), target + " is up to date\n");
  }
}

// Found by attacking remotes as a user: each was a wrong answer, a failed
// command that changed something, or an unclear error.
TEST_F(Remotes, HostileCases) {
  ASSERT_TRUE(Ok(Pond({"mkdir", "/d"})));
  Write(0, 3);
  ASSERT_TRUE(Ok(Pond({"push", remote_})));
  // A restore with no folder, or into a missing parent, writes nothing.
  EXPECT_TRUE(Fails(RunPond({"restore", remote_, ""}), 2, "needs the new pond's folder"));
  EXPECT_TRUE(Fails(RunPond({"restore", remote_, host_ + "/no/such/dir"}), 1, "does not exist"));
  EXPECT_FALSE(fs::exists(host_ + "/no"));
  EXPECT_TRUE(Fails(RunPond({"restore", remote_, host_ + "/r", "--as-of", "0"}), 2, "--as-of"));
  // Push sends the whole history, and never into the pond itself.
  EXPECT_TRUE(Fails(Pond({"--as-of", "2", "push", remote_}), 2, "--as-of"));
  EXPECT_TRUE(Fails(Pond({"push", "file://" + pond_ + "/data/x"}), 1, "inside the pond"));
  EXPECT_TRUE(Fails(Pond({"push", "file://" + dir_.path()}), 1, "inside the pond or hold it"));
  EXPECT_TRUE(Fails(Pond({"push", "file://" + host_ + "/a%00b"}), 1, "NUL"));
  // Settings that are not a remote's: the write still succeeds, with a warning.
  ASSERT_TRUE(Ok(Pond({"mkdir", "-p", "/system/remotes"})));
  PondRun bad = Pond({"copy", Host("j", "{\"url\":\"file:///x\",\"push_after_commit\":\"yes\"}"),
                      "/system/remotes/j"});
  EXPECT_EQ(bad.exit_code, 0) << bad.err;
  EXPECT_NE(bad.err.find("warning: no push after commit"), std::string::npos) << bad.err;
  EXPECT_TRUE(Fails(Pond({"push", "j"}), 1, "does not hold a remote's settings"));
  EXPECT_TRUE(Ok(Pond({"rm", "/system/remotes/j"})));
  // A remote with a gap in its commits is not built upon.
  fs::remove(remote_dir_ + "/_delta_log/00000000000000000002.json");
  ASSERT_TRUE(Ok(Pond({"mkdir", "/e"})));
  EXPECT_TRUE(
      Fails(Pond({"push", remote_}), 1, "commit _delta_log/00000000000000000002.json is missing"));
  PondRun gap = Pond({"verify", remote_});
  EXPECT_EQ(gap.exit_code, 1);
  EXPECT_NE(gap.out.find("problem: commit _delta_log/00000000000000000002.json is missing"),
            std::string::npos)
      << gap.out;
}

// Checkpoints are checked against the commits, and damaged data files and
// inline contents are found.
TEST_F(Remotes, VerifyChecksCheckpointsAndDataFiles) {
  ASSERT_TRUE(Ok(Pond({"mkdir", "/d"})));
  Write(0, 22);  // checkpoints at Delta versions 10 and 20
  std::string other = "file://" + dir_.path() + "/other";
  ASSERT_TRUE(Ok(Pond({"push", remote_})));
  ASSERT_TRUE(Ok(Pond({"push", other})));
  EXPECT_TRUE(Ok(Pond({"verify", remote_, "--deep"})));
  std::string cp10 = remote_dir_ + "/_delta_log/00000000000000000010.checkpoint.parquet";
  std::string cp20 = remote_dir_ + "/_delta_log/00000000000000000020.checkpoint.parquet";
  ASSERT_TRUE(fs::exists(cp10) && fs::exists(cp20));
  fs::copy_file(cp10, cp20, fs::copy_options::overwrite_existing);
  PondRun r = Pond({"verify", remote_});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("checkpoint _delta_log/00000000000000000020.checkpoint.parquet names "
                       "other files"),
            std::string::npos)
      << r.out;
  // One byte changed in the middle of every data file of the other copy.
  for (const auto& e : fs::recursive_directory_iterator(dir_.path() + "/other")) {
    if (e.path().string().find("part_id=") == std::string::npos || !e.is_regular_file()) continue;
    std::fstream f(e.path(), std::ios::in | std::ios::out | std::ios::binary);
    f.seekg(static_cast<std::streamoff>(e.file_size() / 2));
    char c = static_cast<char>(f.get());
    f.seekp(static_cast<std::streamoff>(e.file_size() / 2));
    f.put(static_cast<char>(c ^ 0x20));
  }
  PondRun damaged = Pond({"verify", other, "--deep"});
  EXPECT_EQ(damaged.exit_code, 1) << damaged.out;
}

// A pond read in place from a folder that is then replaced by another pond
// answers with the new pond, never a mix.
TEST_F(Remotes, AReadInPlaceCacheNeverMixesPonds) {
  std::string cache = "XDG_CACHE_HOME=" + ShellQuote(dir_.path() + "/xdg");
  ASSERT_TRUE(Ok(Pond({"mkdir", "/old"})));
  ASSERT_TRUE(Ok(Pond({"push", remote_})));
  EXPECT_TRUE(Ok(RunPond({"--pond", remote_, "list", "/old"}, cache)));
  fs::remove_all(remote_dir_);
  std::string other = dir_.path() + "/other";
  ASSERT_TRUE(Ok(RunPond({"init"}, "POND=" + ShellQuote(other))));
  ASSERT_TRUE(Ok(RunPond({"mkdir", "/new"}, "POND=" + ShellQuote(other))));
  ASSERT_TRUE(Ok(RunPond({"push", remote_}, "POND=" + ShellQuote(other))));
  EXPECT_TRUE(Ok(RunPond({"--pond", remote_, "list", "/new"}, cache)));
  EXPECT_TRUE(Fails(RunPond({"--pond", remote_, "list", "/old"}, cache), 1, "does not exist"));
  EXPECT_EQ(RunPond({"--pond", remote_, "log"}, cache).out,
            RunPond({"log"}, "POND=" + ShellQuote(other)).out);
}

}  // namespace
}  // namespace pond::testing
