#include <gtest/gtest.h>

#include "duckdb.hpp"
#include "parquet/engine.h"
#include "test_util.h"

namespace pond {
namespace {

RowBatch SampleBatch() {
  RowBatch b;
  b.columns = {{"id", CellType::kString}, {"n", CellType::kInt64},     {"x", CellType::kDouble},
               {"ok", CellType::kBool},   {"blob", CellType::kBinary}, {"t", CellType::kTimestamp}};
  b.rows.push_back({std::string("a"), int64_t{1}, 1.5, true, std::string("\0\x01\xff", 3),
                    int64_t{1700000000123456}});
  b.rows.push_back(
      {std::string("b"), std::monostate(), std::monostate(), false, std::monostate(), int64_t{-5}});
  return b;
}

TEST(RowsTest, WriteThenReadRoundTrips) {
  testing::TempDir dir;
  ASSERT_OK_AND_ASSIGN(auto engine, OpenParquetEngine());
  std::string f1 = dir.path() + "/one.parquet", f2 = dir.path() + "/two.parquet";
  ASSERT_OK(engine->WriteRows(SampleBatch(), f1));
  RowBatch second = SampleBatch();
  second.rows.pop_back();
  ASSERT_OK(engine->WriteRows(second, f2));
  ASSERT_OK_AND_ASSIGN(RowBatch back, engine->ReadRows({f2, f1}, SampleBatch().columns, true));
  ASSERT_EQ(back.rows.size(), 3u);
  EXPECT_EQ(std::get<int64_t>(back.rows[0][0]), 0);  // file index
  EXPECT_EQ(std::get<int64_t>(back.rows[1][0]), 1);
  EXPECT_EQ(back.rows[1][1], Cell(std::string("a")));
  EXPECT_EQ(back.rows[1][5], Cell(std::string("\0\x01\xff", 3)));
  EXPECT_EQ(back.rows[1][6], Cell(int64_t{1700000000123456}));
  EXPECT_EQ(back.rows[2][2], Cell(std::monostate()));
  EXPECT_EQ(back.rows[2][4], Cell(false));
  EXPECT_EQ(back.rows[2][6], Cell(int64_t{-5}));

  // A plain DuckDB reads the file with the declared types.
  duckdb::DuckDB db(nullptr);
  duckdb::Connection con(db);
  auto r = con.Query("SELECT typeof(n), typeof(t), typeof(blob), count(*) OVER () FROM '" + f1 +
                     "' LIMIT 1");
  ASSERT_FALSE(r->HasError()) << r->GetError();
  EXPECT_EQ(r->GetValue(0, 0).ToString(), "BIGINT");
  EXPECT_EQ(r->GetValue(1, 0).ToString(), "TIMESTAMP WITH TIME ZONE");
  EXPECT_EQ(r->GetValue(2, 0).ToString(), "BLOB");
  EXPECT_EQ(r->GetValue(3, 0).GetValue<int64_t>(), 2);
}

TEST(RowsTest, BadCellsAndBadFilesAreErrors) {
  testing::TempDir dir;
  ASSERT_OK_AND_ASSIGN(auto engine, OpenParquetEngine());
  RowBatch bad = SampleBatch();
  bad.rows[0][1] = std::string("not a number");
  EXPECT_EQ(engine->WriteRows(bad, dir.path() + "/bad.parquet").code(),
            StatusCode::kInvalidArgument);
  EXPECT_FALSE(std::filesystem::exists(dir.path() + "/bad.parquet"));
  EXPECT_FALSE(std::filesystem::exists(dir.path() + "/bad.parquet.tmp"));
  std::string junk = dir.path() + "/junk.parquet";
  FILE* f = std::fopen(junk.c_str(), "w");
  std::fputs("definitely not parquet", f);
  std::fclose(f);
  auto read = engine->ReadRows({junk}, SampleBatch().columns, false);
  EXPECT_FALSE(read.ok());
  // The engine stays usable after errors.
  ASSERT_OK(engine->WriteRows(SampleBatch(), dir.path() + "/good.parquet"));
}

// Rows go to DuckDB in chunks of 2,048: more rows than that, with NULLs,
// empty and long strings, come back in order and unchanged.
TEST(RowsTest, ManyRowsCrossChunksUnchanged) {
  testing::TempDir dir;
  ASSERT_OK_AND_ASSIGN(auto engine, OpenParquetEngine());
  RowBatch batch;
  batch.columns = SampleBatch().columns;
  constexpr int kRows = 5000;
  for (int i = 0; i < kRows; ++i) {
    std::vector<Cell> row = {
        std::string(static_cast<size_t>(i % 40), static_cast<char>('a' + i % 26)),
        int64_t{i} * 1000003,
        i * 0.25,
        i % 3 == 0,
        std::string(1, '\0') + std::to_string(i),
        int64_t{1700000000000000} + i};
    if (i % 7 == 0) row[static_cast<size_t>(i % 6)] = std::monostate();
    batch.rows.push_back(std::move(row));
  }
  std::string f = dir.path() + "/many.parquet";
  ASSERT_OK(engine->WriteRows(batch, f));
  ASSERT_OK_AND_ASSIGN(RowBatch back, engine->ReadRows({f}, batch.columns, false));
  ASSERT_EQ(back.rows.size(), batch.rows.size());
  for (size_t i = 0; i < batch.rows.size(); ++i) {
    ASSERT_EQ(back.rows[i], batch.rows[i]) << "row " << i;
  }
  // A row of the wrong width is refused, and no file is left.
  batch.rows[kRows - 1].pop_back();
  EXPECT_EQ(engine->WriteRows(batch, dir.path() + "/short.parquet").code(),
            StatusCode::kInvalidArgument);
  EXPECT_FALSE(std::filesystem::exists(dir.path() + "/short.parquet"));
}

TEST(RowsTest, InspectFindsSchemaRowsAndTimeBounds) {
  testing::TempDir dir;
  ASSERT_OK_AND_ASSIGN(auto engine, OpenParquetEngine());
  std::string f = dir.path() + "/s.parquet";
  ASSERT_OK(engine->WriteRows(SampleBatch(), f));
  ASSERT_OK_AND_ASSIGN(ParquetInfo info, engine->InspectParquet(f, {"timestamp", "t"}));
  EXPECT_EQ(info.num_rows, 2);
  ASSERT_EQ(info.columns.size(), 6u);
  EXPECT_EQ(info.columns[1].first, "n");
  EXPECT_EQ(info.time_column, std::string("t"));
  EXPECT_EQ(info.min_time, -5);
  EXPECT_EQ(info.max_time, 1700000000123456);
  ASSERT_OK_AND_ASSIGN(ParquetInfo no_time, engine->InspectParquet(f, {"timestamp"}));
  EXPECT_FALSE(no_time.time_column.has_value());
  EXPECT_EQ(engine->InspectParquet(f, {"n"}).status().code(), StatusCode::kInvalidArgument);
  std::string junk = dir.path() + "/junk";
  FILE* fp = std::fopen(junk.c_str(), "w");
  std::fputs("a,b\n1,2\n", fp);
  std::fclose(fp);
  auto bad = engine->InspectParquet(junk, {});
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace pond
