// One conformance suite for every ObjectStore, plus tests of what only the
// local store (host files) and the fault-injecting store do.
#include "storage/object_store.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <latch>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "storage/fault_store.h"
#include "test_util.h"

namespace pond {
namespace {

// Reads a whole object through a stream, in reads of `chunk` bytes.
Result<std::string> ReadAll(ObjectStore& store, const std::string& key, size_t chunk) {
  ASSIGN_OR_RETURN(std::unique_ptr<ReadStream> in, store.OpenRead(key));
  std::string out;
  std::vector<char> buf(chunk);
  while (true) {
    ASSIGN_OR_RETURN(size_t got, in->Read(buf.data(), buf.size()));
    if (got == 0) return out;
    out.append(buf.data(), got);
  }
}

std::vector<std::string> Keys(const std::vector<ObjectInfo>& infos) {
  std::vector<std::string> keys;
  for (const ObjectInfo& info : infos) keys.push_back(info.key);
  return keys;
}

// Every file name under host directory `dir`, at any depth, hidden ones included.
std::vector<std::string> HostFiles(const std::string& dir) {
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
    if (entry.is_regular_file()) names.push_back(entry.path().filename().string());
  }
  return names;
}

// ---------------------------------------------------------------------------
// Conformance suite: run against every implementation.

enum class Kind { kLocal, kMemory, kFaultOverMemory };

class ObjectStoreTest : public ::testing::TestWithParam<Kind> {
 protected:
  void SetUp() override {
    switch (GetParam()) {
      case Kind::kLocal: {
        auto opened = OpenLocalStore(dir_.path() + "/store");
        ASSERT_OK(opened.status());
        store_ = std::move(opened).value();
        break;
      }
      case Kind::kMemory:
        store_ = NewMemoryStore();
        break;
      case Kind::kFaultOverMemory:
        base_ = NewMemoryStore();
        store_ = std::make_unique<FaultInjectingStore>(*base_);
        break;
    }
  }
  // The store under test.
  ObjectStore& store() { return *store_; }

  testing::TempDir dir_;
  std::unique_ptr<ObjectStore> base_;  // what a decorator under test wraps
  std::unique_ptr<ObjectStore> store_;
};

TEST_P(ObjectStoreTest, PutThenGetAndOverwrite) {
  EXPECT_TRUE(store().Get("a/b.json").status().IsNotFound());
  ASSERT_OK(store().Put("a/b.json", "first"));
  ASSERT_OK_AND_ASSIGN(std::string got, store().Get("a/b.json"));
  EXPECT_EQ(got, "first");
  ASSERT_OK(store().Put("a/b.json", "second, longer"));
  ASSERT_OK_AND_ASSIGN(got, store().Get("a/b.json"));
  EXPECT_EQ(got, "second, longer");
  ASSERT_OK(store().Put("empty", ""));
  ASSERT_OK_AND_ASSIGN(got, store().Get("empty"));
  EXPECT_EQ(got, "");
  // Binary bytes, NULs included, round-trip unchanged.
  std::string binary("\0\x01\xff\n\0", 5);
  ASSERT_OK(store().Put("bin", binary));
  ASSERT_OK_AND_ASSIGN(got, store().Get("bin"));
  EXPECT_EQ(got, binary);
}

TEST_P(ObjectStoreTest, PutIfAbsentRefusesToOverwrite) {
  ASSERT_OK(store().PutIfAbsent("_delta_log/0.json", "original"));
  Status second = store().PutIfAbsent("_delta_log/0.json", "intruder");
  EXPECT_TRUE(second.IsAlreadyExists()) << second.ToString();
  ASSERT_OK_AND_ASSIGN(std::string got, store().Get("_delta_log/0.json"));
  EXPECT_EQ(got, "original");
  ASSERT_OK_AND_ASSIGN(std::vector<ObjectInfo> all, store().List(""));
  EXPECT_EQ(Keys(all), std::vector<std::string>{"_delta_log/0.json"});
}

TEST_P(ObjectStoreTest, StreamingWriteAndReadOfSeveralMiB) {
  std::string expected;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<WriteStream> out, store().OpenWrite("big/data.bin", false));
  for (int chunk = 0; chunk < 80; ++chunk) {  // 80 x 64 KiB = 5 MiB
    std::string bytes(64 * 1024, '\0');
    for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<char>((i * 31 + chunk) % 251);
    ASSERT_OK(out->Append(bytes));
    expected += bytes;
  }
  EXPECT_EQ(out->size(), expected.size());
  EXPECT_TRUE(store().Get("big/data.bin").status().IsNotFound()) << "visible before Commit";
  ASSERT_OK(out->Commit());
  ASSERT_OK_AND_ASSIGN(std::string got, ReadAll(store(), "big/data.bin", 100000));
  EXPECT_TRUE(got == expected) << "streamed bytes differ";
  ASSERT_OK_AND_ASSIGN(ObjectInfo info, store().Stat("big/data.bin"));
  EXPECT_EQ(info.size, expected.size());
}

