#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "duckdb.hpp"
#include "parquet/delta_types_internal.h"
#include "parquet/engine.h"
#include "test_util.h"

namespace pond {
namespace {

using nlohmann::json;

std::unique_ptr<ParquetEngine> MustOpen() {
  auto engine = OpenParquetEngine();
  EXPECT_TRUE(engine.ok()) << engine.status().ToString();
  return engine.ok() ? std::move(engine).value() : nullptr;
}

// Counts the actions of each kind ("add", "remove", ...) in JSON texts.
std::map<std::string, int> CountKinds(const std::vector<std::string>& actions) {
  std::map<std::string, int> counts;
  for (const std::string& text : actions) {
    json action = json::parse(text);
    EXPECT_EQ(action.size(), 1u) << text;
    counts[action.begin().key()]++;
  }
  return counts;
}

std::vector<std::string> SortedLines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  std::sort(lines.begin(), lines.end());
  return lines;
}

const std::vector<std::string> kHandWrittenActions = {
    R"({"commitInfo":{"timestamp":1700000000000,"operation":"WRITE"}})",
    R"({"protocol":{"minReaderVersion":1,"minWriterVersion":2}})",
    R"({"metaData":{"id":"9f1c","name":"t","description":null,"format":{"provider":"parquet","options":{}},"schemaString":"{\"type\":\"struct\",\"fields\":[]}","partitionColumns":["year","city"],"configuration":{"delta.checkpointInterval":"10","delta.appendOnly":"false","owner":"pond"},"createdTime":1700000000001}})",
    R"({"txn":{"appId":"pond-cli","version":7,"lastUpdated":1700000000002}})",
    R"({"add":{"path":"year=2021/city=Oslo/a.parquet","partitionValues":{"year":"2021","city":"Oslo"},"size":100,"modificationTime":1700000000003,"dataChange":true,"stats":"{\"numRecords\":3}","tags":{"a":"1","b":"2","c":"3"}}})",
    R"({"add":{"path":"year=__HIVE_DEFAULT_PARTITION__/city=Bergen/b.parquet","partitionValues":{"year":null,"city":"Bergen"},"size":200,"modificationTime":1700000000004,"dataChange":false}})",
    R"({"add":{"path":"year=2022/city=%20x/c.parquet","partitionValues":{"year":"2022","city":" x"},"size":300,"modificationTime":1700000000005,"dataChange":true,"stats":null,"tags":{}}})",
    R"({"remove":{"path":"year=2020/city=Oslo/old.parquet","deletionTimestamp":1700000000006,"dataChange":true,"extendedFileMetadata":true,"partitionValues":{"year":"2020","city":"Oslo"},"size":50}})",
    R"({"remove":{"path":"old2.parquet","deletionTimestamp":1700000000007,"dataChange":false}})",
    R"({"txn":{"appId":"other","version":1}})",
};

// Drops null members recursively: a reader may report a missing field as
// absent or as null, so comparisons treat the two alike. Map values (the
// partitionValues entries) are kept, since there null is meaningful.
json WithoutNulls(const json& value, bool in_map = false) {
  if (!value.is_object()) return value;
  json out = json::object();
  for (const auto& [key, member] : value.items()) {
    if (member.is_null() && !in_map) continue;
    const bool is_map =
        key == "partitionValues" || key == "tags" || key == "configuration" || key == "options";
    out[key] = WithoutNulls(member, is_map);
  }
  return out;
}

