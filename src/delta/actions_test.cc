#include "delta/actions.h"

#include <gtest/gtest.h>

#include "delta/log_files.h"
#include "delta/schema.h"
#include "test_util.h"

namespace pond::delta {
namespace {

TEST(ActionsTest, ParsesEveryKindAndIgnoresUnknown) {
  std::string text =
      R"({"protocol":{"minReaderVersion":1,"minWriterVersion":2}})"
      "\n"
      R"({"metaData":{"id":"m","format":{"provider":"parquet","options":{}},"schemaString":"{\"type\":\"struct\",\"fields\":[]}","partitionColumns":["p"],"configuration":{"k":"v"},"createdTime":5}})"
      "\n"
      R"({"add":{"path":"p=a%20b/f.parquet","partitionValues":{"p":"a b","q":null},"size":10,"modificationTime":7,"dataChange":true,"stats":"{}","unknownField":1}})"
      "\n"
      R"({"remove":{"path":"old.parquet","deletionTimestamp":9,"dataChange":true}})"
      "\n"
      R"({"txn":{"appId":"app","version":3}})"
      "\n"
      R"({"commitInfo":{"operation":"WRITE"}})"
      "\n"
      R"({"domainMetadata":{"domain":"x"}})"
      "\n\n";
  ASSERT_OK_AND_ASSIGN(auto actions, ParseCommit(text));
  ASSERT_EQ(actions.size(), 7u);
  EXPECT_EQ(actions[0].kind, Action::Kind::kProtocol);
  EXPECT_EQ(actions[1].metadata.partition_columns, std::vector<std::string>{"p"});
  EXPECT_EQ(actions[1].metadata.configuration.at("k"), "v");
  EXPECT_EQ(actions[2].add.path, "p=a%20b/f.parquet");
  EXPECT_EQ(actions[2].add.partition_values.at("p"), "a b");
  EXPECT_FALSE(actions[2].add.partition_values.at("q").has_value());
  EXPECT_EQ(actions[3].remove.deletion_timestamp, 9);
  EXPECT_EQ(actions[4].txn.version, 3);
  EXPECT_EQ(actions[5].kind, Action::Kind::kCommitInfo);
  EXPECT_EQ(actions[6].kind, Action::Kind::kUnknown);
}

TEST(ActionsTest, SerializeRoundTrips) {
  AddFile add;
  add.path = "part_id=x/f.parquet";
  add.partition_values = {{"part_id", "x"}, {"n", std::nullopt}};
  add.size = 42;
  add.modification_time = 1;
  add.stats = R"({"numRecords":1})";
  ASSERT_OK_AND_ASSIGN(Action back, ParseAction(SerializeAction(Action::Of(add))));
  EXPECT_EQ(back.add.path, add.path);
  EXPECT_EQ(back.add.partition_values, add.partition_values);
  EXPECT_EQ(back.add.size, 42);
  EXPECT_EQ(back.add.stats, add.stats);
}

TEST(ActionsTest, MalformedLinesAreCorruption) {
  for (const char* bad : {"{", "[1,2]", R"({"add":{"size":1}})", R"({"add":{"path":5}})",
                          R"({"protocol":{"minReaderVersion":"1"}})", "garbage"}) {
    auto r = ParseCommit(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().code(), StatusCode::kCorruption) << bad;
  }
}

TEST(LogFilesTest, NamesAndListing) {
  EXPECT_EQ(CommitKey(7), "_delta_log/00000000000000000007.json");
  EXPECT_EQ(CheckpointKey(10), "_delta_log/00000000000000000010.checkpoint.parquet");
  EXPECT_EQ(CheckpointPartKey(10, 2, 3),
            "_delta_log/00000000000000000010.checkpoint.0000000002.0000000003.parquet");
  auto store = NewMemoryStore();
  for (const char* key :
       {"_delta_log/00000000000000000000.json", "_delta_log/00000000000000000001.json",
        "_delta_log/00000000000000000001.checkpoint.0000000001.0000000002.parquet",
        "_delta_log/00000000000000000002.json", "_delta_log/.00000000000000000002.json.crc",
        "_delta_log/00000000000000000002.checkpoint.0000000001.0000000002.parquet",
        "_delta_log/00000000000000000002.checkpoint.0000000002.0000000002.parquet",
        "_delta_log/_last_checkpoint", "part-0.parquet"}) {
    ASSERT_OK(store->Put(key, "x"));
  }
  ASSERT_OK_AND_ASSIGN(LogListing listing, ListLog(*store));
  EXPECT_EQ(listing.commits.size(), 3u);
  ASSERT_EQ(listing.checkpoints.size(), 2u);
  EXPECT_FALSE(listing.checkpoints.at(1).complete());
  EXPECT_TRUE(listing.checkpoints.at(2).complete());
  EXPECT_EQ(listing.latest_version(), 2);
}

TEST(SchemaTest, ParsesPrimitiveAndNestedFields) {
  Metadata m;
  m.schema_string =
      R"({"type":"struct","fields":[{"name":"a","type":"long","nullable":true,"metadata":{}},)"
      R"({"name":"s","type":{"type":"struct","fields":[]},"nullable":false,"metadata":{}},)"
      R"({"name":"p","type":"string","nullable":true,"metadata":{}}]})";
  m.partition_columns = {"p"};
  ASSERT_OK_AND_ASSIGN(auto cols, TableColumns(m));
  ASSERT_EQ(cols.size(), 3u);
  EXPECT_EQ(cols[0].delta_type, "long");
  EXPECT_TRUE(cols[1].delta_type.starts_with("{"));
  EXPECT_TRUE(cols[2].is_partition);
  m.partition_columns = {"missing"};
  EXPECT_FALSE(TableColumns(m).ok());
  m.schema_string = "not json";
  EXPECT_EQ(TableColumns(m).status().code(), StatusCode::kCorruption);
  ASSERT_OK_AND_ASSIGN(auto fields, ParseSchema(SchemaString({{"x", "integer", false}})));
  EXPECT_EQ(fields[0].name, "x");
  EXPECT_FALSE(fields[0].nullable);
}

}  // namespace
}  // namespace pond::delta