// AppendFile after some Appends: the rest of a host file, from its offset,
// with every appended byte shown to the observer in order.
TEST_P(ObjectStoreTest, AppendFileCopiesTheRestOfAHostFileAndShowsItsBytes) {
  std::string body(19 * 1024 * 1024 + 12345, '\0');  // over two of the local store's pieces
  for (size_t i = 0; i < body.size(); ++i) body[i] = static_cast<char>((i * 7 + i / 4093) % 253);
  const std::string path = dir_.path() + "/host.bin";
  std::ofstream(path, std::ios::binary)
      .write(body.data(), static_cast<std::streamsize>(body.size()));
  int fd = ::open(path.c_str(), O_RDONLY);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::lseek(fd, 100, SEEK_SET), 100);  // from its offset: skip the first 100
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<WriteStream> out, store().OpenWrite("big/copy.bin", false));
  ASSERT_OK(out->Append("head:"));
  std::string seen;
  ASSERT_OK_AND_ASSIGN(uint64_t n, out->AppendFile(fd, [&](std::string_view bytes) {
    seen.append(bytes);
    return Status::OK();
  }));
  ::close(fd);
  EXPECT_EQ(n, body.size() - 100);
  EXPECT_EQ(out->size(), body.size() - 100 + 5);
  EXPECT_TRUE(seen == body.substr(100)) << "the observer saw other bytes";
  ASSERT_OK(out->Commit());
  ASSERT_OK_AND_ASSIGN(std::string got, store().Get("big/copy.bin"));
  EXPECT_TRUE(got == "head:" + body.substr(100)) << "the object holds other bytes";
}

// The observer's error stops the copy and publishes nothing; a pipe (which
// copy_file_range cannot read) is copied through a buffer.
TEST_P(ObjectStoreTest, AppendFileStopsAtTheObserversErrorAndReadsPipes) {
  int pipe_fds[2];
  ASSERT_EQ(::pipe(pipe_fds), 0);
  std::thread writer([&] {
    std::string chunk(1 << 20, 'p');
    for (int i = 0; i < 3; ++i) (void)!::write(pipe_fds[1], chunk.data(), chunk.size());
    ::close(pipe_fds[1]);
  });
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<WriteStream> out, store().OpenWrite("p.bin", false));
  ASSERT_OK_AND_ASSIGN(uint64_t n, out->AppendFile(pipe_fds[0], [](std::string_view b) {
    return b.find_first_not_of('p') == std::string_view::npos ? Status::OK()
                                                              : Status::Internal("not p");
  }));
  writer.join();
  ::close(pipe_fds[0]);
  EXPECT_EQ(n, 3u << 20);
  ASSERT_OK(out->Commit());

  const std::string path = dir_.path() + "/stop.bin";
  std::ofstream(path, std::ios::binary) << std::string(3 << 20, 'x');
  int fd = ::open(path.c_str(), O_RDONLY);
  ASSERT_GE(fd, 0);
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<WriteStream> stopped,
                       store().OpenWrite("stopped.bin", false));
  auto copied = stopped->AppendFile(fd, [](std::string_view) { return Status::Internal("stop"); });
  ::close(fd);
  EXPECT_EQ(copied.status().code(), StatusCode::kInternal);
  stopped.reset();
  EXPECT_TRUE(store().Stat("stopped.bin").status().IsNotFound());
}

