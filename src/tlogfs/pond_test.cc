#include "tlogfs/pond.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "delta/log_files.h"
#include "oplog/record.h"
#include "storage/fault_store.h"
#include "test_util.h"
#include "tinyfs/fs.h"
#include "tlogfs/check.h"
#include "tlogfs/index.h"
#include "util/counters.h"

namespace pond::tlogfs {
namespace {

using tinyfs::EntryType;
using tinyfs::FS;
using tinyfs::InlineContent;

class PondTest : public ::testing::Test {
 protected:
  std::string Dir() const { return dir_.path() + "/pond"; }

  std::unique_ptr<Pond> Open(PondOptions options = {}) {
    auto pond = Pond::Open(Dir(), options);
    EXPECT_TRUE(pond.ok()) << pond.status().ToString();
    return pond.ok() ? std::move(*pond) : nullptr;
  }

  // Runs `body` on a fresh FS in one transaction and commits it.
  int64_t Txn(Pond& pond, const std::function<void(FS&)>& body) {
    FS fs(pond);
    EXPECT_TRUE(pond.Begin("test").ok());
    body(fs);
    auto seq = pond.Commit();
    EXPECT_TRUE(seq.ok()) << seq.status().ToString();
    return seq.ok() ? *seq : -1;
  }

  std::string Read(Pond& pond, const std::string& path) {
    FS fs(pond);
    auto node = fs.Resolve(path);
    if (!node.ok()) return "<" + node.status().message() + ">";
    auto text = fs.ReadFile(*node);
    return text.ok() ? *text : "<" + text.status().message() + ">";
  }

