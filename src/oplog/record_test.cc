#include "oplog/record.h"

#include <gtest/gtest.h>

#include "delta/schema.h"
#include "test_util.h"

namespace pond::oplog {
namespace {

TEST(RecordTest, RowBatchRoundTrip) {
  Record dir{"p",          "d",          2,    "directory",  10, 5, "", std::string("[]"),
             std::nullopt, std::nullopt, "{}", std::nullopt, 7};
  Record file{"p",
              "f",
              1,
              "file:series",
              11,
              70000,
              "abc",
              std::nullopt,
              100,
              200,
              R"({"time_column":"t"})",
              std::string("x"),
              7};
  RowBatch batch = ToRowBatch({dir, file});
  ASSERT_OK_AND_ASSIGN(auto back, FromRowBatch(batch, 0, "p"));
  ASSERT_EQ(back.size(), 2u);
  EXPECT_EQ(back[0].content, std::string("[]"));
  EXPECT_EQ(back[0].sha256, "");
  EXPECT_EQ(back[1].min_event_time, 100);
  EXPECT_EQ(back[1].factory, std::string("x"));
  EXPECT_FALSE(back[1].content.has_value());
  batch.rows[0][0] = std::monostate();
  EXPECT_EQ(FromRowBatch(batch, 0, "p").status().code(), StatusCode::kCorruption);
}

TEST(RecordTest, DirChangesRoundTripAndRejectGarbage) {
  std::vector<DirChange> changes{{DirChange::Op::kAdd, "a b\n\"c\"", "id1", "file:data"},
                                 {DirChange::Op::kRemove, "old", "", ""}};
  ASSERT_OK_AND_ASSIGN(auto back, DecodeDirChanges(EncodeDirChanges(changes)));
  ASSERT_EQ(back.size(), 2u);
  EXPECT_EQ(back[0].name, "a b\n\"c\"");
  EXPECT_EQ(back[0].child, "id1");
  EXPECT_EQ(back[1].op, DirChange::Op::kRemove);
  for (const char* bad :
       {"", "{}", R"([{"op":"add","name":"x"}])", R"([{"op":"zap","name":"x"}])"}) {
    EXPECT_EQ(DecodeDirChanges(bad).status().code(), StatusCode::kCorruption) << bad;
  }
}

TEST(RecordTest, TxnInfoAndMetadata) {
  auto info =
      ParseTxnInfo(R"({"operation":"WRITE",)" + CommitInfoJson({3, "pond mkdir /a", 9}).substr(1));
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->txn_seq, 3);
  EXPECT_EQ(info->command, "pond mkdir /a");
  EXPECT_FALSE(ParseTxnInfo(R"({"operation":"WRITE"})").has_value());
  ASSERT_OK_AND_ASSIGN(auto cols, delta::TableColumns(TableMetadata()));
  EXPECT_EQ(cols.size(), DataColumns().size() + 1);
  EXPECT_TRUE(cols[0].is_partition);
  EXPECT_EQ(BlobKey("ab"), "_large_files/sha256=ab");
}

}  // namespace
}  // namespace pond::oplog