TEST_P(ObjectStoreTest, UncommittedStreamPublishesNothing) {
  {
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<WriteStream> out, store().OpenWrite("dir/x", false));
    ASSERT_OK(out->Append("never committed"));
  }
  EXPECT_TRUE(store().Get("dir/x").status().IsNotFound());
  ASSERT_OK_AND_ASSIGN(std::vector<ObjectInfo> all, store().List(""));
  EXPECT_TRUE(all.empty());
}

TEST_P(ObjectStoreTest, CommitAsPublishesUnderTheKeyNamedLast) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<WriteStream> out, store().OpenWrite("staging/x", true));
  ASSERT_OK(out->Append("content"));
  ASSERT_OK(out->CommitAs("blobs/sha=abc"));
  ASSERT_OK_AND_ASSIGN(std::string got, store().Get("blobs/sha=abc"));
  EXPECT_EQ(got, "content");
  EXPECT_TRUE(store().Get("staging/x").status().IsNotFound());
  ASSERT_OK_AND_ASSIGN(std::vector<ObjectInfo> all, store().List(""));
  EXPECT_EQ(all.size(), 1u);
  // With if_absent, a second writer of the same content-addressed key is told.
  ASSERT_OK_AND_ASSIGN(out, store().OpenWrite("staging/y", true));
  ASSERT_OK(out->Append("other"));
  EXPECT_TRUE(out->CommitAs("blobs/sha=abc").IsAlreadyExists());
  ASSERT_OK_AND_ASSIGN(got, store().Get("blobs/sha=abc"));
  EXPECT_EQ(got, "content");
  ASSERT_OK_AND_ASSIGN(out, store().OpenWrite("staging/z", true));
  EXPECT_EQ(out->CommitAs("../escape").code(), StatusCode::kInvalidArgument);
}

TEST_P(ObjectStoreTest, IfAbsentStreamCommitOnExistingKey) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<WriteStream> out, store().OpenWrite("k", true));
  ASSERT_OK(out->Append("late"));
  ASSERT_OK(store().Put("k", "early"));  // another writer gets there first
  Status committed = out->Commit();
  EXPECT_TRUE(committed.IsAlreadyExists()) << committed.ToString();
  ASSERT_OK_AND_ASSIGN(std::string got, store().Get("k"));
  EXPECT_EQ(got, "early");
  // Without if_absent the same stream shape replaces.
  ASSERT_OK_AND_ASSIGN(out, store().OpenWrite("k", false));
  ASSERT_OK(out->Append("replaced"));
  ASSERT_OK(out->Commit());
  ASSERT_OK_AND_ASSIGN(got, store().Get("k"));
  EXPECT_EQ(got, "replaced");
}

TEST_P(ObjectStoreTest, ListByPrefixIsSortedAndExact) {
  for (const char* key : {"b", "a/c/d", "ab", "a/b"}) ASSERT_OK(store().Put(key, key));
  ASSERT_OK_AND_ASSIGN(std::vector<ObjectInfo> got, store().List("a/"));
  EXPECT_EQ(Keys(got), (std::vector<std::string>{"a/b", "a/c/d"}));
  ASSERT_OK_AND_ASSIGN(got, store().List("a"));
  EXPECT_EQ(Keys(got), (std::vector<std::string>{"a/b", "a/c/d", "ab"}));
  ASSERT_OK_AND_ASSIGN(got, store().List(""));
  EXPECT_EQ(Keys(got), (std::vector<std::string>{"a/b", "a/c/d", "ab", "b"}));
  ASSERT_OK_AND_ASSIGN(got, store().List("a/c"));
  EXPECT_EQ(Keys(got), (std::vector<std::string>{"a/c/d"}));
  ASSERT_OK_AND_ASSIGN(got, store().List("a/b"));
  EXPECT_EQ(Keys(got), (std::vector<std::string>{"a/b"}));
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].size, 3u);
  // Prefixes no key can have list nothing (and never escape the store).
  for (const char* prefix : {"c", "zz/", "missing/dir/", "/a", "../", "a//", "./a"}) {
    ASSERT_OK_AND_ASSIGN(got, store().List(prefix));
    EXPECT_TRUE(got.empty()) << "prefix '" << prefix << "'";
  }
  // ListKeys names exactly what List lists, for every prefix.
  ASSERT_OK_AND_ASSIGN(auto out, store().OpenWrite("a/unfinished", false));
  ASSERT_OK(out->Append("not yet"));  // a write in progress is no object
  for (const char* prefix :
       {"", "a", "a/", "a/c", "a/b", "b", "c", "zz/", "/a", "../", "a//", "./a"}) {
    ASSERT_OK_AND_ASSIGN(got, store().List(prefix));
    ASSERT_OK_AND_ASSIGN(std::vector<std::string> keys, store().ListKeys(prefix));
    std::sort(keys.begin(), keys.end());
    EXPECT_EQ(keys, Keys(got)) << "prefix '" << prefix << "'";
  }
}