  testing::TempDir dir_;
};

TEST_F(PondTest, InitRefusesAnExistingPondAndOpenNeedsOne) {
  EXPECT_TRUE(Pond::Open(Dir()).status().IsNotFound());
  ASSERT_OK(Pond::Init(Dir(), "pond init").status());
  EXPECT_TRUE(Pond::Init(Dir(), "pond init").status().IsAlreadyExists());
  auto pond = Open();
  ASSERT_TRUE(pond);
  EXPECT_EQ(pond->last_txn(), 1);
  FS fs(*pond);
  ASSERT_OK_AND_ASSIGN(auto root, fs.Resolve("/"));
  ASSERT_OK_AND_ASSIGN(auto entries, fs.ReadDirectory(root));
  EXPECT_TRUE(entries.empty());
}

TEST_F(PondTest, WritesPersistAcrossOpensAndAsOfShowsThePast) {
  ASSERT_OK(Pond::Init(Dir(), "pond init").status());
  {
    auto pond = Open();
    EXPECT_EQ(
        Txn(*pond,
            [](FS& fs) {
              ASSERT_OK(fs.Mkdir("/a/b", true).status());
              ASSERT_OK(
                  fs.WriteFile("/a/b/f", EntryType::kFileData, InlineContent("one")).status());
            }),
        2);
    EXPECT_EQ(
        Txn(*pond,
            [](FS& fs) {
              ASSERT_OK(
                  fs.WriteFile("/a/b/f", EntryType::kFileData, InlineContent("two")).status());
              ASSERT_OK(fs.Rename("/a/b", "/a/c"));
            }),
        3);
  }
  auto pond = Open();
  EXPECT_EQ(Read(*pond, "/a/c/f"), "two");
  auto past = Open(PondOptions{.as_of = 2});
  EXPECT_EQ(Read(*past, "/a/b/f"), "one");
  EXPECT_TRUE(FS(*past).Resolve("/a/c").status().IsNotFound());
  EXPECT_FALSE(past->Begin("write").ok());  // the past is read-only
  EXPECT_TRUE(Pond::Open(Dir(), PondOptions{.as_of = 9}).status().IsNotFound());
}

TEST_F(PondTest, OneRowPerNewNodeVersion) {
  ASSERT_OK(Pond::Init(Dir(), "pond init").status());
  auto pond = Open();
  int64_t seq = Txn(*pond, [](FS& fs) {
    ASSERT_OK(fs.WriteFile("/new", EntryType::kFileData, InlineContent("x")).status());
  });
  ASSERT_OK_AND_ASSIGN(auto rows, pond->index().Records("", INT64_MIN, INT64_MAX, kLatest, 100));
  int file_rows = 0, dir_rows = 0;
  for (const auto& r : rows) {
    if (r.txn_seq != seq) continue;
    file_rows += r.entry_type == "file:data";
    dir_rows += r.entry_type == "directory";
  }
  EXPECT_EQ(file_rows, 1);  // the regression the original design had: two rows for one file
  EXPECT_EQ(dir_rows, 1);   // the root's new version
  // And the Delta table agrees, read back from the Parquet files.
  ASSERT_OK_AND_ASSIGN(auto snapshot, pond->table().LoadSnapshot());
  EXPECT_EQ(snapshot.files.size(), 2u);  // init's root row, then one file for the root partition
}

TEST_F(PondTest, LargeContentGoesToOneSharedBlob) {
  ASSERT_OK(Pond::Init(Dir(), "pond init").status());
  auto pond = Open();
  std::string big(200 * 1024, 'z');
  Txn(*pond, [&](FS& fs) {
    for (const char* name : {"/big1", "/big2"}) {
      ASSERT_OK_AND_ASSIGN(auto writer, fs.persistence().NewContent());
      for (size_t off = 0; off < big.size(); off += 7000) {
        ASSERT_OK(writer->Append(std::string_view(big).substr(off, 7000)));
      }
      ASSERT_OK_AND_ASSIGN(auto ref, writer->Finish());
      EXPECT_FALSE(ref.inline_bytes.has_value());
      ASSERT_OK(fs.WriteFile(name, EntryType::kFileData, ref).status());
    }
  });
  auto reopened = Open();
  EXPECT_EQ(Read(*reopened, "/big1"), big);
  EXPECT_EQ(Read(*reopened, "/big2"), big);
  ASSERT_OK_AND_ASSIGN(auto blobs, reopened->store().List("_large_files/"));
  ASSERT_EQ(blobs.size(), 1u);
  EXPECT_EQ(blobs[0].size, big.size());
}

TEST_F(PondTest, IndexIsRebuiltWhenLostOrBehind) {
  ASSERT_OK(Pond::Init(Dir(), "pond init").status());
  {
    auto pond = Open();
    for (int i = 0; i < 3; ++i) {
      Txn(*pond, [i](FS& fs) {
        ASSERT_OK(fs.WriteFile("/f" + std::to_string(i), EntryType::kFileData,
                               InlineContent("v" + std::to_string(i)))
                      .status());
      });
    }
  }
  // Lost: the whole cache folder goes.
  std::filesystem::remove_all(Dir() + "/cache");
  {
    auto pond = Open();
    EXPECT_EQ(pond->last_txn(), 4);
    EXPECT_EQ(Read(*pond, "/f2"), "v2");
    ASSERT_OK_AND_ASSIGN(auto txns, pond->index().Transactions(kLatest, 10));
    ASSERT_EQ(txns.size(), 4u);
    EXPECT_EQ(txns[0].command, "test");
  }
  // Behind: a copy of the index from before the last transaction.
  std::filesystem::copy_file(Dir() + "/cache/index.sqlite", dir_.path() + "/old.sqlite");
  {
    auto pond = Open();
    Txn(*pond, [](FS& fs) {
      ASSERT_OK(fs.WriteFile("/late", EntryType::kFileData, InlineContent("L")).status());
    });
  }
  for (const char* suffix : {"-wal", "-shm"})
    std::filesystem::remove(Dir() + "/cache/index.sqlite" + suffix);
  std::filesystem::copy_file(dir_.path() + "/old.sqlite", Dir() + "/cache/index.sqlite",
                             std::filesystem::copy_options::overwrite_existing);
  auto pond = Open();
  EXPECT_EQ(Read(*pond, "/late"), "L");
  EXPECT_EQ(pond->last_txn(), 5);
  // Garbage in place of the index is replaced too.
  pond.reset();
  for (const char* suffix : {"", "-wal", "-shm"})
    std::filesystem::remove(Dir() + "/cache/index.sqlite" + suffix);
  FILE* f = std::fopen((Dir() + "/cache/index.sqlite").c_str(), "w");
  std::fputs("this is not a database, just junk text for the test", f);
  std::fclose(f);
  auto again = Open();
  EXPECT_EQ(Read(*again, "/f0"), "v0");
}

TEST_F(PondTest, SecondWriterWaitsThenFailsCleanly) {
  ASSERT_OK(Pond::Init(Dir(), "pond init").status());
  auto first = Open();
  auto second = Open(PondOptions{.lock_timeout_ms = 50});
  ASSERT_OK(first->Begin("first"));
  Status st = second->Begin("second");
  EXPECT_TRUE(st.IsConflict()) << st.ToString();
  EXPECT_NE(st.message().find("another pond command is writing"), std::string::npos);
  // Readers are not blocked.
  EXPECT_NE(Read(*second, "/nothing").find("does not exist"), std::string::npos);
  first->Abort();
  ASSERT_OK(second->Begin("second"));
  second->Abort();
}

TEST_F(PondTest, AbortAndEmptyTransactionsWriteNothing) {
  ASSERT_OK(Pond::Init(Dir(), "pond init").status());
  auto pond = Open();
  ASSERT_OK(pond->Begin("nothing"));
  ASSERT_OK_AND_ASSIGN(int64_t seq, pond->Commit());
  EXPECT_EQ(seq, 1);
  FS fs(*pond);
  ASSERT_OK(pond->Begin("aborted"));
  ASSERT_OK(fs.Mkdir("/gone", false).status());
  pond->Abort();
  EXPECT_TRUE(fs.Resolve("/gone").status().IsNotFound());
  EXPECT_FALSE(pond->store().Stat(delta::CommitKey(1)).ok());
}

// Content of `n` bytes that does not repeat within a blob.
std::string Bytes(size_t n, char seed) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>((i * 131 + seed) % 251);
  return s;
}

std::string BigContent(int round, int which) {
  return Bytes(100000, static_cast<char>(round * 2 + which));
}

// A transaction that touches several partitions and writes two blobs.
Status WriteSome(FS& fs, int round) {
  std::string r = "/r" + std::to_string(round);
  RETURN_IF_ERROR(fs.Mkdir(r + "/sub", true).status());
  RETURN_IF_ERROR(
      fs.WriteFile(r + "/small", EntryType::kFileData, InlineContent("s" + r)).status());
  int which = 0;
  for (const char* name : {"/big1", "/sub/big2"}) {
    ASSIGN_OR_RETURN(auto writer, fs.persistence().NewContent());
    RETURN_IF_ERROR(writer->Append(BigContent(round, which++)));
    ASSIGN_OR_RETURN(auto ref, writer->Finish());
    RETURN_IF_ERROR(fs.WriteFile(r + name, EntryType::kFileData, ref).status());
  }
  return Status::OK();
}

// A pond lives on any ObjectStore: here one in memory, so every byte goes
// through the store (nothing can take a host-file shortcut).
TEST_F(PondTest, APondRunsOnAStoreThatIsNotOnTheHost) {
  auto store = NewMemoryStore();
  ObjectStore& base = *store;
  struct Borrowed : FaultInjectingStore {
    using FaultInjectingStore::FaultInjectingStore;
    std::optional<std::string> LocalPath(const std::string&) const override { return std::nullopt; }
  };
  auto open = [&]() {
    return Pond::OpenOn(std::make_unique<Borrowed>(base), dir_.path() + "/local");
  };
  ASSERT_OK(
      Pond::InitOn(std::make_unique<Borrowed>(base), dir_.path() + "/local", "init").status());
  {
    ASSERT_OK_AND_ASSIGN(auto pond, open());
    Txn(*pond, [](FS& fs) { ASSERT_OK(WriteSome(fs, 1)); });
  }
  std::filesystem::remove_all(dir_.path() + "/local/cache");  // rebuilt from the store
  ASSERT_OK_AND_ASSIGN(auto pond, open());
  EXPECT_EQ(Read(*pond, "/r1/small"), "s/r1");
  EXPECT_TRUE(Read(*pond, "/r1/sub/big2") == BigContent(1, 1));
  ASSERT_OK_AND_ASSIGN(auto report, CheckPond(*pond));
  EXPECT_TRUE(report.problems.empty()) << report.problems.front();
  EXPECT_EQ(report.blobs, 2);
}

// A crash after any number of store writes leaves the old pond or the new one,
// and never a commit that names a file the store does not hold: data files
// and blobs are written before the commit that names them.
TEST_F(PondTest, ACrashAtAnyWriteIsAllOrNothing) {
  for (int n = 0;; ++n) {
    SCOPED_TRACE(n);
    testing::TempDir local;
    auto base = NewMemoryStore();
    ASSERT_OK(
        Pond::InitOn(std::make_unique<FaultInjectingStore>(*base), local.path(), "init").status());
    auto faulty = std::make_unique<FaultInjectingStore>(*base);
    FaultInjectingStore* fault = faulty.get();
    ASSERT_OK_AND_ASSIGN(auto pond, Pond::OpenOn(std::move(faulty), local.path()));
    fault->CrashAfterWrites(n);
    FS fs(*pond);
    ASSERT_OK(pond->Begin("crash test"));
    Status wrote = WriteSome(fs, 1);
    Result<int64_t> committed = wrote.ok() ? pond->Commit() : Result<int64_t>(wrote);
    if (!wrote.ok()) pond->Abort();
    pond.reset();
    // Reopen on the base store, as after a restart, with the cache gone.
    std::filesystem::remove_all(local.path() + "/cache");
    ASSERT_OK_AND_ASSIGN(auto after,
                         Pond::OpenOn(std::make_unique<FaultInjectingStore>(*base), local.path()));
    ASSERT_OK_AND_ASSIGN(auto report, CheckPond(*after));
    EXPECT_TRUE(report.problems.empty()) << report.problems.front();
    if (committed.ok()) {
      EXPECT_EQ(after->last_txn(), 2);
      EXPECT_TRUE(Read(*after, "/r1/sub/big2") == BigContent(1, 1));
      break;  // enough writes to succeed: every crash point before it was tried
    }
    EXPECT_EQ(after->last_txn(), 1);
    EXPECT_TRUE(FS(*after).Resolve("/r1").status().IsNotFound());
    ASSERT_LT(n, 100);
  }
}

// Every read of one Pond sees one transaction, however many commit meanwhile.
TEST_F(PondTest, ReadsArePinnedToTheTransactionAtOpen) {
  ASSERT_OK(Pond::Init(Dir(), "pond init").status());
  {
    auto writer = Open();
    Txn(*writer, [](FS& fs) {
      ASSERT_OK(fs.Mkdir("/from/dir", true).status());
      ASSERT_OK(fs.Mkdir("/to", true).status());
      ASSERT_OK(fs.WriteFile("/from/dir/f", EntryType::kFileData, InlineContent("f")).status());
    });
  }
  auto reader = Open();
  {
    auto writer = Open();
    Txn(*writer, [](FS& fs) { ASSERT_OK(fs.Rename("/from/dir", "/to/dir")); });
    Txn(*writer, [](FS& fs) {
      ASSERT_OK(fs.WriteFile("/to/dir/f", EntryType::kFileData, InlineContent("new")).status());
    });
  }
  FS fs(*reader);
  ASSERT_OK_AND_ASSIGN(auto matches, fs.Glob("/**/f"));
  ASSERT_EQ(matches.size(), 1u);  // seen once, where it was at open
  EXPECT_EQ(matches[0].path, "/from/dir/f");
  EXPECT_EQ(Read(*reader, "/from/dir/f"), "f");
  EXPECT_TRUE(fs.Resolve("/to/dir").status().IsNotFound());
  EXPECT_EQ(reader->read_view(), 2);
  EXPECT_EQ(Read(*Open(), "/to/dir/f"), "new");
}

// A store that publishes a commit and then reports an error (a lost reply):
// the pond reports the transaction committed, once.
TEST_F(PondTest, ACommitThatTookEffectIsReportedAsSuccess) {
  struct Lying : FaultInjectingStore {
    using FaultInjectingStore::FaultInjectingStore;
    bool lie = false;
    Status PutIfAbsent(const std::string& key, std::string_view data) override {
      Status st = FaultInjectingStore::PutIfAbsent(key, data);
      if (st.ok() && lie && key.starts_with("_delta_log/")) return Status::IOError("reply lost");
      return st;
    }
  };
  auto base = NewMemoryStore();
  testing::TempDir local;
  ASSERT_OK(
      Pond::InitOn(std::make_unique<FaultInjectingStore>(*base), local.path(), "init").status());
  auto lying = std::make_unique<Lying>(*base);
  Lying* raw = lying.get();
  ASSERT_OK_AND_ASSIGN(auto pond, Pond::OpenOn(std::move(lying), local.path()));
  raw->lie = true;
  EXPECT_EQ(Txn(*pond, [](FS& fs) { ASSERT_OK(fs.Mkdir("/once", false).status()); }), 2);
  raw->lie = false;
  EXPECT_EQ(Txn(*pond, [](FS& fs) { ASSERT_OK(fs.Mkdir("/twice", false).status()); }), 3);
  ASSERT_OK_AND_ASSIGN(auto reopened,
                       Pond::OpenOn(std::make_unique<FaultInjectingStore>(*base), local.path()));
  ASSERT_OK_AND_ASSIGN(auto txns, reopened->index().Transactions(kLatest, 10));
  EXPECT_EQ(txns.size(), 3u);
}

// The names of a pond directory, in order.
std::vector<std::string> Names(FS& fs, const std::string& path) {
  std::vector<std::string> names;
  auto dir = fs.Resolve(path);
  if (!dir.ok()) return {"<" + dir.status().message() + ">"};
  auto entries = fs.ReadDirectory(*dir);
  if (!entries.ok()) return {"<" + entries.status().message() + ">"};
  for (const auto& e : entries.value()) names.push_back(e.name);
  return names;
}

// Writes `n` files of 1 KiB under `dir`: about 1.3 MiB of changes per 1,000,
// so that a few thousand outgrow what a transaction holds in memory.
void WriteMany(FS& fs, const std::string& dir, int n, char seed) {
  for (int i = 0; i < n; ++i) {
    ASSERT_OK(fs.WriteFile(dir + "/f" + std::to_string(i), EntryType::kFileData,
                           InlineContent(Bytes(1024, static_cast<char>(seed + i))))
                  .status());
  }
}

// A transaction larger than memory holds is written out as it goes: its
// reads see its own earlier writes (a new version of a written-out file, a
// removal and a rename of written-out entries), other readers see none of it
// until the commit, and the log holds the same pond as the index.
TEST_F(PondTest, ALargeTransactionIsWrittenOutAsItGoesAndReadsItsOwnWrites) {
  ASSERT_OK(Pond::Init(Dir(), "pond init").status());
  auto pond = Open();
  const int64_t files_before = GlobalCounters().data_files_written.load();
  FS fs(*pond);
  ASSERT_OK(pond->Begin("large"));
  ASSERT_OK(fs.Mkdir("/big/d0", true).status());
  ASSERT_OK(fs.Mkdir("/big/d1", true).status());
  WriteMany(fs, "/big/d0", 1500, 'a');
  WriteMany(fs, "/big/d1", 1500, 'b');
  // Written out already: data files, before any commit.
  EXPECT_GT(GlobalCounters().data_files_written.load(), files_before);
  EXPECT_FALSE(pond->store().Stat(delta::CommitKey(1)).ok());
  // Another reader sees the pond as committed.
  EXPECT_TRUE(FS(*Open()).Resolve("/big").status().IsNotFound());
  // This transaction sees its own writes, written out or not.
  EXPECT_EQ(Read(*pond, "/big/d0/f7"), Bytes(1024, 'a' + 7));
  EXPECT_EQ(Names(fs, "/big/d1").size(), 1500u);
  ASSERT_OK(fs.WriteFile("/big/d0/f7", EntryType::kFileData, InlineContent("seven")).status());
  ASSERT_OK(fs.Remove("/big/d0/f8", false));
  ASSERT_OK(fs.Rename("/big/d1/f9", "/big/moved"));
  ASSERT_OK(fs.Mkdir("/big/d1/later", false).status());
  WriteMany(fs, "/big/d1/later", 2000, 'c');  // another flush after the changes above
  EXPECT_EQ(Read(*pond, "/big/d0/f7"), "seven");
  EXPECT_TRUE(fs.Resolve("/big/d0/f8").status().IsNotFound());
  EXPECT_EQ(Names(fs, "/big"), (std::vector<std::string>{"d0", "d1", "moved"}));
  ASSERT_OK(fs.WriteFile("/big/d0/f8", EntryType::kFileData, InlineContent("back")).status());
  ASSERT_OK_AND_ASSIGN(int64_t seq, pond->Commit());
  EXPECT_EQ(seq, 2);

  // The same pond from the index, and from the log alone.
  for (bool rebuilt : {false, true}) {
    SCOPED_TRACE(rebuilt ? "rebuilt from the log" : "the index");
    if (rebuilt) std::filesystem::remove_all(Dir() + "/cache");
    auto after = Open();
    FS read(*after);
    EXPECT_EQ(after->last_txn(), 2);
    EXPECT_EQ(Read(*after, "/big/d0/f7"), "seven");
    EXPECT_EQ(Read(*after, "/big/d0/f8"), "back");
    EXPECT_EQ(Read(*after, "/big/d0/f1499"), Bytes(1024, static_cast<char>('a' + 1499)));
    EXPECT_EQ(Read(*after, "/big/moved"), Bytes(1024, 'b' + 9));
    EXPECT_EQ(Read(*after, "/big/d1/later/f1999"), Bytes(1024, static_cast<char>('c' + 1999)));
    EXPECT_EQ(Names(read, "/big"), (std::vector<std::string>{"d0", "d1", "moved"}));
    EXPECT_EQ(Names(read, "/big/d0").size(), 1500u);
    EXPECT_EQ(Names(read, "/big/d1").size(), 1500u);  // 1,499 files and "later"
    EXPECT_EQ(Names(read, "/big/d1/later").size(), 2000u);
    ASSERT_OK_AND_ASSIGN(auto f7, read.Resolve("/big/d0/f7"));
    ASSERT_OK_AND_ASSIGN(auto versions, read.Versions(f7));
    ASSERT_EQ(versions.size(), 2u);  // one transaction, two versions
    EXPECT_EQ(versions[1].txn_seq, 2);
    ASSERT_OK_AND_ASSIGN(auto txns, after->index().Transactions(kLatest, 10));
    ASSERT_EQ(txns.size(), 2u);
    ASSERT_OK_AND_ASSIGN(auto report, CheckPond(*after));
    EXPECT_TRUE(report.problems.empty()) << report.problems.front();
  }
}

// An aborted large transaction leaves nothing in the index: the next one
// takes its number and commits.
TEST_F(PondTest, AnAbortedLargeTransactionLeavesTheIndexAsItWas) {
  ASSERT_OK(Pond::Init(Dir(), "pond init").status());
  auto data_files = [&] {
    int n = 0;
    for (const auto& e : std::filesystem::recursive_directory_iterator(Dir() + "/data")) {
      n += e.path().extension() == ".parquet" &&
           e.path().string().find("_delta_log") == std::string::npos;
    }
    return n;
  };
  const int files_at_init = data_files();
  {
    auto pond = Open();
    FS fs(*pond);
    ASSERT_OK(pond->Begin("aborted"));
    ASSERT_OK(fs.Mkdir("/gone", false).status());
    WriteMany(fs, "/gone", 3000, 'g');
    EXPECT_GT(data_files(), files_at_init);  // written out
    pond->Abort();
    EXPECT_EQ(data_files(), files_at_init);  // and removed: no commit names them
    EXPECT_TRUE(fs.Resolve("/gone").status().IsNotFound());
    ASSERT_OK_AND_ASSIGN(auto rows, pond->index().Records("", INT64_MIN, INT64_MAX, kLatest, 10));
    EXPECT_EQ(rows.size(), 1u);  // init's root
    EXPECT_EQ(Txn(*pond, [](FS& fs) { ASSERT_OK(fs.Mkdir("/kept", false).status()); }), 2);
  }
  {
    // A Pond closed with its transaction open (a command that failed) leaves
    // the same; a killed process is CrashTest's.
    auto pond = Open();
    FS fs(*pond);
    ASSERT_OK(pond->Begin("killed"));
    ASSERT_OK(fs.Mkdir("/lost", false).status());
    WriteMany(fs, "/lost", 3000, 'l');
  }
  auto pond = Open();
  FS fs(*pond);
  EXPECT_TRUE(fs.Resolve("/lost").status().IsNotFound());
  EXPECT_EQ(Names(fs, "/"), (std::vector<std::string>{"kept"}));
  ASSERT_OK_AND_ASSIGN(auto rows, pond->index().Records("", INT64_MIN, INT64_MAX, kLatest, 10));
  EXPECT_EQ(rows.size(), 3u);  // init's root; then the root's second version and /kept
  ASSERT_OK_AND_ASSIGN(auto report, CheckPond(*pond));
  EXPECT_TRUE(report.problems.empty()) << report.problems.front();
}

// The index keeps the statements a lookup runs prepared between calls: each
// call must still see its own arguments, its own view, and every change
// committed since the last one; and a kept statement must not stop the file
// from closing cleanly.
oplog::Record DirVersion(int64_t version, int64_t txn_seq,
                         const std::vector<oplog::DirChange>& changes) {
  oplog::Record r;
  r.part_id = tinyfs::kRootId;
  r.node_id = tinyfs::kRootId;
  r.version = version;
  r.entry_type = "directory";
  r.timestamp = txn_seq;
  r.content = oplog::EncodeDirChanges(changes);
  r.size = static_cast<int64_t>(r.content->size());
  r.txn_seq = txn_seq;
  return r;
}

oplog::Record FileVersion(const std::string& node, const std::string& bytes, int64_t txn_seq) {
  oplog::Record r;
  r.part_id = tinyfs::kRootId;
  r.node_id = node;
  r.version = 1;
  r.entry_type = "file:data";
  r.timestamp = txn_seq;
  r.content = bytes;
  r.size = static_cast<int64_t>(bytes.size());
  r.txn_seq = txn_seq;
  return r;
}

TEST(IndexTest, KeptLookupStatementsSeeEachCallsViewAndEveryChange) {
  testing::TempDir dir;
  const std::string path = dir.path() + "/index.sqlite";
  using Op = oplog::DirChange::Op;
  {
    ASSERT_OK_AND_ASSIGN(auto index, Index::OpenFile(path));
    IndexState state{"table", 0, 1, ""};
    ASSERT_OK(index->Replace(
        state,
        {{TxnRow{1, 0, 1, "one", 2},
          {DirVersion(1, 1, {{Op::kAdd, "a", "n1", "file:data"}}), FileVersion("n1", "one", 1)}}},
        {}));
    for (int round = 0; round < 3; ++round) {
      ASSERT_OK_AND_ASSIGN(auto a, index->Lookup(tinyfs::kRootId, "a", kLatest));
      ASSERT_TRUE(a.has_value());
      EXPECT_EQ(a->child, "n1");
      ASSERT_OK_AND_ASSIGN(auto none, index->Lookup(tinyfs::kRootId, "b", kLatest));
      EXPECT_FALSE(none.has_value());
    }
    // Transaction 2 renames a to b and adds n2 as c.
    ASSERT_OK(index->Apply(TxnRow{2, 1, 2, "two", 2},
                           {DirVersion(2, 2,
                                       {{Op::kRemove, "a", "", ""},
                                        {Op::kAdd, "b", "n1", "file:data"},
                                        {Op::kAdd, "c", "n2", "file:data"}}),
                            FileVersion("n2", "two", 2)},
                           "table", ""));
    for (int round = 0; round < 3; ++round) {
      ASSERT_OK_AND_ASSIGN(auto old_a, index->Lookup(tinyfs::kRootId, "a", 1));
      ASSERT_TRUE(old_a.has_value());
      ASSERT_OK_AND_ASSIGN(auto new_a, index->Lookup(tinyfs::kRootId, "a", kLatest));
      EXPECT_FALSE(new_a.has_value());
      ASSERT_OK_AND_ASSIGN(auto b, index->Lookup(tinyfs::kRootId, "b", kLatest));
      ASSERT_TRUE(b.has_value());
      EXPECT_EQ(b->child, "n1");
      ASSERT_OK_AND_ASSIGN(auto then, index->List(tinyfs::kRootId, 1));
      ASSERT_EQ(then.size(), 1u);
      EXPECT_EQ(then[0].name, "a");
      ASSERT_OK_AND_ASSIGN(auto now, index->List(tinyfs::kRootId, kLatest));
      ASSERT_EQ(now.size(), 2u);
      EXPECT_EQ(now[0].name, "b");
      EXPECT_EQ(now[1].name, "c");
      ASSERT_OK_AND_ASSIGN(auto one, index->Content("n1", 1, kLatest));
      ASSERT_TRUE(one.has_value());
      EXPECT_EQ(one->inline_bytes, std::optional<std::string>("one"));
      ASSERT_OK_AND_ASSIGN(auto two_then, index->Content("n2", 1, 1));
      EXPECT_FALSE(two_then.has_value());
      ASSERT_OK_AND_ASSIGN(auto two, index->Content("n2", 1, kLatest));
      ASSERT_TRUE(two.has_value());
      EXPECT_EQ(two->inline_bytes, std::optional<std::string>("two"));
    }
  }
  // Closed with its kept statements: the file holds everything, and no
  // write-ahead log is left beside it.
  EXPECT_FALSE(std::filesystem::exists(path + "-wal"));
  ASSERT_OK_AND_ASSIGN(auto again, Index::OpenFile(path));
  ASSERT_OK_AND_ASSIGN(IndexState state, again->State());
  EXPECT_EQ(state.delta_version, 1);
  ASSERT_OK_AND_ASSIGN(auto c, again->Lookup(tinyfs::kRootId, "c", kLatest));
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->child, "n2");
}

}  // namespace
}  // namespace pond::tlogfs