TEST(DuckDbEngineTest, CheckpointRoundTripHasTheStandardSchema) {
  auto engine = MustOpen();
  ASSERT_NE(engine, nullptr);
  testing::TempDir dir;
  const std::string path = dir.path() + "/00000000000000000010.checkpoint.parquet";
  ASSERT_OK(engine->WriteCheckpoint(kHandWrittenActions, path));
  // Only the checkpoint is left behind: no temp file.
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir.path()),
                          std::filesystem::directory_iterator()),
            1);

  duckdb::DuckDB db(nullptr);
  duckdb::Connection con(db);
  auto described = con.Query("DESCRIBE SELECT * FROM read_parquet('" + path + "')");
  ASSERT_FALSE(described->HasError()) << described->GetError();
  std::vector<std::pair<std::string, std::string>> columns;
  for (duckdb::idx_t r = 0; r < described->RowCount(); ++r) {
    columns.emplace_back(described->GetValue(0, r).ToString(),
                         described->GetValue(1, r).ToString());
  }
  const std::vector<std::pair<std::string, std::string>> expected = {
      {"txn", "STRUCT(appId VARCHAR, \"version\" BIGINT, lastUpdated BIGINT)"},
      {"add",
       "STRUCT(path VARCHAR, partitionValues MAP(VARCHAR, VARCHAR), size BIGINT, "
       "modificationTime BIGINT, dataChange BOOLEAN, stats VARCHAR, tags MAP(VARCHAR, VARCHAR))"},
      {"remove",
       "STRUCT(path VARCHAR, deletionTimestamp BIGINT, dataChange BOOLEAN, "
       "extendedFileMetadata BOOLEAN, partitionValues MAP(VARCHAR, VARCHAR), size BIGINT)"},
      {"metaData",
       "STRUCT(id VARCHAR, \"name\" VARCHAR, description VARCHAR, format STRUCT(provider VARCHAR, "
       "\"options\" MAP(VARCHAR, VARCHAR)), schemaString VARCHAR, partitionColumns VARCHAR[], "
       "\"configuration\" MAP(VARCHAR, VARCHAR), createdTime BIGINT)"},
      {"protocol", "STRUCT(minReaderVersion INTEGER, minWriterVersion INTEGER)"},
  };
  EXPECT_EQ(columns, expected);

  // One row per action (commitInfo skipped), exactly one struct set in each.
  auto counts = con.Query(
      "SELECT count(*), count(*) FILTER (WHERE (txn IS NOT NULL)::INT + (add IS NOT NULL)::INT + "
      "(remove IS NOT NULL)::INT + (metaData IS NOT NULL)::INT + (protocol IS NOT NULL)::INT = 1), "
      "count(*) FILTER (WHERE add.partitionValues['year'] IS NULL AND add.path LIKE '%HIVE%') "
      "FROM read_parquet('" +
      path + "')");
  ASSERT_FALSE(counts->HasError()) << counts->GetError();
  EXPECT_EQ(counts->GetValue(0, 0).GetValue<int64_t>(), 9);
  EXPECT_EQ(counts->GetValue(1, 0).GetValue<int64_t>(), 9);
  EXPECT_EQ(counts->GetValue(2, 0).GetValue<int64_t>(), 1);

  ASSERT_OK_AND_ASSIGN(std::vector<std::string> read, engine->ReadCheckpoint(path));
  ASSERT_EQ(read.size(), kHandWrittenActions.size() - 1);
  for (size_t i = 0; i < read.size(); ++i) {
    EXPECT_EQ(WithoutNulls(json::parse(read[i])),
              WithoutNulls(json::parse(kHandWrittenActions[i + 1])))
        << read[i];
  }
  // The null partition value survives as a JSON null, not as a missing key.
  json null_partition = json::parse(read[4]);
  ASSERT_TRUE(null_partition["add"]["partitionValues"].contains("year"));
  EXPECT_TRUE(null_partition["add"]["partitionValues"]["year"].is_null());
}