TEST_P(ObjectStoreTest, DeleteAndNotFound) {
  ASSERT_OK(store().Put("x/y", "1"));
  ASSERT_OK(store().Delete("x/y"));
  EXPECT_TRUE(store().Get("x/y").status().IsNotFound());
  EXPECT_TRUE(store().Delete("x/y").IsNotFound());
  EXPECT_TRUE(store().Delete("never").IsNotFound());
  EXPECT_TRUE(store().Stat("x/y").status().IsNotFound());
  EXPECT_TRUE(store().OpenRead("x/y").status().IsNotFound());
  // "x" is at most a directory, never an object.
  EXPECT_TRUE(store().Get("x").status().IsNotFound());
  EXPECT_TRUE(store().Stat("x").status().IsNotFound());
  EXPECT_TRUE(store().Delete("x").IsNotFound());
  ASSERT_OK_AND_ASSIGN(std::vector<ObjectInfo> all, store().List(""));
  EXPECT_TRUE(all.empty());
}

TEST_P(ObjectStoreTest, StatGivesSizeAndTime) {
  ASSERT_OK(store().Put("s", std::string(1234, 'z')));
  ASSERT_OK_AND_ASSIGN(ObjectInfo info, store().Stat("s"));
  EXPECT_EQ(info.key, "s");
  EXPECT_EQ(info.size, 1234u);
  EXPECT_GT(info.modified_millis, 1'600'000'000'000);  // after 2020
}

TEST_P(ObjectStoreTest, InvalidKeysAreRefusedByEveryMethod) {
  const std::vector<std::string> bad = {"",     "/abs",   "a/../b",   "../x",
                                        "a//b", "./a",    "a/",       "..",
                                        "a/.",  ".tmp-x", "a/.tmp-1", std::string("a\0b", 3)};
  auto invalid = [](const Status& s) { return s.code() == StatusCode::kInvalidArgument; };
  for (const std::string& key : bad) {
    SCOPED_TRACE("key '" + key + "'");
    EXPECT_TRUE(invalid(ValidateKey(key)));
    EXPECT_TRUE(invalid(store().Get(key).status()));
    EXPECT_TRUE(invalid(store().OpenRead(key).status()));
    EXPECT_TRUE(invalid(store().Stat(key).status()));
    EXPECT_TRUE(invalid(store().Put(key, "x")));
    EXPECT_TRUE(invalid(store().PutIfAbsent(key, "x")));
    EXPECT_TRUE(invalid(store().OpenWrite(key, false).status()));
    EXPECT_TRUE(invalid(store().OpenWrite(key, true).status()));
    EXPECT_TRUE(invalid(store().Delete(key)));
    EXPECT_FALSE(store().LocalPath(key).has_value());
  }
  ASSERT_OK_AND_ASSIGN(std::vector<ObjectInfo> all, store().List(""));
  EXPECT_TRUE(all.empty());
  for (const char* good : {"a", "a/b", ".hidden", "a/..b", "_delta_log/0.json", "a/tmp-1"}) {
    EXPECT_OK(ValidateKey(good));
  }
}

