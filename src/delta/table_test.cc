#include "delta/table.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "delta/log_files.h"
#include "delta/schema.h"
#include "storage/fault_store.h"
#include "test_util.h"

namespace pond::delta {
namespace {

Metadata TestMetadata() {
  Metadata m;
  m.id = "test-table";
  m.schema_string = SchemaString({{"x", "long", true}, {"part", "string", true}});
  m.partition_columns = {"part"};
  return m;
}

Action Add(const std::string& path, std::optional<std::string> part = "a") {
  AddFile f;
  f.path = path;
  f.partition_values = {{"part", part}};
  f.size = 100;
  f.modification_time = 1;
  return Action::Of(f);
}

Action Remove(const std::string& path) {
  RemoveFile r;
  r.path = path;
  r.deletion_timestamp = 4102444800000;  // far future: kept as a tombstone
  return Action::Of(r);
}

std::vector<std::string> LivePaths(const Snapshot& s) {
  std::vector<std::string> out;
  for (const auto& [path, add] : s.files) out.push_back(path);
  return out;
}

// Builds versions 0..n: version v adds f<v> and, from v=2 on, removes f<v-2>.
void BuildTable(DeltaTable& table, int n) {
  ASSERT_OK(table.Create(TestMetadata(), {Add("f0")}).status());
  for (int v = 1; v <= n; ++v) {
    std::vector<Action> actions{Add("f" + std::to_string(v))};
    if (v >= 2) actions.push_back(Remove("f" + std::to_string(v - 2)));
    ASSERT_OK_AND_ASSIGN(int64_t got, table.Commit(v - 1, actions));
    ASSERT_EQ(got, v);
    ASSERT_OK(table.last_checkpoint_status());
  }
}

std::vector<std::string> Expected(int v) {
  if (v == 0) return {"f0"};
  std::vector<std::string> out{"f" + std::to_string(v - 1), "f" + std::to_string(v)};
  std::sort(out.begin(), out.end());
  return out;
}

TEST(DeltaTableTest, EveryVersionReadsBackWithCheckpoints) {
  auto store = NewMemoryStore();
  DeltaTable table(*store, TableOptions{.checkpoint_interval = 4});
  BuildTable(table, 13);
  ASSERT_TRUE(store->Stat(CheckpointKey(4)).ok());
  ASSERT_TRUE(store->Stat(CheckpointKey(12)).ok());
  ASSERT_EQ(ReadLastCheckpointHint(*store)->version, 12);
  for (int v = 0; v <= 13; ++v) {
    ASSERT_OK_AND_ASSIGN(Snapshot s, table.LoadSnapshot(v));
    EXPECT_EQ(s.version, v);
    EXPECT_EQ(LivePaths(s), Expected(v)) << "version " << v;
    EXPECT_EQ(s.metadata.id, "test-table");
    if (v >= 4) {
      EXPECT_EQ(s.checkpoint_version, v - v % 4) << "version " << v;
    }
  }
  ASSERT_OK_AND_ASSIGN(Snapshot latest, table.LoadSnapshot());
  EXPECT_EQ(latest.version, 13);
  EXPECT_EQ(latest.checkpoint_version, 12);
  EXPECT_EQ(latest.commits_replayed, 1);
  EXPECT_EQ(LivePaths(latest), Expected(13));
  EXPECT_TRUE(latest.tombstones.count("f11"));
}

TEST(DeltaTableTest, StaleOrGarbageLastCheckpointFallsBackToListing) {
  auto store = NewMemoryStore();
  DeltaTable table(*store, TableOptions{.checkpoint_interval = 4});
  BuildTable(table, 9);
  for (const char* hint : {"not json", R"({"version":4})", R"({"version":77})", R"({"size":1})"}) {
    ASSERT_OK(store->Put(kLastCheckpointKey, hint));
    ASSERT_OK_AND_ASSIGN(Snapshot s, table.LoadSnapshot());
    EXPECT_EQ(s.version, 9) << hint;
    EXPECT_EQ(LivePaths(s), Expected(9)) << hint;
  }
  ASSERT_OK(store->Delete(kLastCheckpointKey));
  ASSERT_OK_AND_ASSIGN(Snapshot s, table.LoadSnapshot());
  EXPECT_EQ(s.checkpoint_version, 8);
  EXPECT_EQ(LivePaths(s), Expected(9));
}

TEST(DeltaTableTest, CreateRefusesAnExistingTable) {
  auto store = NewMemoryStore();
  DeltaTable table(*store);
  ASSERT_OK(table.Create(TestMetadata(), {}).status());
  auto again = table.Create(TestMetadata(), {});
  EXPECT_TRUE(again.status().IsAlreadyExists());
}

TEST(DeltaTableTest, MissingVersionAndMissingTableAreNotFound) {
  auto store = NewMemoryStore();
  DeltaTable table(*store);
  EXPECT_TRUE(table.LoadSnapshot().status().IsNotFound());
  ASSERT_OK(table.Create(TestMetadata(), {}).status());
  EXPECT_TRUE(table.LoadSnapshot(5).status().IsNotFound());
}

TEST(DeltaTableFaultTest, CrashBeforeCommitLeavesPreviousVersion) {
  auto base = NewMemoryStore();
  FaultInjectingStore faulty(*base);
  DeltaTable table(faulty);
  ASSERT_OK(table.Create(TestMetadata(), {Add("f0")}).status());
  // The writer puts its data file, then "crashes" before the commit file lands.
  ASSERT_OK(faulty.Put("part=a/f1.parquet", "data"));
  faulty.CrashAfterWrites(0);
  auto committed = table.Commit(0, {Add("part=a/f1.parquet")});
  EXPECT_EQ(committed.status().code(), StatusCode::kIOError);

  DeltaTable reopened(*base);
  ASSERT_OK_AND_ASSIGN(Snapshot s, reopened.LoadSnapshot());
  EXPECT_EQ(s.version, 0);
  EXPECT_EQ(LivePaths(s), std::vector<std::string>{"f0"});
  EXPECT_FALSE(base->Stat(CommitKey(1)).ok());
  // After the crash a new writer commits version 1 normally.
  ASSERT_OK_AND_ASSIGN(int64_t v, reopened.Commit(0, {Add("part=a/f1.parquet")}));
  EXPECT_EQ(v, 1);
}

TEST(DeltaTableFaultTest, RacingWritersOneWinsOneConflicts) {
  auto base = NewMemoryStore();
  FaultInjectingStore faulty(*base);
  DeltaTable a(faulty);
  DeltaTable b(*base);
  ASSERT_OK(a.Create(TestMetadata(), {}).status());
  std::string b_text;
  // Just before A's put-if-absent of version 1, B commits version 1.
  faulty.BeforePutIfAbsent([&](const std::string& key) {
    if (key == CommitKey(1) && b_text.empty()) {
      ASSERT_OK(b.Commit(0, {Add("from-b")}).status());
      b_text = *base->Get(CommitKey(1));
    }
  });
  auto committed = a.Commit(0, {Add("from-a")});
  EXPECT_TRUE(committed.status().IsConflict()) << committed.status().ToString();
  EXPECT_EQ(*base->Get(CommitKey(1)), b_text);  // never overwritten
  ASSERT_OK_AND_ASSIGN(Snapshot s, b.LoadSnapshot());
  EXPECT_EQ(s.version, 1);
  EXPECT_EQ(LivePaths(s), std::vector<std::string>{"from-b"});
}

TEST(DeltaTableFaultTest, BlindAppendRetriesPastARival) {
  auto base = NewMemoryStore();
  FaultInjectingStore faulty(*base);
  DeltaTable a(faulty);
  DeltaTable b(*base);
  ASSERT_OK(a.Create(TestMetadata(), {}).status());
  bool raced = false;
  faulty.BeforePutIfAbsent([&](const std::string& key) {
    if (!raced) {
      raced = true;
      ASSERT_OK(b.Commit(0, {Add("from-b")}).status());
    }
  });
  ASSERT_OK_AND_ASSIGN(int64_t v,
                       a.Commit(0, {Add("from-a")}, CommitOptions{.blind_append = true}));
  EXPECT_EQ(v, 2);
  ASSERT_OK_AND_ASSIGN(Snapshot s, a.LoadSnapshot());
  EXPECT_EQ(LivePaths(s), (std::vector<std::string>{"from-a", "from-b"}));
}

TEST(DeltaTableFaultTest, ConcurrentThreadsLoseNoCommit) {
  testing::TempDir dir;
  ASSERT_OK_AND_ASSIGN(auto store, OpenLocalStore(dir.path()));
  DeltaTable creator(*store, TableOptions{.checkpoint_interval = 0});
  ASSERT_OK(creator.Create(TestMetadata(), {}).status());
  constexpr int kThreads = 8, kEach = 5;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      DeltaTable table(*store, TableOptions{.checkpoint_interval = 0});
      for (int i = 0; i < kEach; ++i) {
        auto v = table.Commit(0, {Add("t" + std::to_string(t) + "-" + std::to_string(i))},
                              CommitOptions{.blind_append = true, .max_retries = 1000});
        if (!v.ok()) failures++;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  ASSERT_OK_AND_ASSIGN(Snapshot s, creator.LoadSnapshot());
  EXPECT_EQ(s.version, kThreads * kEach);
  EXPECT_EQ(s.files.size(), static_cast<size_t>(kThreads * kEach));
}

TEST(DeltaTableFaultTest, CorruptLogFilesGiveClearErrors) {
  auto store = NewMemoryStore();
  DeltaTable table(*store, TableOptions{.checkpoint_interval = 2});
  BuildTable(table, 3);
  std::string good = *store->Get(CommitKey(3));

  ASSERT_OK(store->Put(CommitKey(3), good.substr(0, good.size() / 2)));  // torn write
  auto torn = table.LoadSnapshot();
  ASSERT_EQ(torn.status().code(), StatusCode::kCorruption);
  EXPECT_NE(torn.status().message().find("00000000000000000003.json"), std::string::npos)
      << torn.status().message();

  ASSERT_OK(store->Put(CommitKey(3), "\x01\x02garbage"));
  EXPECT_EQ(table.LoadSnapshot().status().code(), StatusCode::kCorruption);
  ASSERT_OK(store->Put(CommitKey(3), good));

  // A damaged checkpoint is a lost shortcut while the commits before it are
  // there: the log is replayed without it, and the snapshot says so.
  ASSERT_OK(store->Put(CheckpointKey(2), "PAR1 not really parquet"));
  ASSERT_OK_AND_ASSIGN(Snapshot replayed, table.LoadSnapshot());
  EXPECT_EQ(replayed.version, 3);
  EXPECT_FALSE(replayed.checkpoint_version.has_value());
  EXPECT_EQ(LivePaths(replayed), Expected(3));
  ASSERT_EQ(replayed.warnings.size(), 1u);
  EXPECT_NE(replayed.warnings[0].find("00000000000000000002.checkpoint.parquet"), std::string::npos)
      << replayed.warnings[0];
  // Once the commits it covers are cleaned up, it is the only way in: an error naming it.
  ASSERT_OK(store->Delete(CommitKey(0)));
  ASSERT_OK(store->Delete(CommitKey(1)));
  auto bad_cp = table.LoadSnapshot();
  ASSERT_FALSE(bad_cp.ok());
  EXPECT_NE(bad_cp.status().message().find("00000000000000000002.checkpoint.parquet"),
            std::string::npos)
      << bad_cp.status().message();
  ASSERT_OK(store->Put(CheckpointKey(2), ""));
  EXPECT_FALSE(table.LoadSnapshot(2).ok());
}

TEST(DeltaTableFaultTest, AWrongLastCheckpointHintIsIgnoredAndAGapAfterTheCheckpointIsFound) {
  auto store = NewMemoryStore();
  DeltaTable table(*store, TableOptions{.checkpoint_interval = 4});
  BuildTable(table, 6);
  // The hint names a checkpoint that is not there: the listing decides.
  ASSERT_OK(store->Put(kLastCheckpointKey, R"({"version":40,"size":3})"));
  ASSERT_OK_AND_ASSIGN(Snapshot s, table.LoadSnapshot());
  EXPECT_EQ(s.version, 6);
  EXPECT_EQ(s.checkpoint_version, 4);
  EXPECT_EQ(LivePaths(s), Expected(6));
  // A gap after the newest checkpoint is corruption naming the missing commit,
  // even when later commits are there.
  ASSERT_OK(table.Commit(6, {}).status());
  ASSERT_OK(store->Delete(CommitKey(6)));
  auto gap = table.LoadSnapshot();
  ASSERT_EQ(gap.status().code(), StatusCode::kCorruption);
  EXPECT_NE(gap.status().message().find("00000000000000000006.json"), std::string::npos)
      << gap.status().message();
}

// A store whose PutIfAbsent takes effect and then reports an I/O error, as a
// lost reply or a failed fsync after the name was published would.
class LyingStore : public ObjectStore {
 public:
  explicit LyingStore(ObjectStore& base) : base_(base) {}
  bool lie = false;
  Result<std::string> Get(const std::string& k) override { return base_.Get(k); }
  Result<std::unique_ptr<ReadStream>> OpenRead(const std::string& k) override {
    return base_.OpenRead(k);
  }
  Result<ObjectInfo> Stat(const std::string& k) override { return base_.Stat(k); }
  Status Put(const std::string& k, std::string_view d) override { return base_.Put(k, d); }
  Status PutIfAbsent(const std::string& k, std::string_view d) override {
    Status st = base_.PutIfAbsent(k, d);
    if (st.ok() && lie) return Status::IOError("the reply was lost");
    return st;
  }
  Result<std::unique_ptr<WriteStream>> OpenWrite(const std::string& k, bool a) override {
    return base_.OpenWrite(k, a);
  }
  Result<std::vector<ObjectInfo>> List(const std::string& p) override { return base_.List(p); }
  Status Delete(const std::string& k) override { return base_.Delete(k); }
  std::optional<std::string> LocalPath(const std::string& k) const override {
    return base_.LocalPath(k);
  }

 private:
  ObjectStore& base_;
};

TEST(DeltaTableFaultTest, ACommitThatTookEffectDespiteAnErrorIsReportedAsCommitted) {
  auto base = NewMemoryStore();
  LyingStore store(*base);
  DeltaTable table(store, TableOptions{.checkpoint_interval = 0});
  BuildTable(table, 2);
  store.lie = true;
  // Reporting failure here would make the caller commit the same change again.
  ASSERT_OK_AND_ASSIGN(int64_t v, table.Commit(2, {}));
  EXPECT_EQ(v, 3);
  // A real failure (nothing was written) is still a failure.
  FaultInjectingStore failing(*base);
  DeltaTable other(failing, TableOptions{.checkpoint_interval = 0});
  failing.FailWritesMatching("_delta_log/");
  EXPECT_EQ(other.Commit(3, {}).status().code(), StatusCode::kIOError);
  EXPECT_TRUE(base->Stat(CommitKey(4)).status().IsNotFound());
}

TEST(DeltaTableFaultTest, GapsMissingProtocolAndNewReadersAreRefused) {
  auto store = NewMemoryStore();
  DeltaTable table(*store, TableOptions{.checkpoint_interval = 0});
  BuildTable(table, 3);
  ASSERT_OK(store->Delete(CommitKey(1)));
  EXPECT_EQ(table.LoadSnapshot().status().code(), StatusCode::kCorruption);

  auto s2 = NewMemoryStore();
  ASSERT_OK(s2->Put(CommitKey(0), R"({"metaData":{"id":"x","schemaString":"{}"}})"));
  auto no_protocol = DeltaTable(*s2).LoadSnapshot();
  EXPECT_NE(no_protocol.status().message().find("protocol"), std::string::npos);

  auto s3 = NewMemoryStore();
  ASSERT_OK(s3->Put(CommitKey(0), R"({"protocol":{"minReaderVersion":3,"minWriterVersion":7}})"
                                  "\n"
                                  R"({"metaData":{"id":"x","schemaString":"{}"}})"));
  EXPECT_EQ(DeltaTable(*s3).LoadSnapshot().status().code(), StatusCode::kNotSupported);
  EXPECT_EQ(CheckWritable(Protocol{1, 7}).code(), StatusCode::kNotSupported);
  EXPECT_OK(CheckWritable(Protocol{1, 2}));
}

}  // namespace
}  // namespace pond::delta