TEST(DuckDbEngineTest, WriteCheckpointRejectsUnknownActions) {
  auto engine = MustOpen();
  ASSERT_NE(engine, nullptr);
  testing::TempDir dir;
  const std::string path = dir.path() + "/cp.parquet";
  for (const std::string& bad : {std::string(R"({"cdc":{"path":"x"}})"), std::string("not json"),
                                 std::string(R"({"add":5})"), std::string(R"([1,2])"),
                                 std::string(R"({"add":{"path":"a"},"txn":{"appId":"b"}})")}) {
    Status status = engine->WriteCheckpoint({kHandWrittenActions[1], bad}, path);
    EXPECT_EQ(status.code(), StatusCode::kInvalidArgument) << bad << ": " << status.ToString();
    EXPECT_TRUE(std::filesystem::is_empty(dir.path())) << bad;
  }
  // The engine is still usable after a failure.
  ASSERT_OK(engine->WriteCheckpoint({kHandWrittenActions[1]}, path));
  ASSERT_OK_AND_ASSIGN(auto read, engine->ReadCheckpoint(path));
  EXPECT_EQ(read.size(), 1u);
}

TEST(DuckDbEngineTest, ReadsSparkAndDeltaRsCheckpoints) {
  auto engine = MustOpen();
  ASSERT_NE(engine, nullptr);
  const std::string base = testing::SharedDir() + "/delta-conformance";
  ASSERT_OK_AND_ASSIGN(auto spark,
                       engine->ReadCheckpoint(base + "/dat/with_checkpoint/delta/_delta_log/"
                                                     "00000000000000000002.checkpoint.parquet"));
  EXPECT_EQ(CountKinds(spark), (std::map<std::string, int>{
                                   {"add", 1}, {"metaData", 1}, {"protocol", 1}, {"remove", 1}}));
  ASSERT_OK_AND_ASSIGN(
      auto delta_rs,
      engine->ReadCheckpoint(base + "/delta-rs/simple_table_with_checkpoint/_delta_log/"
                                    "00000000000000000010.checkpoint.parquet"));
  EXPECT_EQ(CountKinds(delta_rs),
            (std::map<std::string, int>{{"add", 11}, {"metaData", 1}, {"protocol", 1}}));
  for (const auto* actions : {&spark, &delta_rs}) {
    for (const std::string& text : *actions) {
      json action = json::parse(text);
      if (action.contains("add")) {
        EXPECT_TRUE(action["add"]["path"].is_string()) << text;
      }
      if (action.contains("metaData")) {
        EXPECT_TRUE(action["metaData"]["partitionColumns"].is_array()) << text;
        EXPECT_TRUE(action["metaData"]["configuration"].is_object()) << text;
      }
    }
  }
}

TEST(DuckDbEngineTest, GarbageCheckpointIsCorruption) {
  auto engine = MustOpen();
  ASSERT_NE(engine, nullptr);
  testing::TempDir dir;
  const std::string path = dir.path() + "/garbage.checkpoint.parquet";
  std::ofstream(path) << "this is not parquet, it only has a parquet name\n";
  auto read = engine->ReadCheckpoint(path);
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.status().code(), StatusCode::kCorruption) << read.status().ToString();
  EXPECT_NE(read.status().message().find("is not a readable checkpoint"), std::string::npos);
}

// The Parquet files of `dir` as scan files without partition values.
std::vector<ScanFile> ParquetFilesIn(const std::string& dir) {
  std::vector<ScanFile> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() == ".parquet") files.push_back({entry.path().string(), {}});
  }
  return files;
}