TEST_P(ObjectStoreTest, RacingPutIfAbsentHasExactlyOneWinner) {
  constexpr int kWriters = 8;
  std::vector<Status> results(kWriters);
  std::latch start(kWriters);
  std::vector<std::thread> threads;
  for (int i = 0; i < kWriters; ++i) {
    threads.emplace_back([&, i] {
      start.arrive_and_wait();
      results[i] = store().PutIfAbsent("_delta_log/00000000000000000001.json",
                                       "writer " + std::to_string(i));
    });
  }
  for (std::thread& t : threads) t.join();
  int winner = -1;
  int lost = 0;
  for (int i = 0; i < kWriters; ++i) {
    if (results[i].ok()) {
      EXPECT_EQ(winner, -1) << "two winners";
      winner = i;
    } else {
      EXPECT_TRUE(results[i].IsAlreadyExists()) << results[i].ToString();
      ++lost;
    }
  }
  ASSERT_NE(winner, -1);
  EXPECT_EQ(lost, kWriters - 1);
  ASSERT_OK_AND_ASSIGN(std::string got, store().Get("_delta_log/00000000000000000001.json"));
  EXPECT_EQ(got, "writer " + std::to_string(winner));
  ASSERT_OK_AND_ASSIGN(std::vector<ObjectInfo> all, store().List(""));
  EXPECT_EQ(all.size(), 1u);
}

INSTANTIATE_TEST_SUITE_P(AllStores, ObjectStoreTest,
                         ::testing::Values(Kind::kLocal, Kind::kMemory, Kind::kFaultOverMemory),
                         [](const ::testing::TestParamInfo<Kind>& info) {
                           switch (info.param) {
                             case Kind::kLocal:
                               return std::string("Local");
                             case Kind::kMemory:
                               return std::string("Memory");
                             case Kind::kFaultOverMemory:
                               return std::string("FaultOverMemory");
                           }
                           return std::string("Unknown");
                         });

// ---------------------------------------------------------------------------
// Local store only: objects are host files.

class LocalStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = dir_.path() + "/pond";
    auto opened = OpenLocalStore(root_ + "/");  // a trailing '/' is tolerated
    ASSERT_OK(opened.status());
    store_ = std::move(opened).value();
  }

  testing::TempDir dir_;
  std::string root_;
  std::unique_ptr<ObjectStore> store_;
};

TEST_F(LocalStoreTest, ReadersDoNotCreateAMissingRoot) {
  std::string missing = dir_.path() + "/not/there";
  EXPECT_TRUE(OpenLocalStore(missing, /*create_if_missing=*/false).status().IsNotFound());
  EXPECT_FALSE(std::filesystem::exists(missing));
  ASSERT_OK(OpenLocalStore(root_, /*create_if_missing=*/false).status());  // exists: fine
}

TEST_F(LocalStoreTest, LocalPathPointsAtTheFile) {
  ASSERT_OK(store_->Put("data/part-0.parquet", "PAR1 bytes"));
  std::optional<std::string> path = store_->LocalPath("data/part-0.parquet");
  ASSERT_TRUE(path.has_value());
  EXPECT_EQ(*path, root_ + "/data/part-0.parquet");
  std::ifstream in(*path, std::ios::binary);
  std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(content, "PAR1 bytes");
  EXPECT_FALSE(NewMemoryStore()->LocalPath("data/part-0.parquet").has_value());
}

TEST_F(LocalStoreTest, LeftoverTempFilesAreNeverListed) {
  ASSERT_OK(store_->Put("_delta_log/00000000000000000000.json", "{}"));
  // What a crash between creating and publishing a temp file leaves behind.
  std::ofstream(root_ + "/_delta_log/.tmp-0190c0de-dead-7000-8000-000000000000") << "partial";
  std::ofstream(root_ + "/.tmp-top") << "partial";
  for (const char* prefix : {"", "_delta_log/", "_delta_log/0", "_delta_log/.tmp", ".tmp"}) {
    ASSERT_OK_AND_ASSIGN(std::vector<ObjectInfo> got, store_->List(prefix));
    std::vector<std::string> expected;
    if (std::string(prefix).find("tmp") == std::string::npos) {
      expected = {"_delta_log/00000000000000000000.json"};
    }
    EXPECT_EQ(Keys(got), expected) << "prefix '" << prefix << "'";
  }
}

