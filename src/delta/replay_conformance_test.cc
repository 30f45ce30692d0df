// Log replay over delta-rs tables that ship only their _delta_log: which files
// are live at each version, with and without `_last_checkpoint`.
#include <gtest/gtest.h>

#include "delta/snapshot.h"
#include "test_util.h"

namespace pond::delta {
namespace {

const char* kF1 = "part-00000-ad1a4bb7-07e8-4f40-b50b-49910d209e0c-c000.snappy.parquet";
const char* kF2 = "part-00000-a190be9e-e3df-439e-b366-06a863f51e99-c000.snappy.parquet";
const char* kF3 = "part-00000-70b1dcdf-0236-4f63-a072-124cdbafd8a0-c000.snappy.parquet";

std::vector<std::string> Live(ObjectStore& store, LazyParquetEngine& engine,
                              std::optional<int64_t> version, std::optional<int64_t>* cp) {
  auto s = LoadSnapshot(store, engine, version);
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  if (!s.ok()) return {};
  *cp = s->checkpoint_version;
  std::vector<std::string> out;
  for (const auto& [path, add] : s->files) out.push_back(path);
  return out;
}

TEST(ReplayConformanceTest, LiveFilesAtEveryVersion) {
  for (const char* name : {"latest_not_checkpointed", "with_checkpoint_no_last_checkpoint"}) {
    SCOPED_TRACE(name);
    ASSERT_OK_AND_ASSIGN(
        auto store, OpenLocalStore(testing::SharedDir() + "/delta-conformance/delta-rs/" + name));
    LazyParquetEngine engine;
    std::optional<int64_t> cp;
    EXPECT_TRUE(Live(*store, engine, 0, &cp).empty());
    EXPECT_EQ(Live(*store, engine, 1, &cp), std::vector<std::string>{kF1});
    EXPECT_FALSE(cp.has_value());
    EXPECT_EQ(Live(*store, engine, 2, &cp), std::vector<std::string>{kF2});
    EXPECT_EQ(cp, 2);  // read from the checkpoint, not replayed
    EXPECT_EQ(Live(*store, engine, 3, &cp), std::vector<std::string>{kF3});
    EXPECT_EQ(cp, 2);
    EXPECT_EQ(Live(*store, engine, std::nullopt, &cp), std::vector<std::string>{kF3});
    EXPECT_EQ(cp, 2);
  }
}

TEST(ReplayConformanceTest, SpecialPartitionPathsAreDecoded) {
  ASSERT_OK_AND_ASSIGN(auto store,
                       OpenLocalStore(testing::SharedDir() +
                                      "/delta-conformance/delta-rs/delta-0.8.0-special-partition"));
  LazyParquetEngine engine;
  ASSERT_OK_AND_ASSIGN(Snapshot s, LoadSnapshot(*store, engine));
  ASSERT_FALSE(s.files.empty());
  for (const auto& [path, add] : s.files) {
    // "x=A%252FA/..." in the log is the directory "x=A%2FA" on disk.
    EXPECT_TRUE(store->Stat(path).ok()) << path;
  }
  EXPECT_FALSE(engine.opened());  // no checkpoint: DuckDB never loaded
}

}  // namespace
}  // namespace pond::delta