TEST(DuckDbEngineTest, ScanAllPrimitiveTypes) {
  auto engine = MustOpen();
  ASSERT_NE(engine, nullptr);
  const std::string test_case = testing::SharedDir() + "/delta-conformance/dat/all_primitive_types";
  ScanSpec spec;
  spec.columns = {{"utf8", "string"},          {"int64", "long"},   {"int32", "integer"},
                  {"int16", "short"},          {"int8", "byte"},    {"float32", "float"},
                  {"float64", "double"},       {"bool", "boolean"}, {"binary", "binary"},
                  {"decimal", "decimal(5,3)"}, {"date32", "date"},  {"timestamp", "timestamp"}};
  spec.files = ParquetFilesIn(test_case + "/delta");
  ASSERT_EQ(spec.files.size(), 1u);
  std::ostringstream out;
  ASSERT_OK(engine->ScanToCsv(spec, out));
  const std::string header =
      "utf8,int64,int32,int16,int8,float32,float64,bool,binary,decimal,date32,timestamp\n";
  ASSERT_EQ(out.str().substr(0, header.size()), header);
  EXPECT_EQ(
      SortedLines(out.str()),
      SortedLines(header +
                  "0,0,0,0,0,0.0,0.0,true,\"\",10.000,1970-01-01,1970-01-01 00:00:00+00\n"
                  "1,1,1,1,1,1.0,1.0,false,\\x00,11.000,1970-01-02,1970-01-01 01:00:00+00\n"
                  "2,2,2,2,2,2.0,2.0,true,\\x00\\x00,12.000,1970-01-03,1970-01-01 02:00:00+00\n"
                  "3,3,3,3,3,3.0,3.0,false,\\x00\\x00\\x00,13.000,1970-01-04,"
                  "1970-01-01 03:00:00+00\n"
                  "4,4,4,4,4,4.0,4.0,true,\\x00\\x00\\x00\\x00,14.000,1970-01-05,"
                  "1970-01-01 04:00:00+00\n"));

  // The conformance comparison: the expected-result Parquet, scanned with the
  // same columns, prints the same set of lines.
  spec.files = ParquetFilesIn(test_case + "/expected/latest/table_content.parquet");
  std::ostringstream expected;
  ASSERT_OK(engine->ScanToCsv(spec, expected));
  EXPECT_EQ(SortedLines(out.str()), SortedLines(expected.str()));
}

// Decodes the %XX escapes of a Delta add path (a relative URI).
std::string PercentDecode(const std::string& uri) {
  std::string out;
  for (size_t i = 0; i < uri.size(); ++i) {
    if (uri[i] == '%' && i + 2 < uri.size()) {
      out += static_cast<char>(std::stoi(uri.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      out += uri[i];
    }
  }
  return out;
}

// A bare-bones log replay of a DAT table (checkpoint through the engine, then
// the commits after it) giving the scan of the table at `version`.
ScanSpec ScanAtVersion(ParquetEngine& engine, const std::string& table, int64_t version) {
  const std::string log = table + "/_delta_log";
  std::vector<std::string> actions;
  std::vector<std::filesystem::path> entries(std::filesystem::directory_iterator(log), {});
  std::sort(entries.begin(), entries.end());
  std::string checkpoint_version;
  for (const auto& entry : entries) {
    const std::string name = entry.filename().string();
    if (name.ends_with(".checkpoint.parquet") && std::stoll(name.substr(0, 20)) <= version) {
      auto read = engine.ReadCheckpoint(entry.string());
      EXPECT_TRUE(read.ok()) << read.status().ToString();
      if (read.ok()) actions = *read;
      checkpoint_version = name.substr(0, 20);
    }
  }
  for (const auto& entry : entries) {
    const std::string name = entry.filename().string();
    if (!name.ends_with(".json") || name.substr(0, 20) <= checkpoint_version ||
        std::stoll(name.substr(0, 20)) > version) {
      continue;
    }
    std::ifstream in(entry);
    for (std::string line; std::getline(in, line);) {
      if (!line.empty()) actions.push_back(line);
    }
  }
  json metadata;
  std::map<std::string, json> live;  // path -> add
  for (const std::string& text : actions) {
    json action = json::parse(text);
    if (action.contains("metaData")) metadata = action["metaData"];
    if (action.contains("add")) live[action["add"]["path"]] = action["add"];
    if (action.contains("remove")) live.erase(action["remove"]["path"].get<std::string>());
  }
  ScanSpec spec;
  json partition_columns = metadata["partitionColumns"];
  const json schema = json::parse(metadata["schemaString"].get<std::string>());
  for (const json& field : schema["fields"]) {
    const json& type = field["type"];
    const std::string name = field["name"];
    const bool is_partition = std::find(partition_columns.begin(), partition_columns.end(), name) !=
                              partition_columns.end();
    spec.columns.push_back(
        {name, type.is_string() ? type.get<std::string>() : type.dump(), is_partition});
  }
  for (const auto& [path, add] : live) {
    ScanFile file{table + "/" + PercentDecode(path), {}};
    for (const auto& [column, value] : add["partitionValues"].items()) {
      file.partition_values[column] =
          value.is_null() ? std::nullopt : std::optional<std::string>(value.get<std::string>());
    }
    spec.files.push_back(std::move(file));
  }
  return spec;
}

// Every DAT table scans to the same lines as its expected-result Parquet.
TEST(DuckDbEngineTest, ConformanceTablesMatchTheirExpectedContent) {
  auto engine = MustOpen();
  ASSERT_NE(engine, nullptr);
  const std::string dat = testing::SharedDir() + "/delta-conformance/dat";
  int tables = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dat)) {
    SCOPED_TRACE(entry.path().filename().string());
    const std::string expected_dir = entry.path().string() + "/expected/latest";
    const int64_t version =
        json::parse(std::ifstream(expected_dir + "/table_version_metadata.json"))["version"];
    ScanSpec spec = ScanAtVersion(*engine, entry.path().string() + "/delta", version);
    std::ostringstream actual;
    ASSERT_OK(engine->ScanToCsv(spec, actual));
    // The expected content holds partition columns as ordinary data.
    for (ColumnSpec& column : spec.columns) column.is_partition = false;
    spec.files = ParquetFilesIn(expected_dir + "/table_content.parquet");
    std::ostringstream expected;
    ASSERT_OK(engine->ScanToCsv(spec, expected));
    EXPECT_EQ(SortedLines(actual.str()), SortedLines(expected.str()));
    EXPECT_GT(SortedLines(actual.str()).size(), 1u);
    ++tables;
  }
  EXPECT_GE(tables, 11);
}

