// The Delta conformance suite: tables written by Spark and delta-rs
// (../shared/delta-conformance) read through the real `pond cat host+delta:///`.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "delta/schema.h"
#include "delta/snapshot.h"
#include "e2e/run_pond.h"
#include "parquet/engine.h"
#include "storage/object_store.h"

namespace pond::testing {
namespace {

namespace fs = std::filesystem;

std::string ConformanceDir() { return fs::canonical(POND_SHARED_DIR "/delta-conformance"); }

// The expected rows of one DAT case at one version, printed through the same
// CSV writer with the table's own column types, so only the values can differ.
std::string ExpectedCsv(const std::string& table_dir, const std::string& expected_dir,
                        int64_t version) {
  auto store = OpenLocalStore(table_dir);
  EXPECT_TRUE(store.ok());
  delta::LazyParquetEngine engine;
  auto snapshot = delta::LoadSnapshot(**store, engine, version);
  EXPECT_TRUE(snapshot.ok()) << snapshot.status().ToString();
  auto columns = delta::TableColumns(snapshot->metadata);
  EXPECT_TRUE(columns.ok());
  ScanSpec spec;
  spec.columns = *columns;
  for (auto& c : spec.columns) c.is_partition = false;  // Spark wrote them as data
  for (const auto& entry : fs::directory_iterator(expected_dir)) {
    if (entry.path().extension() == ".parquet") spec.files.push_back({entry.path().string(), {}});
  }
  std::ostringstream out;
  Status st = (*engine.Get())->ScanToCsv(spec, out);
  EXPECT_TRUE(st.ok()) << st.ToString();
  return out.str();
}

struct DatCase {
  std::string name;
  std::string expected;  // "latest" or "vN"
  int64_t version;
};

std::vector<DatCase> DatCases() {
  std::vector<DatCase> cases;
  for (const auto& dir : fs::directory_iterator(ConformanceDir() + "/dat")) {
    for (const auto& exp : fs::directory_iterator(dir.path() / "expected")) {
      std::ifstream meta(exp.path() / "table_version_metadata.json");
      auto j = nlohmann::json::parse(meta);
      cases.push_back({dir.path().filename().string(), exp.path().filename().string(),
                       j["version"].get<int64_t>()});
    }
  }
  std::sort(cases.begin(), cases.end(), [](const DatCase& a, const DatCase& b) {
    return a.name + a.expected < b.name + b.expected;
  });
  return cases;
}

TEST(DeltaConformanceTest, DatCasesMatchExpectedRowsAtEveryVersion) {
  auto cases = DatCases();
  ASSERT_GE(cases.size(), 17u);
  for (const DatCase& c : cases) {
    SCOPED_TRACE(c.name + " " + c.expected);
    std::string table = ConformanceDir() + "/dat/" + c.name + "/delta";
    std::string expected_dir =
        ConformanceDir() + "/dat/" + c.name + "/expected/" + c.expected + "/table_content.parquet";
    PondRun run = RunPond({"cat", "host+delta://" + table, "--format=csv", "--delta-version",
                           std::to_string(c.version)});
    ASSERT_EQ(run.exit_code, 0) << run.err;
    EXPECT_TRUE(run.err.empty()) << run.err;
    std::string expected = ExpectedCsv(table, expected_dir, c.version);
    ASSERT_GT(LineCount(expected), 0u);
    EXPECT_EQ(SortedLines(run.out), SortedLines(expected));
  }
}

TEST(DeltaConformanceTest, LatestIsTheNewestVersion) {
  // Without --delta-version, pond reads the newest version; for cases whose
  // expected/latest is the newest commit, the rows must match it.
  for (const char* name : {"all_primitive_types", "multi_partitioned", "with_checkpoint",
                           "no_replay", "nested_types", "with_schema_change"}) {
    SCOPED_TRACE(name);
    std::string table = ConformanceDir() + "/dat/" + name + "/delta";
    std::string latest = ConformanceDir() + "/dat/" + name + "/expected/latest";
    std::ifstream meta(latest + "/table_version_metadata.json");
    int64_t version = nlohmann::json::parse(meta)["version"].get<int64_t>();
    PondRun run = RunPond({"cat", "host+delta://" + table, "--format=csv"});
    ASSERT_EQ(run.exit_code, 0) << run.err;
    EXPECT_EQ(SortedLines(run.out),
              SortedLines(ExpectedCsv(table, latest + "/table_content.parquet", version)));
  }
}

// delta-rs tables with their data files: each opens and yields the rows its
// live files hold. The logs carry no row statistics, so the expected rows are
// golden values (ids 5, 7, 9 of simple_table are what delta-rs's own tests
// expect; partition values match the directories their files live in).
TEST(DeltaConformanceTest, DeltaRsTablesYieldTheirLiveRows) {
  struct Known {
    const char* name;
    std::string csv;
  };
  for (const Known& k : {
           Known{"simple_table", "id\n5\n7\n9\n"},
           // All 11 files are live; the last one holds a second 0 (checked by reading
           // the files directly with DuckDB).
           Known{"simple_table_with_checkpoint", "version\n0\n0\n1\n2\n3\n4\n5\n6\n7\n8\n9\n"},
           Known{"delta-0.8.0-partitioned",
                 "value,year,month,day\n1,2020,1,1\n2,2020,2,3\n3,2020,2,5\n4,2021,4,5\n"
                 "5,2021,12,4\n6,2021,12,20\n7,2021,12,20\n"},
           Known{"delta-0.8.0-null-partition", "k,v\nA,1\n,2\n"},
           Known{"delta-0.8.0-special-partition", "x,y\nA/A,1\nB B,2\n"},
           Known{"delta-0.8-empty", "column\n"},
       }) {
    SCOPED_TRACE(k.name);
    std::string table = ConformanceDir() + "/delta-rs/" + k.name;
    PondRun run = RunPond({"cat", "host+delta://" + table, "--format=csv"});
    ASSERT_EQ(run.exit_code, 0) << run.err;
    EXPECT_EQ(SortedLines(run.out), SortedLines(k.csv));
  }
}

TEST(DeltaConformanceTest, MustFailTablesAreRefusedWithOneSentence) {
  for (const auto& dir : fs::directory_iterator(ConformanceDir() + "/must-fail")) {
    SCOPED_TRACE(dir.path().filename().string());
    PondRun run =
        RunPond({"cat", "host+delta://" + (dir.path() / "delta").string(), "--format=csv"});
    EXPECT_EQ(run.exit_code, 1);
    EXPECT_TRUE(run.out.empty()) << run.out;
    EXPECT_EQ(LineCount(run.err), 1u) << run.err;
    EXPECT_TRUE(run.err.starts_with("pond: ")) << run.err;
  }
}

TEST(DeltaConformanceTest, MissingTableAndBadVersionAreClearErrors) {
  TempDir dir;
  const std::string absent = dir.path() + "/missing/table";
  PondRun missing = RunPond({"cat", "host+delta://" + absent, "--format=csv"});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("no Delta table"), std::string::npos) << missing.err;
  // Regression: reading a missing table created its directory.
  EXPECT_FALSE(std::filesystem::exists(dir.path() + "/missing"));
  std::string table = ConformanceDir() + "/dat/basic_append/delta";
  PondRun future = RunPond({"cat", "host+delta://" + table, "--delta-version", "99"});
  EXPECT_EQ(future.exit_code, 1);
  EXPECT_NE(future.err.find("no version 99"), std::string::npos) << future.err;
  PondRun usage = RunPond({"cat", "host+delta://" + table, "--delta-version", "x"});
  EXPECT_EQ(usage.exit_code, 2);
}

}  // namespace
}  // namespace pond::testing