TEST_F(LocalStoreTest, WritesLeaveNoTempFiles) {
  ASSERT_OK(store_->Put("d/a", "1"));
  ASSERT_OK(store_->PutIfAbsent("d/b", "2"));
  EXPECT_TRUE(store_->PutIfAbsent("d/b", "3").IsAlreadyExists());
  {
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<WriteStream> out, store_->OpenWrite("d/c", false));
    ASSERT_OK(out->Append("abandoned"));
    // While the stream is open its bytes sit in a hidden temp file, not in memory.
    std::vector<std::string> during = HostFiles(root_ + "/d");
    EXPECT_EQ(during.size(), 3u);
  }
  std::vector<std::string> files = HostFiles(root_);
  std::sort(files.begin(), files.end());
  EXPECT_EQ(files, (std::vector<std::string>{"a", "b"}));
}

TEST_F(LocalStoreTest, KeysWithSpacesAndUnicode) {
  const std::string key = "my dir/naïve café ☕ 日本.csv";
  ASSERT_OK(store_->Put(key, "x,y\n1,2\n"));
  ASSERT_OK_AND_ASSIGN(std::string got, store_->Get(key));
  EXPECT_EQ(got, "x,y\n1,2\n");
  ASSERT_OK_AND_ASSIGN(std::vector<ObjectInfo> listed, store_->List("my dir/"));
  EXPECT_EQ(Keys(listed), std::vector<std::string>{key});
  EXPECT_TRUE(std::filesystem::exists(root_ + "/" + key));
}

TEST_F(LocalStoreTest, ReopenSeesEarlierObjects) {
  ASSERT_OK(store_->Put("kept", "yes"));
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<ObjectStore> again, OpenLocalStore(root_));
  ASSERT_OK_AND_ASSIGN(std::string got, again->Get("kept"));
  EXPECT_EQ(got, "yes");
}

TEST_F(LocalStoreTest, SystemErrorsNameTheKey) {
  ASSERT_OK(store_->Put("file", "x"));
  // "file" is a file, so nothing can live beneath it.
  Status st = store_->Put("file/child", "y");
  EXPECT_EQ(st.code(), StatusCode::kIOError) << st.ToString();
  EXPECT_NE(st.message().find("'file/child'"), std::string::npos) << st.message();
  EXPECT_TRUE(store_->Get("file/child").status().IsNotFound());
  Status bad_root = OpenLocalStore(root_ + "/file/sub").status();
  EXPECT_EQ(bad_root.code(), StatusCode::kIOError) << bad_root.ToString();
  EXPECT_EQ(OpenLocalStore("").status().code(), StatusCode::kInvalidArgument);
}

// ---------------------------------------------------------------------------
// The fault-injecting store.

class FaultStoreTest : public ::testing::Test {
 protected:
  std::unique_ptr<ObjectStore> base_ = NewMemoryStore();
  FaultInjectingStore faults_{*base_};
};

TEST_F(FaultStoreTest, CrashAfterWritesLetsNThroughThenChangesNothing) {
  ASSERT_OK(faults_.Put("before", "1"));
  faults_.CrashAfterWrites(1);
  // A write that fails in the base store does not use up the allowance...
  EXPECT_TRUE(faults_.PutIfAbsent("before", "again").IsAlreadyExists());
  ASSERT_OK(faults_.Put("one", "1"));
  // ...but a successful one does, so from here every write fails.
  Status crashed = faults_.Put("two", "2");
  EXPECT_EQ(crashed.code(), StatusCode::kIOError);
  EXPECT_NE(crashed.message().find("simulated crash"), std::string::npos) << crashed.message();
  EXPECT_EQ(faults_.PutIfAbsent("three", "3").code(), StatusCode::kIOError);
  EXPECT_EQ(faults_.Put("one", "changed").code(), StatusCode::kIOError);
  EXPECT_EQ(faults_.Delete("before").code(), StatusCode::kIOError);
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<WriteStream> out, faults_.OpenWrite("four", false));
  ASSERT_OK(out->Append("4"));
  EXPECT_EQ(out->Commit().code(), StatusCode::kIOError);
  // Reads still work, through either store, and show only what was written before.
  ASSERT_OK_AND_ASSIGN(std::string got, faults_.Get("one"));
  EXPECT_EQ(got, "1");
  ASSERT_OK_AND_ASSIGN(std::vector<ObjectInfo> all, base_->List(""));
  EXPECT_EQ(Keys(all), (std::vector<std::string>{"before", "one"}));
  EXPECT_EQ(faults_.writes(), 2);
  faults_.Heal();
  ASSERT_OK(faults_.Put("two", "2"));
  EXPECT_EQ(faults_.writes(), 3);
}

