// s3:// remotes through the real binary, against two servers started here on
// 127.0.0.1: tests/s3/strict_s3.js (ours: checks every SigV4 signature,
// honours If-None-Match) and s3rver from the npm registry (plain reads,
// writes, listings, multipart); the AWS SDK for JavaScript reads back.
#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>

#include "e2e/node_server.h"
#include "e2e/remote_fixture.h"
#include "util/hash.h"

namespace pond::testing {
namespace {

const std::string kKeys = "AWS_ACCESS_KEY_ID=AKTEST AWS_SECRET_ACCESS_KEY=secret-key";
// s3rver's own (fixed) credentials.
const std::string kS3rverKeys = "AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER";

class S3Remotes : public Remotes {
 protected:
  PondRun S3(const Strings& args, const std::string& pond = "", const std::string& keys = kKeys) {
    return RunPond(args, keys + " POND=" + ShellQuote(pond.empty() ? pond_ : pond));
  }
  // A third-party client's view (the AWS SDK for JavaScript).
  std::string Sdk(const Strings& args, const std::string& keys = kKeys) {
    std::string cmd = keys + " NODE_NO_WARNINGS=1 node " +
                      ShellQuote(std::string(POND_SOURCE_DIR) + "/tests/s3/sdk.js");
    for (const std::string& a : args) cmd += " " + ShellQuote(a);
    std::string out;
    FILE* p = ::popen(cmd.c_str(), "r");
    char buf[4096];
    size_t n;
    while (p && (n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
    if (p) {
      EXPECT_EQ(::pclose(p), 0) << cmd;
    }
    return out;
  }
};

TEST_F(S3Remotes, SignedPushRestoreAndRefusals) {
  NodeServer server("strict_s3.js",
                    {"--bucket", "ponds", "--access-key", "AKTEST", "--secret", "secret-key"});
  ASSERT_TRUE(server.ok());
  const std::string url = "s3://ponds/field/one";
  ASSERT_TRUE(Ok(Pond({"mkdir", "/d"})));
  Write(0, 48);
  ASSERT_TRUE(Ok(S3({"remote", "add", "cloud", url, "--endpoint", server.endpoint()})));
  PondRun pushed = S3({"push"});
  ASSERT_TRUE(Ok(pushed));
  EXPECT_EQ(pushed.out.rfind("pushed 51 commits, ", 0), 0u) << pushed.out;
  EXPECT_TRUE(Ok(S3({"verify", "--deep"})));

  std::string restored = dir_.path() + "/restored";
  ASSERT_TRUE(Ok(S3({"restore", url, restored, "--endpoint", server.endpoint()}, restored)));
  EXPECT_EQ(Everything(restored), Everything(pond_));

  // Ten more: only their files and commits go.
  Write(100, 10);
  auto before = nlohmann::json::parse(Sdk({"list", server.endpoint(), "ponds", "field/one/"}));
  PondRun again = S3({"push", "cloud"});
  ASSERT_TRUE(Ok(again));
  // And the automatic maintenance at version 60 (/d then holds 59 small files).
  EXPECT_EQ(again.out.rfind("pushed 11 commits, ", 0), 0u) << again.out;
  auto after = nlohmann::json::parse(Sdk({"list", server.endpoint(), "ponds", "field/one/"}));
  std::set<std::string> old_keys;
  for (const auto& o : before) old_keys.insert(o["key"].get<std::string>());
  size_t new_blobs = 0;
  for (const auto& o : after) {
    std::string key = o["key"].get<std::string>();
    if (!old_keys.count(key) && key.find("/_large_files/") != std::string::npos) ++new_blobs;
  }
  EXPECT_EQ(new_blobs, 3u);  // files 102, 105, 108

  // A third-party client fetches a blob whose bytes match its name.
  std::string blob;
  for (const auto& o : after) {
    std::string key = o["key"].get<std::string>();
    if (key.find("_large_files/sha256=") != std::string::npos) blob = key;
  }
  ASSERT_FALSE(blob.empty());
  EXPECT_EQ(Sdk({"sha256", server.endpoint(), "ponds", blob}),
            blob.substr(blob.find("sha256=") + 7) + "\n");

  // Another pond may not push to this history; a wrong secret is one sentence.
  std::string other = dir_.path() + "/other";
  ASSERT_TRUE(Ok(RunPond({"init"}, "POND=" + ShellQuote(other))));
  EXPECT_TRUE(Fails(S3({"push", url, "--endpoint", server.endpoint()}, other), 1,
                    "holds another pond's history"));
  PondRun wrong = RunPond(
      {"push"}, "AWS_ACCESS_KEY_ID=AKTEST AWS_SECRET_ACCESS_KEY=nope POND=" + ShellQuote(pond_));
  EXPECT_TRUE(Fails(wrong, 1, "refused our credentials (SignatureDoesNotMatch)"));
  EXPECT_EQ(wrong.err.find("nope"), std::string::npos);  // the secret is never printed
  EXPECT_TRUE(Fails(
      RunPond({"push"}, "POND=" + ShellQuote(pond_) + " AWS_ACCESS_KEY_ID= AWS_SECRET_ACCESS_KEY="),
      1, "no S3 credentials"));
}

// Two ponds racing for one empty remote: put-if-absent lets exactly one
// history in; the other is refused, and the remote stays sound.
TEST_F(S3Remotes, RacingFirstPushesLeaveOneHistory) {
  NodeServer server("strict_s3.js",
                    {"--bucket", "ponds", "--access-key", "AKTEST", "--secret", "secret-key"});
  ASSERT_TRUE(server.ok());
  std::string url = "s3://ponds/race";
  std::vector<std::string> ponds;
  for (int i = 0; i < 4; ++i) {
    ponds.push_back(dir_.path() + "/p" + std::to_string(i));
    ASSERT_TRUE(Ok(RunPond({"init"}, "POND=" + ShellQuote(ponds.back()))));
  }
  std::string script;
  for (size_t i = 0; i < ponds.size(); ++i) {
    script += kKeys + " POND=" + ShellQuote(ponds[i]) + " " + ShellQuote(POND_BINARY) + " push " +
              url + " --endpoint " + server.endpoint() + " > " +
              ShellQuote(dir_.path() + "/out" + std::to_string(i)) + " 2>&1 &\n";
  }
  script += "wait\n";
  ASSERT_EQ(std::system(script.c_str()), 0);
  int winners = 0;
  for (size_t i = 0; i < ponds.size(); ++i) {
    std::ifstream in(dir_.path() + "/out" + std::to_string(i));
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (text.rfind("pushed 1 commit", 0) == 0) {
      ++winners;
      EXPECT_TRUE(Ok(S3({"verify", url, "--endpoint", server.endpoint()}, ponds[i])));
    } else {
      EXPECT_NE(text.find("pond: cannot push to " + url), std::string::npos) << text;
    }
  }
  EXPECT_EQ(winners, 1);
}

TEST_F(S3Remotes, RetriesSlowDownAndMultipartOnS3rver) {
  {
    NodeServer server("strict_s3.js", {"--bucket", "ponds", "--access-key", "AKTEST", "--secret",
                                       "secret-key", "--fail-puts", "3"});
    ASSERT_TRUE(server.ok());
    ASSERT_TRUE(Ok(Pond({"mkdir", "/d"})));
    PondRun r = S3({"push", "s3://ponds/x", "--endpoint", server.endpoint()});
    EXPECT_TRUE(Ok(r));  // three 503 SlowDown answers, then success
  }
  // A 40 MiB file: a multipart upload of 16 MiB parts.
  std::string big(40u << 20, '\0');
  for (size_t i = 0; i < big.size(); i += 4096) big[i] = static_cast<char>(i / 4096);
  ASSERT_TRUE(Ok(Pond({"copy", Host("big.bin", big), "/d/big.bin"})));
  NodeServer s3rver("s3rver.js", {"--dir", dir_.path() + "/s3rver", "--bucket", "plain"});
  ASSERT_TRUE(s3rver.ok());
  PondRun pushed = S3({"push", "s3://plain/p", "--endpoint", s3rver.endpoint()}, "", kS3rverKeys);
  ASSERT_TRUE(Ok(pushed));
  std::string key = "p/_large_files/sha256=" + Sha256Hex(big);
  EXPECT_EQ(Sdk({"sha256", s3rver.endpoint(), "plain", key}, kS3rverKeys), Sha256Hex(big) + "\n");
  std::string restored = dir_.path() + "/restored";
  ASSERT_TRUE(Ok(S3({"restore", "s3://plain/p", restored, "--endpoint", s3rver.endpoint()},
                    restored, kS3rverKeys)));
  EXPECT_EQ(RunPond({"cat", "/d/big.bin"}, "POND=" + ShellQuote(restored)).out, big);
  EXPECT_TRUE(Ok(
      S3({"verify", "s3://plain/p", "--endpoint", s3rver.endpoint(), "--deep"}, "", kS3rverKeys)));
}

// A pond read straight from the remote answers as the pond does, fetching
// each file once into the cache, and refuses writes.
TEST_F(S3Remotes, APondReadFromTheRemote) {
  NodeServer server("strict_s3.js",
                    {"--bucket", "ponds", "--access-key", "AKTEST", "--secret", "secret-key"});
  ASSERT_TRUE(server.ok());
  ASSERT_TRUE(Ok(Pond({"mkdir", "/d"})));
  Write(0, 4);
  ASSERT_TRUE(Ok(Pond(
      {"copy", "host+series://" + HostParquet("t.parquet", Hourly(kJan1, 30, 5)), "/d/t.series"})));
  ASSERT_TRUE(Ok(S3({"push", "s3://ponds/p", "--endpoint", server.endpoint()})));
  std::string cache = dir_.path() + "/xdg";
  std::string env = kKeys + " AWS_ENDPOINT_URL=" + server.endpoint() + " XDG_CACHE_HOME=" + cache;
  auto remote = [&](const Strings& args) {
    Strings all = {"--pond", "s3://ponds/p"};
    all.insert(all.end(), args.begin(), args.end());
    return RunPond(all, env);
  };
  const std::vector<Strings> reads = {{"list", "-l", "/**"},
                                      {"cat", "/d/f3"},
                                      {"log"},
                                      {"describe", "/d/t.series"},
                                      {"query", "SELECT count(*), avg(temp) FROM '/d/t.series'"},
                                      {"cat", "/d/t.series", "--format", "csv"}};
  for (const Strings& args : reads) {
    PondRun r = remote(args);
    EXPECT_TRUE(Ok(r)) << args[0];
    EXPECT_EQ(r.out, Out(args)) << args[0];
  }
  // Every object read is in the cache, fetched once: reading again leaves
  // the copies as they were.
  std::map<std::string, std::filesystem::file_time_type> copies;
  for (const auto& e : std::filesystem::recursive_directory_iterator(cache)) {
    if (e.is_regular_file() && e.path().string().find("/objects/") != std::string::npos) {
      copies[e.path().string()] = e.last_write_time();
    }
  }
  EXPECT_GE(copies.size(), 8u);
  for (const Strings& args : reads) EXPECT_TRUE(Ok(remote(args)));
  for (const auto& [path, time] : copies) EXPECT_EQ(std::filesystem::last_write_time(path), time);
  EXPECT_TRUE(Fails(remote({"mkdir", "/x"}), 1, "read-only here"));
  // file:// remotes read the same way.
  ASSERT_TRUE(Ok(Pond({"push", remote_})));
  PondRun local = RunPond({"--pond", remote_, "cat", "/d/f3"}, "XDG_CACHE_HOME=" + cache);
  EXPECT_TRUE(Ok(local));
  EXPECT_EQ(local.out, Out({"cat", "/d/f3"}));
}

// Credentials named in the remote's settings as ${env:VAR} (never the
// secret), listings in many pages, and a push after commit that fails warns.
TEST_F(S3Remotes, EnvReferencesPagesAndWarnings) {
  NodeServer server("strict_s3.js", {"--bucket", "ponds", "--access-key", "AKTEST", "--secret",
                                     "secret-key", "--max-keys", "3"});
  ASSERT_TRUE(server.ok());
  EXPECT_TRUE(Fails(Pond({"remote", "add", "c", "s3://ponds/q", "--access-key-id", "AKTEST",
                          "--secret-access-key", "secret-key"}),
                    2, "${env:VARIABLE}"));
  ASSERT_TRUE(Ok(
      Pond({"remote", "add", "c", "s3://ponds/q", "--endpoint", server.endpoint(),
            "--access-key-id", "${env:FIELD_ID}", "--secret-access-key", "${env:FIELD_SECRET}"})));
  std::string stored = Out({"cat", "/system/remotes/c"});
  EXPECT_NE(stored.find("${env:FIELD_SECRET}"), std::string::npos);
  EXPECT_EQ(stored.find("secret-key"), std::string::npos);
  ASSERT_TRUE(Ok(Pond({"mkdir", "/d"})));
  Write(0, 5);
  const std::string env = "FIELD_ID=AKTEST FIELD_SECRET=secret-key";
  PondRun pushed = Pond({"push"}, env);
  ASSERT_TRUE(Ok(pushed));
  EXPECT_TRUE(Fails(Pond({"push"}), 1, "FIELD_ID"));  // the variable is not set
  // Every listing came in pages of three keys.
  EXPECT_TRUE(Ok(Pond({"verify", "--deep"}, env)));
  EXPECT_EQ(Out({"push"}, env), "c is up to date\n");
  // A remote that wants every commit but cannot be reached: the command
  // succeeds and says so.
  PondRun added = Pond({"remote", "add", "gone", "s3://ponds/z", "--endpoint", "http://127.0.0.1:9",
                        "--push-after-commit"},
                       env);
  EXPECT_EQ(added.exit_code, 0);  // committed; its own push warned
  PondRun w = Pond({"mkdir", "/after"}, env + " AWS_ACCESS_KEY_ID=a AWS_SECRET_ACCESS_KEY=b");
  EXPECT_EQ(w.exit_code, 0);
  EXPECT_NE(w.err.find("pond: warning: cannot push to gone: "), std::string::npos) << w.err;
  EXPECT_TRUE(Ok(Pond({"list", "/after"})));
}

}  // namespace
}  // namespace pond::testing