TEST(DuckDbEngineTest, ScanWithPartitionValues) {
  testing::TempDir dir;
  {
    duckdb::DuckDB db(nullptr);
    duckdb::Connection con(db);
    for (const std::string& sql :
         {"COPY (SELECT 1 AS id, 'a,b' AS name UNION ALL SELECT 2, NULL) TO '" + dir.path() +
              "/one.parquet' (FORMAT parquet)",
          "COPY (SELECT 3 AS id, 1.5::DOUBLE AS extra) TO '" + dir.path() +
              "/two.parquet' (FORMAT parquet)"}) {
      auto result = con.Query(sql);
      ASSERT_FALSE(result->HasError()) << result->GetError();
    }
  }
  auto engine = MustOpen();
  ASSERT_NE(engine, nullptr);
  ScanSpec spec;
  spec.columns = {{"year", "integer", true}, {"id", "long"},           {"name", "string"},
                  {"absent", "date"},        {"city", "string", true}, {"day", "date", true}};
  spec.files = {
      {dir.path() + "/one.parquet",
       {{"year", "2021"}, {"city", "Oslo \"x\""}, {"day", "2021-01-02"}}},
      {dir.path() + "/two.parquet", {{"year", std::nullopt}, {"city", ""}, {"day", std::nullopt}}}};
  std::ostringstream out;
  ASSERT_OK(engine->ScanToCsv(spec, out));
  EXPECT_EQ(SortedLines(out.str()), SortedLines("year,id,name,absent,city,day\n"
                                                "2021,1,\"a,b\",,\"Oslo \"\"x\"\"\",2021-01-02\n"
                                                "2021,2,,,\"Oslo \"\"x\"\"\",2021-01-02\n"
                                                ",3,,,,\n"));
}