TEST_F(FaultStoreTest, CrashAfterZeroWritesFailsAtOnce) {
  faults_.CrashAfterWrites(0);
  EXPECT_EQ(faults_.Put("a", "1").code(), StatusCode::kIOError);
  EXPECT_TRUE(base_->Get("a").status().IsNotFound());
  // A bad key stays the caller's error even during a crash.
  EXPECT_EQ(faults_.Put("../a", "1").code(), StatusCode::kInvalidArgument);
}

TEST_F(FaultStoreTest, FailWritesMatching) {
  ASSERT_OK(faults_.Put("_delta_log/0.json", "v0"));
  faults_.FailWritesMatching("_delta_log/");
  EXPECT_EQ(faults_.PutIfAbsent("_delta_log/1.json", "v1").code(), StatusCode::kIOError);
  EXPECT_EQ(faults_.Put("_delta_log/0.json", "changed").code(), StatusCode::kIOError);
  EXPECT_EQ(faults_.Delete("_delta_log/0.json").code(), StatusCode::kIOError);
  ASSERT_OK(faults_.Put("data/part-0.parquet", "p"));  // other keys are unaffected
  ASSERT_OK_AND_ASSIGN(std::vector<ObjectInfo> all, base_->List(""));
  EXPECT_EQ(Keys(all), (std::vector<std::string>{"_delta_log/0.json", "data/part-0.parquet"}));
  ASSERT_OK_AND_ASSIGN(std::string got, base_->Get("_delta_log/0.json"));
  EXPECT_EQ(got, "v0");
  faults_.FailWritesMatching("");
  ASSERT_OK(faults_.PutIfAbsent("_delta_log/1.json", "v1"));
}

TEST_F(FaultStoreTest, HookLetsAnotherWriterWinTheRace) {
  std::vector<std::string> seen;
  faults_.BeforePutIfAbsent([&](const std::string& key) {
    seen.push_back(key);
    ASSERT_OK(base_->Put(key, "the other writer"));
  });
  Status lost = faults_.PutIfAbsent("_delta_log/1.json", "mine");
  EXPECT_TRUE(lost.IsAlreadyExists()) << lost.ToString();
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<WriteStream> out,
                       faults_.OpenWrite("_delta_log/2.json", true));
  ASSERT_OK(out->Append("mine"));
  EXPECT_TRUE(out->Commit().IsAlreadyExists());
  ASSERT_OK(faults_.Put("_delta_log/3.json", "plain put: no hook"));
  EXPECT_EQ(seen, (std::vector<std::string>{"_delta_log/1.json", "_delta_log/2.json"}));
  ASSERT_OK_AND_ASSIGN(std::string got, base_->Get("_delta_log/1.json"));
  EXPECT_EQ(got, "the other writer");
  faults_.BeforePutIfAbsent(nullptr);
  ASSERT_OK(faults_.PutIfAbsent("_delta_log/4.json", "mine"));
}

TEST_F(FaultStoreTest, CountsReadsAndWrites) {
  ASSERT_OK(faults_.Put("a", "1"));
  ASSERT_OK(faults_.Get("a").status());
  ASSERT_OK(faults_.Stat("a").status());
  ASSERT_OK(faults_.List("").status());
  ASSERT_OK(faults_.OpenRead("a").status());
  ASSERT_OK(faults_.Delete("a"));
  EXPECT_EQ(faults_.writes(), 2);
  EXPECT_EQ(faults_.reads(), 4);
}

}  // namespace
}  // namespace pond
