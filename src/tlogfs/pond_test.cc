#include "tlogfs/pond.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "delta/log_files.h"
#include "test_util.h"
#include "tinyfs/fs.h"

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

}  // namespace
}  // namespace pond::tlogfs