TEST(DuckDbEngineTest, ScanOfNoFilesIsJustTheHeader) {
  auto engine = MustOpen();
  ASSERT_NE(engine, nullptr);
  ScanSpec spec;
  spec.columns = {{"a", "long"},
                  {"b,c", R"({"type":"array","elementType":"string","containsNull":true})"}};
  std::ostringstream out;
  ASSERT_OK(engine->ScanToCsv(spec, out));
  EXPECT_EQ(out.str(), "a,\"b,c\"\n");
}

TEST(DuckDbEngineTest, ScanOfNonParquetFileIsCorruption) {
  auto engine = MustOpen();
  ASSERT_NE(engine, nullptr);
  testing::TempDir dir;
  const std::string path = dir.path() + "/bad.parquet";
  std::ofstream(path) << "PAR1 but then not much else, and no footer at all";
  ScanSpec spec;
  spec.columns = {{"a", "long"}};
  spec.files = {{path, {}}};
  std::ostringstream out;
  Status status = engine->ScanToCsv(spec, out);
  EXPECT_EQ(status.code(), StatusCode::kCorruption) << status.ToString();
  EXPECT_NE(status.message().find(path), std::string::npos) << status.ToString();
  EXPECT_EQ(out.str(), "");
}

TEST(DeltaTypesTest, MapsDeltaTypesToDuckDbTypes) {
  using parquet_internal::DeltaTypeToSql;
  const std::map<std::string, std::string> cases = {
      {"string", "VARCHAR"},
      {"timestamp", "TIMESTAMP WITH TIME ZONE"},
      {"timestamp_ntz", "TIMESTAMP"},
      {"decimal(10,2)", "DECIMAL(10,2)"},
      {R"({"type":"array","elementType":{"type":"map","keyType":"string","valueType":"long"}})",
       "MAP(VARCHAR, BIGINT)[]"},
      {R"({"type":"struct","fields":[{"name":"a b","type":"short"},{"name":"c","type":"binary"}]})",
       "STRUCT(\"a b\" SMALLINT, \"c\" BLOB)"},
  };
  for (const auto& [delta, sql] : cases) {
    ASSERT_OK_AND_ASSIGN(std::string mapped, DeltaTypeToSql(delta));
    EXPECT_EQ(mapped, sql) << delta;
  }
  for (const char* bad :
       {"varchar", "decimal(40,2)", "decimal(5,6)", "{\"type\":\"set\"}", "{oops"}) {
    EXPECT_EQ(DeltaTypeToSql(bad).status().code(), StatusCode::kInvalidArgument) << bad;
  }
}

// Scale, not speed (speed is measured in bench/delta_bench): a checkpoint of
// 30,000 adds round-trips whole.
TEST(DuckDbEngineTest, ThirtyThousandAddsRoundTrip) {
  auto engine = MustOpen();
  ASSERT_NE(engine, nullptr);
  std::vector<std::string> actions = {kHandWrittenActions[1], kHandWrittenActions[2]};
  for (int i = 0; i < 30000; ++i) {
    actions.push_back(
        R"({"add":{"path":"part_id=)" + std::to_string(i % 50) + "/f" + std::to_string(i) +
        R"(.parquet","partitionValues":{"part_id":")" + std::to_string(i % 50) +
        R"("},"size":12345,"modificationTime":1700000000000,"dataChange":true,)"
        R"("stats":"{\"numRecords\":10,\"minValues\":{\"v\":1},\"maxValues\":{\"v\":9}}"}})");
  }
  testing::TempDir dir;
  const std::string path = dir.path() + "/big.checkpoint.parquet";
  ASSERT_OK(engine->WriteCheckpoint(actions, path));
  ASSERT_OK_AND_ASSIGN(auto read, engine->ReadCheckpoint(path));
  ASSERT_EQ(read.size(), actions.size());
  auto last = nlohmann::json::parse(read.back());
  EXPECT_EQ(last["add"]["path"], "part_id=49/f29999.parquet");
  EXPECT_EQ(last["add"]["partitionValues"]["part_id"], "49");
}

}  // namespace
}  // namespace pond
