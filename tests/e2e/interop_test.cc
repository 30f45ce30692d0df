// Tables this engine writes are real Delta tables: read back by pond at every
// version, and their checkpoint and data files readable by plain DuckDB.
#include <gtest/gtest.h>

#include <filesystem>

#include "delta/log_files.h"
#include "delta/schema.h"
#include "delta/table.h"
#include "duckdb.hpp"
#include "e2e/run_pond.h"
#include "util/time.h"

namespace pond::testing {
namespace {

using namespace pond::delta;

TEST(DeltaInteropTest, OurTableReadsBackEverywhere) {
  TempDir dir;
  ASSERT_OK_AND_ASSIGN(auto store, OpenLocalStore(dir.path()));
  DeltaTable table(*store, TableOptions{.checkpoint_interval = 3});
  Metadata m;
  m.id = "interop";
  m.schema_string = SchemaString({{"k", "string", true}, {"v", "long", true}});
  m.partition_columns = {"k"};
  ASSERT_OK(table.Create(m, {}).status());

  ASSERT_OK_AND_ASSIGN(ParquetEngine * engine, table.engine().Get());
  std::vector<std::string> expected_csv{"k,v\n"};         // index = version
  std::vector<std::pair<std::string, std::string>> live;  // path, csv rows
  for (int64_t v = 1; v <= 7; ++v) {
    std::string part = v % 2 ? "odd" : "even";
    std::string path = "k=" + part + "/f" + std::to_string(v) + ".parquet";
    std::filesystem::create_directories(dir.path() + "/k=" + part);
    RowBatch rows;
    rows.columns = {{"v", CellType::kInt64}};
    rows.rows = {{v * 10}, {v * 10 + 1}};
    ASSERT_OK(engine->WriteRows(rows, dir.path() + "/" + path));
    AddFile add;
    add.path = path;
    add.partition_values = {{"k", part}};
    add.size = static_cast<int64_t>(std::filesystem::file_size(dir.path() + "/" + path));
    std::vector<Action> actions{Action::Of(add)};
    live.push_back({path, part + "," + std::to_string(v * 10) + "\n" + part + "," +
                              std::to_string(v * 10 + 1) + "\n"});
    if (v == 5) {  // drop version 2's file
      RemoveFile rm;
      rm.path = live[1].first;
      rm.deletion_timestamp = NowMillis();
      actions.push_back(Action::Of(rm));
      live.erase(live.begin() + 1);
    }
    ASSERT_OK_AND_ASSIGN(int64_t got, table.Commit(v - 1, actions));
    ASSERT_EQ(got, v);
    ASSERT_OK(table.last_checkpoint_status());
    std::string csv = "k,v\n";
    for (const auto& [p, r] : live) csv += r;
    expected_csv.push_back(csv);
  }
  ASSERT_TRUE(std::filesystem::exists(dir.path() + "/" + CheckpointKey(6)));

  for (int64_t v = 0; v <= 7; ++v) {
    PondRun run = RunPond({"cat", "host+delta://" + dir.path(), "--format=csv", "--delta-version",
                           std::to_string(v)});
    ASSERT_EQ(run.exit_code, 0) << run.err;
    EXPECT_EQ(SortedLines(run.out), SortedLines(expected_csv[v])) << "version " << v;
  }

  // Plain DuckDB: the checkpoint has the standard struct columns, and the data
  // files hold the rows.
  duckdb::DuckDB db(nullptr);
  duckdb::Connection con(db);
  auto cols = con.Query("SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM '" +
                        dir.path() + "/" + CheckpointKey(6) + "') ORDER BY column_name");
  ASSERT_FALSE(cols->HasError()) << cols->GetError();
  std::map<std::string, std::string> types;
  for (size_t r = 0; r < cols->RowCount(); ++r) {
    types[cols->GetValue(0, r).ToString()] = cols->GetValue(1, r).ToString();
  }
  for (const char* c : {"txn", "add", "remove", "metaData", "protocol"}) {
    ASSERT_TRUE(types.count(c)) << c;
    EXPECT_TRUE(types[c].starts_with("STRUCT(")) << c << " " << types[c];
  }
  EXPECT_NE(types["add"].find("partitionValues MAP(VARCHAR, VARCHAR)"), std::string::npos);
  auto adds = con.Query("SELECT count(*) FROM '" + dir.path() + "/" + CheckpointKey(6) +
                        "' WHERE add IS NOT NULL");
  EXPECT_EQ(adds->GetValue(0, 0).GetValue<int64_t>(), 5);  // versions 1..6 minus the removed one
  auto sum = con.Query("SELECT sum(v) FROM read_parquet('" + dir.path() + "/k=*/*.parquet')");
  ASSERT_FALSE(sum->HasError()) << sum->GetError();
  int64_t all = 0;
  for (int64_t v = 1; v <= 7; ++v) all += v * 20 + 1;
  EXPECT_EQ(sum->GetValue(0, 0).GetValue<int64_t>(), all);
}

}  // namespace
}  // namespace pond::testing
