// End-to-end tests of tables, time series and SQL: `pond copy` of Parquet and
// CSV as file:table and file:series, `pond cat --sql/--format/--version/
// --time-start/--time-end`, `pond query` over paths, globs and the system
// tables, `pond describe`, and every way bad input or dangerous SQL must fail
// (exit 1, one "pond: " line, nothing committed). Each command runs the real
// binary.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "e2e/run_pond.h"
#include "parquet/engine.h"

namespace pond::testing {
namespace {

namespace hostfs = std::filesystem;
using Strings = std::vector<std::string>;

constexpr int64_t kSecond = 1'000'000;
constexpr int64_t kMinute = 60 * kSecond;
constexpr int64_t kHour = 60 * kMinute;
constexpr int64_t kMarch1 = 1709251200 * kSecond;  // 2024-03-01T00:00:00Z
constexpr int64_t kJune1 = 1717200000 * kSecond;   // 2024-06-01T00:00:00Z

Strings Lines(const std::string& text) {
  Strings lines;
  std::stringstream ss(text);
  std::string line;
  while (std::getline(ss, line)) lines.push_back(line);
  return lines;
}

void WriteFile(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// How `pond` records an argument in the command line of a transaction.
std::string RecordedArg(const std::string& arg) {
  bool plain = !arg.empty() && arg.find_first_of(" \t\n'\"*?[]$") == std::string::npos;
  return plain ? arg : "'" + arg + "'";
}

// A command that worked: exit 0, nothing on stderr.
::testing::AssertionResult Ok(const PondRun& r) {
  if (r.exit_code == 0 && r.err.empty()) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << "exit " << r.exit_code << "\nstderr: " << r.err << "\nstdout: " << r.out;
}

// A command that failed as a failed operation must: exit 1, nothing on
// stdout, exactly one line on stderr, "pond: ..." containing `needle`.
::testing::AssertionResult Fails(const PondRun& r, const std::string& needle, int code = 1) {
  if (r.exit_code == code && r.out.empty() && LineCount(r.err) == 1 &&
      r.err.rfind("pond: ", 0) == 0 && r.err.find(needle) != std::string::npos) {
    return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure()
         << "exit " << r.exit_code << " (want " << code << ")\nstderr: " << r.err
         << "(want one line \"pond: ...\" containing \"" << needle << "\")\nstdout: " << r.out;
}

// The host files the pond is built from, and what went into it.
//
// Series /s.series: three batches of 6 rows, one per hour, 10 minutes apart,
// appended out of time order (hour 0, hour 2, then hour 1):
//   hour h: timestamp = March 1 + h hours + i*10 min, value = 100*h + i,
//           reading = value / 4, station = "st" + h   (i = 0..5)
//   sums of value: hour 0 -> 15, hour 1 -> 615, hour 2 -> 1215 (all: 1845).
// Table /t.table: version 1 (id 1..3, qty 1,2,3), version 2 (id 1..4, qty 10..40,
//   name alpha, beta, NULL, delta).
struct SharedPond {
  std::string pond;
  std::string host;  // host input files
  std::string error;
  Strings commands;          // the command line of each transaction, in order
  bool record_only = false;  // the pond exists: only record the command lines

  PondRun Run(const Strings& args) const { return RunPond(args, "POND=" + ShellQuote(pond)); }

  // Runs a command that commits one transaction.
  void Commit(const Strings& args) {
    if (!error.empty()) return;
    if (record_only) {
      std::string line = "pond";
      for (const auto& a : args) line += " " + RecordedArg(a);
      commands.push_back(line);
      return;
    }
    PondRun r = Run(args);
    if (r.exit_code != 0) {
      error = "pond " + args[0] + " failed: " + r.err;
      return;
    }
    std::string line = "pond";
    for (const auto& a : args) line += " " + RecordedArg(a);
    commands.push_back(line);
  }

  std::string Host(const std::string& name) const { return host + "/" + name; }
  std::string Url(const std::string& kind, const std::string& name) const {
    return kind + "://" + Host(name);
  }
};

RowBatch SeriesBatch(int hour) {
  RowBatch b;
  b.columns = {{"timestamp", CellType::kTimestamp},
               {"station", CellType::kString},
               {"value", CellType::kInt64},
               {"reading", CellType::kDouble}};
  // Rows within the batch in reverse time order: reads must still come out ordered.
  for (int i = 5; i >= 0; --i) {
    int64_t value = 100 * hour + i;
    b.rows.push_back({Cell(kMarch1 + hour * kHour + i * 10 * kMinute),
                      Cell("st" + std::to_string(hour)), Cell(value),
                      Cell(static_cast<double>(value) / 4)});
  }
  return b;
}

RowBatch TableVersion(int version) {
  RowBatch b;
  b.columns = {{"id", CellType::kInt64},
               {"name", CellType::kString},
               {"qty", CellType::kInt64},
               {"weight", CellType::kDouble}};
  if (version == 1) {
    for (int64_t id = 1; id <= 3; ++id) {
      b.rows.push_back({Cell(id), Cell(std::string(1, static_cast<char>('a' + id - 1))), Cell(id),
                        Cell(id + 0.5)});
    }
  } else {
    const char* names[] = {"alpha", "beta", nullptr, "delta"};
    for (int64_t id = 1; id <= 4; ++id) {
      const char* n = names[id - 1];
      b.rows.push_back({Cell(id), n ? Cell(std::string(n)) : Cell(std::monostate()), Cell(10 * id),
                        Cell(2.5 * static_cast<double>(id))});
    }
  }
  return b;
}

RowBatch Temps(int64_t start, const std::vector<int64_t>& temps) {
  RowBatch b;
  b.columns = {{"timestamp", CellType::kTimestamp}, {"temp", CellType::kInt64}};
  for (size_t i = 0; i < temps.size(); ++i) {
    b.rows.push_back({Cell(start + static_cast<int64_t>(i) * kHour), Cell(temps[i])});
  }
  return b;
}

Status BuildHostFiles(SharedPond& p) {
  ASSIGN_OR_RETURN(auto engine, OpenParquetEngine());
  for (int h = 0; h < 3; ++h) {
    RETURN_IF_ERROR(
        engine->WriteRows(SeriesBatch(h), p.Host("hour" + std::to_string(h) + ".parquet")));
  }
  RETURN_IF_ERROR(engine->WriteRows(TableVersion(1), p.Host("t_v1.parquet")));
  RETURN_IF_ERROR(engine->WriteRows(TableVersion(2), p.Host("t_v2.parquet")));
  RETURN_IF_ERROR(engine->WriteRows(Temps(kMarch1, {5, 7}), p.Host("north1.parquet")));
  RETURN_IF_ERROR(engine->WriteRows(Temps(kMarch1 + 2 * kHour, {9}), p.Host("north2.parquet")));
  RETURN_IF_ERROR(engine->WriteRows(Temps(kMarch1, {1, 2, 3}), p.Host("south1.parquet")));
  RowBatch meta;
  meta.columns = {{"station", CellType::kString}, {"elevation", CellType::kInt64}};
  meta.rows = {{Cell("north"), Cell(int64_t{100})}, {Cell("south"), Cell(int64_t{250})}};
  RETURN_IF_ERROR(engine->WriteRows(meta, p.Host("meta.parquet")));
  RowBatch custom;
  custom.columns = {{"measured_at", CellType::kTimestamp}, {"v", CellType::kInt64}};
  custom.rows = {{Cell(kJune1 + 8 * kHour), Cell(int64_t{4})},
                 {Cell(kJune1 + 9 * kHour + 15 * kMinute), Cell(int64_t{6})}};
  RETURN_IF_ERROR(engine->WriteRows(custom, p.Host("custom.parquet")));
  RowBatch notime;
  notime.columns = {{"id", CellType::kInt64}, {"when_seen", CellType::kString}};
  notime.rows = {{Cell(int64_t{1}), Cell("yesterday")}};
  RETURN_IF_ERROR(engine->WriteRows(notime, p.Host("notime.parquet")));

  WriteFile(p.Host("counts.csv"), "id,count,label\n1,10,x\n2,20,y\n3,30,\"z, quoted\"\n");
  WriteFile(p.Host("events.csv"),
            "timestamp,level\n2024-05-01 12:30:00,2\n2024-05-01 10:00:00,1\n"
            "2024-05-01 11:00:00,3\n");
  WriteFile(p.Host("raw.csv"), "a,b\n1,2\n3,4\n5,6\n");
  WriteFile(p.Host("notes.txt"), "just some text, not Parquet\n");
  // A truncated Parquet file: the magic bytes are there, the footer is not.
  std::string whole = ReadWholeFile(p.Host("t_v1.parquet"));
  WriteFile(p.Host("truncated.parquet"), whole.substr(0, whole.size() / 2));
  // Random binary bytes, NULs included: not CSV by any dialect.
  std::mt19937 rng(42);
  std::string binary;
  for (int i = 0; i < 4096; ++i) binary += static_cast<char>(rng() % 256);
  for (int i = 0; i < 64; ++i) binary[static_cast<size_t>(i) * 61] = '\0';
  WriteFile(p.Host("binary.csv"), binary);
  return Status::OK();
}

// A key for the fixture: changes whenever the pond binary or this test
// binary is rebuilt, so a fixture is never older than the code it tests.
std::string FixtureKey() {
  std::string key;
  for (const char* path : {POND_BINARY, "/proc/self/exe"}) {
    struct stat st;
    if (::stat(path, &st) != 0) return "";
    key += std::to_string(st.st_size) + "-" + std::to_string(st.st_mtim.tv_sec) + "-" +
           std::to_string(st.st_mtim.tv_nsec) + "-";
  }
  return std::to_string(std::hash<std::string>{}(key));
}

// Runs `fill` over the fixture in folder `dir`: with record_only set when
// the pond is there already.
void Populate(SharedPond& s, const std::string& dir, bool exists) {
  s.pond = dir + "/pond";
  s.host = dir + "/host";
  s.record_only = exists;
  if (!exists) {
    hostfs::create_directories(s.host);
    Status st = BuildHostFiles(s);
    if (!st.ok()) {
      s.error = st.ToString();
      return;
    }
  }
  s.Commit({"init"});                                                      // txn 1
  s.Commit({"copy", s.Url("host+table", "t_v1.parquet"), "/t.table"});     // 2
  s.Commit({"copy", s.Url("host+table", "t_v2.parquet"), "/t.table"});     // 3
  s.Commit({"copy", s.Url("host+series", "hour0.parquet"), "/s.series"});  // 4
  s.Commit({"copy", s.Url("host+series", "hour2.parquet"), "/s.series"});  // 5
  s.Commit({"copy", s.Url("host+series", "hour1.parquet"), "/s.series"});  // 6
  s.Commit({"copy", s.Url("host+table", "hour0.parquet"), "/b0.table"});   // 7
  s.Commit({"mkdir", "-p", "/stations/north", "/stations/south"});         // 8
  s.Commit({"copy", s.Url("host+series", "north1.parquet"),                // 9
            "/stations/north/temp.series"});
  s.Commit({"copy", s.Url("host+series", "north2.parquet"),  // 10
            "/stations/north/temp.series"});
  s.Commit({"copy", s.Url("host+series", "south1.parquet"),  // 11
            "/stations/south/temp.series"});
  s.Commit({"copy", s.Url("host+table", "meta.parquet"), "/meta.table"});        // 12
  s.Commit({"copy", s.Url("host+csv", "counts.csv"), "/counts.table"});          // 13
  s.Commit({"copy", s.Url("host+csv+series", "events.csv"), "/events.series"});  // 14
  s.Commit({"copy", s.Url("host", "raw.csv"), "/raw.csv"});                      // 15
  s.Commit({"copy", "--time-column", "measured_at", s.Url("host+series", "custom.parquet"),
            "/custom.series"});  // 16
}

// Built once per build of the binaries and shared by every test process
// (ctest runs each test in its own): the tests only read it, and every
// failing command checks that it committed nothing. It lives under the build
// folder, made under a lock and marked ready only when whole; fixtures of
// older binaries are removed when a new one is made.
SharedPond& Shared() {
  static std::unique_ptr<SharedPond> p = [] {
    auto s = std::make_unique<SharedPond>();
    const std::string base = std::string(POND_BUILD_DIR) + "/test-fixtures";
    const std::string key = FixtureKey();
    std::error_code ec;
    hostfs::create_directories(base, ec);
    int lock = ::open((base + "/sql.lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (key.empty() || lock < 0 || ::flock(lock, LOCK_EX) != 0) {
      s->error = "cannot lock the shared SQL fixture under " + base;
      return s;
    }
    const std::string dir = base + "/sql-" + key;
    const bool ready = hostfs::exists(dir + "/ready");
    if (!ready) {
      for (const auto& e : hostfs::directory_iterator(base, ec)) {
        if (e.path().filename().string().rfind("sql-", 0) == 0) hostfs::remove_all(e.path(), ec);
      }
    }
    Populate(*s, dir, ready);
    if (!ready && s->error.empty()) std::ofstream(dir + "/ready") << "ready\n";
    ::close(lock);  // releases the lock
    return s;
  }();
  return *p;
}

class SqlBase : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(Shared().error.empty()) << Shared().error;
    ASSERT_EQ(Shared().commands.size(), 16u);
    // Shared by every test: none may have committed to it.
    ASSERT_FALSE(hostfs::exists(Shared().pond + "/data/_delta_log/00000000000000000016.json"))
        << "a test committed to the shared SQL fixture";
  }
  PondRun Run(const Strings& args) { return Shared().Run(args); }
  // The output of a command that must work.
  std::string Out(const Strings& args) {
    PondRun r = Run(args);
    EXPECT_TRUE(Ok(r)) << "pond " << ::testing::PrintToString(args);
    return r.out;
  }
  // The single CSV value a query prints after its header.
  std::string Scalar(const Strings& args) {
    Strings with = args;
    with.insert(with.end(), {"--format", "csv"});
    Strings lines = Lines(Out(with));
    EXPECT_EQ(lines.size(), 2u) << ::testing::PrintToString(lines);
    return lines.size() == 2 ? lines[1] : "";
  }
  std::string Host(const std::string& name) { return Shared().Host(name); }
};

using SqlTables = SqlBase;
using SqlSeries = SqlBase;
using SqlFormats = SqlBase;
using SqlCsv = SqlBase;
using SqlQuery = SqlBase;
using SqlErrors = SqlBase;

// ---------------------------------------------------------------- tables

TEST_F(SqlTables, ParquetCopiedAsTableIsQueryable) {
  EXPECT_EQ(Scalar({"cat", "/t.table", "--sql", "SELECT count(*), sum(qty) FROM source"}), "4,100");
  EXPECT_EQ(Scalar({"query", "SELECT count(*), sum(qty) FROM '/t.table'"}), "4,100");
  // The same Parquet file as a table and as one batch of a series.
  EXPECT_EQ(Scalar({"cat", "/b0.table", "--sql", "SELECT count(*), sum(value) FROM source"}),
            "6,15");
  EXPECT_EQ(Scalar({"query", "SELECT round(sum(reading), 2) FROM '/b0.table'"}), "3.75");
  std::string d = Out({"describe", "/t.table"});
  EXPECT_NE(d.find("type:      file:table"), std::string::npos) << d;
  EXPECT_NE(d.find("versions:  2"), std::string::npos) << d;
  EXPECT_NE(d.find("schema:    id BIGINT; name VARCHAR; qty BIGINT; weight DOUBLE;"),
            std::string::npos)
      << d;
  EXPECT_NE(d.find("rows:      4\n"), std::string::npos) << d;
}

TEST_F(SqlTables, VersionPicksAnEarlierTable) {
  EXPECT_EQ(Scalar({"cat", "/t.table", "--version", "1", "--sql",
                    "SELECT count(*), sum(qty), string_agg(name, '' ORDER BY id) FROM source"}),
            "3,6,abc");
  EXPECT_EQ(Scalar({"cat", "/t.table", "--version", "2", "--sql",
                    "SELECT count(*), sum(qty) FROM source"}),
            "4,100");
  // Each version's raw bytes are exactly the Parquet file that was copied in.
  EXPECT_EQ(Out({"cat", "/t.table", "--version", "1", "--format", "raw"}),
            ReadWholeFile(Host("t_v1.parquet")));
  EXPECT_TRUE(Fails(Run({"cat", "/t.table", "--version", "3"}), "no version 3"));
}

TEST_F(SqlTables, AsOfReadsAnEarlierTable) {
  EXPECT_EQ(
      Scalar({"--as-of", "2", "cat", "/t.table", "--sql", "SELECT count(*), sum(qty) FROM source"}),
      "3,6");
  EXPECT_EQ(Scalar({"--as-of", "3", "query", "SELECT count(*), sum(qty) FROM '/t.table'"}),
            "4,100");
}

// ---------------------------------------------------------------- series

TEST_F(SqlSeries, ReadsSeeTheUnionOfVersionsInTimeOrder) {
  EXPECT_EQ(Scalar({"cat", "/s.series", "--sql",
                    "SELECT count(*), sum(value), round(sum(reading), 2) FROM source"}),
            "18,1845,461.25");
  EXPECT_EQ(Scalar({"query", "SELECT count(*), sum(value) FROM '/s.series'"}), "18,1845");
  // The default query orders a series by its time column, across versions.
  Strings lines = Lines(Out({"cat", "/s.series", "--format", "csv"}));
  ASSERT_EQ(lines.size(), 19u);
  EXPECT_EQ(lines[0], "timestamp,station,value,reading");
  EXPECT_EQ(lines[1], "2024-03-01 00:00:00+00,st0,0,0.0");
  EXPECT_EQ(lines[7], "2024-03-01 01:00:00+00,st1,100,25.0");
  EXPECT_EQ(lines[18], "2024-03-01 02:50:00+00,st2,205,51.25");
  for (size_t i = 2; i < lines.size(); ++i) EXPECT_LT(lines[i - 1], lines[i]);
}

TEST_F(SqlSeries, TimeBoundsInDescribeAndSql) {
  std::string d = Out({"describe", "/s.series"});
  EXPECT_NE(d.find("type:      file:series"), std::string::npos) << d;
  EXPECT_NE(d.find("versions:  3"), std::string::npos) << d;
  EXPECT_NE(d.find("rows:      18 (all versions)"), std::string::npos) << d;
  EXPECT_NE(d.find("time column: timestamp"), std::string::npos) << d;
  EXPECT_NE(d.find("schema:    timestamp TIMESTAMP WITH TIME ZONE; station VARCHAR; value "
                   "BIGINT; reading DOUBLE;"),
            std::string::npos)
      << d;
  // Versions in append order: hour 0, hour 2, hour 1.
  size_t v1 = d.find("events 2024-03-01T00:00:00.000000Z .. 2024-03-01T00:50:00.000000Z");
  size_t v2 = d.find("events 2024-03-01T02:00:00.000000Z .. 2024-03-01T02:50:00.000000Z");
  size_t v3 = d.find("events 2024-03-01T01:00:00.000000Z .. 2024-03-01T01:50:00.000000Z");
  ASSERT_NE(v1, std::string::npos) << d;
  ASSERT_NE(v2, std::string::npos) << d;
  ASSERT_NE(v3, std::string::npos) << d;
  EXPECT_LT(v1, v2);
  EXPECT_LT(v2, v3);

  EXPECT_EQ(
      Scalar({"cat", "/s.series", "--sql", "SELECT min(timestamp), max(timestamp) FROM source"}),
      "2024-03-01 00:00:00+00,2024-03-01 02:50:00+00");
  EXPECT_EQ(Lines(Out({"query",
                       "SELECT version, min_event_time, max_event_time FROM pond_entries "
                       "WHERE path = '/s.series' ORDER BY version",
                       "--format", "csv"})),
            (Strings{"version,min_event_time,max_event_time",
                     "1,2024-03-01 00:00:00+00,2024-03-01 00:50:00+00",
                     "2,2024-03-01 02:00:00+00,2024-03-01 02:50:00+00",
                     "3,2024-03-01 01:00:00+00,2024-03-01 01:50:00+00"}));
}

TEST_F(SqlSeries, TimeRangeReadsOnlyTheVersionsItMeets) {
  // Exactly the middle hour: only version 3 is handed to DuckDB.
  PondRun r = Run({"-v", "cat", "/s.series", "--time-start", "2024-03-01T01:00:00Z", "--time-end",
                   "2024-03-01T02:00:00Z", "--format", "csv"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  Strings lines = Lines(r.out);
  ASSERT_EQ(lines.size(), 7u) << r.out;
  EXPECT_EQ(lines[1], "2024-03-01 01:00:00+00,st1,100,25.0");
  EXPECT_EQ(lines[6], "2024-03-01 01:50:00+00,st1,105,26.25");
  EXPECT_NE(r.err.find("data files read: 1\n"), std::string::npos) << r.err;

  r = Run({"--verbose", "cat", "/s.series", "--time-start", "2024-03-01T01:00", "--time-end",
           "2024-03-01T02:00", "--sql", "SELECT count(*) AS n, sum(value) AS s FROM source",
           "--format", "csv"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "n,s\n6,615\n");
  EXPECT_NE(r.err.find("data files read: 1\n"), std::string::npos) << r.err;

  // Half of hour 0 and half of hour 1: two versions read, rows cut at both ends.
  r = Run({"-v", "cat", "/s.series", "--time-start", "2024-03-01T00:30", "--time-end",
           "2024-03-01T01:30", "--sql", "SELECT count(*), sum(value) FROM source", "--format",
           "csv"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Lines(r.out).back(), "6,315");  // 3+4+5 + 100+101+102
  EXPECT_NE(r.err.find("data files read: 2\n"), std::string::npos) << r.err;

  // Only a start: hours 1 and 2.
  EXPECT_EQ(Scalar({"cat", "/s.series", "--time-start", "2024-03-01T01:00", "--sql",
                    "SELECT count(*), sum(value) FROM source"}),
            "12,1830");
}

TEST_F(SqlSeries, TimeRangeMeetingNoVersionIsEmpty) {
  PondRun r = Run({"-v", "cat", "/s.series", "--time-start", "2025-01-01", "--time-end",
                   "2025-01-02", "--format", "csv"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "timestamp,station,value,reading\n");
  // Only the one version that gives the result its columns is read, not every version.
  EXPECT_NE(r.err.find("data files read: 1\n"), std::string::npos) << r.err;
  r = Run({"cat", "/s.series", "--time-end", "2024-03-01T00:00"});
  EXPECT_TRUE(Ok(r));
  EXPECT_NE(r.out.find("(0 rows)"), std::string::npos) << r.out;
  EXPECT_EQ(Scalar({"cat", "/s.series", "--time-start", "2020-01-01", "--time-end", "2020-02-01",
                    "--sql", "SELECT count(*) FROM source"}),
            "0");
  // The same for a series whose time column is a TIMESTAMP without a time zone (from CSV).
  EXPECT_EQ(Out({"cat", "/events.series", "--time-start", "2030-01-01", "--format", "csv"}),
            "timestamp,level\n");
}

TEST_F(SqlSeries, AsOfSeesTheSeriesBeforeTheLastAppend) {
  // Transaction 5 is the second append (hour 2); hour 1 came in transaction 6.
  EXPECT_EQ(Scalar({"--as-of", "5", "cat", "/s.series", "--sql",
                    "SELECT count(*), sum(value) FROM source"}),
            "12,1230");
  EXPECT_EQ(Scalar({"cat", "/s.series", "--as-of", "5", "--sql",
                    "SELECT count(*), min(timestamp), max(timestamp) FROM source"}),
            "12,2024-03-01 00:00:00+00,2024-03-01 02:50:00+00");
  EXPECT_EQ(Scalar({"--as-of", "4", "query", "SELECT count(*), sum(value) FROM '/s.series'"}),
            "6,15");
  std::string d = Out({"--as-of", "5", "describe", "/s.series"});
  EXPECT_NE(d.find("versions:  2"), std::string::npos) << d;
  EXPECT_NE(d.find("rows:      12 (all versions)"), std::string::npos) << d;
}

TEST_F(SqlSeries, VersionPicksOneBatch) {
  EXPECT_EQ(Scalar({"cat", "/s.series", "--version", "2", "--sql",
                    "SELECT count(*), sum(value) FROM source"}),
            "6,1215");
  EXPECT_EQ(Out({"cat", "/s.series", "--version", "3", "--format", "raw"}),
            ReadWholeFile(Host("hour1.parquet")));
  // Raw bytes of a many-version series are ambiguous without --version.
  EXPECT_TRUE(Fails(Run({"cat", "/s.series", "--format", "raw"}), "--version"));
}

TEST_F(SqlSeries, TimeColumnOption) {
  std::string d = Out({"describe", "/custom.series"});
  EXPECT_NE(d.find("time column: measured_at"), std::string::npos) << d;
  EXPECT_NE(d.find("events 2024-06-01T08:00:00.000000Z .. 2024-06-01T09:15:00.000000Z"),
            std::string::npos)
      << d;
  EXPECT_EQ(Scalar({"cat", "/custom.series", "--time-start", "2024-06-01T09:00", "--sql",
                    "SELECT count(*), sum(v) FROM source"}),
            "1,6");
}

// ---------------------------------------------------------------- output formats

TEST_F(SqlFormats, TableOutput) {
  std::string out = Out({"cat", "/t.table", "--format", "table", "--sql",
                         "SELECT id, name, qty FROM source ORDER BY id"});
  EXPECT_EQ(out,
            "id  name   qty\n"
            "--  -----  ---\n"
            " 1  alpha   10\n"
            " 2  beta    20\n"
            " 3  NULL    30\n"
            " 4  delta   40\n"
            "(4 rows)\n");
  // The default for a table is this format.
  EXPECT_EQ(Out({"cat", "/t.table", "--sql", "SELECT id, name, qty FROM source ORDER BY id"}), out);
  EXPECT_EQ(Out({"query", "SELECT 1 AS one"}), "one\n---\n  1\n(1 row)\n");
}

TEST_F(SqlFormats, CsvHasAHeaderAndOneLinePerRow) {
  EXPECT_EQ(Out({"cat", "/t.table", "--format", "csv", "--sql",
                 "SELECT id, name, qty FROM source ORDER BY id"}),
            "id,name,qty\n1,alpha,10\n2,beta,20\n3,,30\n4,delta,40\n");
  EXPECT_EQ(Out({"query", "SELECT id, label FROM '/counts.table' ORDER BY id", "--format", "csv"}),
            "id,label\n1,x\n2,y\n3,\"z, quoted\"\n");
}

TEST_F(SqlFormats, JsonlIsOneObjectPerLine) {
  Strings lines = Lines(Out({"cat", "/t.table", "--format", "jsonl"}));
  ASSERT_EQ(lines.size(), 4u);
  int64_t qty = 0;
  double weight = 0;
  for (size_t i = 0; i < lines.size(); ++i) {
    nlohmann::json j = nlohmann::json::parse(lines[i], nullptr, false);
    ASSERT_TRUE(j.is_object()) << lines[i];
    EXPECT_EQ(j.size(), 4u) << lines[i];
    ASSERT_TRUE(j["id"].is_number_integer()) << lines[i];
    ASSERT_TRUE(j["qty"].is_number_integer()) << lines[i];
    ASSERT_TRUE(j["weight"].is_number()) << lines[i];
    qty += j["qty"].get<int64_t>();
    weight += j["weight"].get<double>();
    if (j["id"] == 3) {
      EXPECT_TRUE(j["name"].is_null()) << lines[i];
    } else {
      EXPECT_TRUE(j["name"].is_string()) << lines[i];
    }
  }
  EXPECT_EQ(qty, 100);
  EXPECT_DOUBLE_EQ(weight, 25.0);
  // Timestamps are strings; query output is json too.
  lines = Lines(Out({"query", "SELECT timestamp, value FROM '/s.series' WHERE value = 201",
                     "--format", "jsonl"}));
  ASSERT_EQ(lines.size(), 1u);
  nlohmann::json j = nlohmann::json::parse(lines[0]);
  EXPECT_EQ(j, nlohmann::json::parse(R"({"timestamp":"2024-03-01 02:10:00+00","value":201})"));
}

// Many chunks (DuckDB hands out 2,048 rows at a time, formatted on several
// threads): every row comes back once, in order, with its values, in each
// format.
TEST_F(SqlFormats, LargeResultsRoundTripInEveryFormat) {
  constexpr int64_t kRows = 12000;
  const std::string sql =
      "SELECT i, i // 4 AS quarter, 'r,' || i AS label, "
      "CASE WHEN i % 7 = 0 THEN NULL ELSE TIMESTAMPTZ '2024-03-01 00:00:00+00' + to_seconds(i) "
      "END AS t FROM range(" +
      std::to_string(kRows) + ") r(i) ORDER BY i";
  auto time_of = [](int64_t i) {
    return Shared().Run(
        {"query",
         "SELECT TIMESTAMPTZ '2024-03-01 00:00:00+00' + to_seconds(" + std::to_string(i) + ")",
         "--format", "csv"});
  };
  PondRun sample = time_of(5433);
  ASSERT_TRUE(Ok(sample));
  const std::string t5433 = Lines(sample.out).at(1);
  EXPECT_EQ(t5433, "2024-03-01 01:30:33+00");

  // CSV: a header, then one line per row; the label is quoted for its comma.
  Strings csv = Lines(Out({"query", sql, "--format", "csv"}));
  ASSERT_EQ(csv.size(), static_cast<size_t>(kRows) + 1);
  EXPECT_EQ(csv[0], "i,quarter,label,t");
  for (int64_t i = 0; i < kRows; ++i) {
    std::string want =
        std::to_string(i) + "," + std::to_string(i / 4) + ",\"r," + std::to_string(i) + "\",";
    ASSERT_EQ(csv[i + 1].substr(0, want.size()), want) << "row " << i;
    std::string t = csv[i + 1].substr(want.size());
    if (i % 7 == 0) {
      ASSERT_EQ(t, "") << "row " << i;
    } else {
      ASSERT_EQ(t.size(), t5433.size()) << "row " << i;
    }
  }
  EXPECT_EQ(csv[5433 + 1], "5433,1358,\"r,5433\"," + t5433);

  // JSON: one valid document, an array of every row in order.
  nlohmann::json doc =
      nlohmann::json::parse(Out({"query", sql, "--format", "json"}), nullptr, false);
  ASSERT_TRUE(doc.is_array());
  ASSERT_EQ(doc.size(), static_cast<size_t>(kRows));
  for (int64_t i = 0; i < kRows; ++i) {
    const nlohmann::json& row = doc[static_cast<size_t>(i)];
    ASSERT_EQ(row["i"], i);
    ASSERT_EQ(row["quarter"], i / 4);
    ASSERT_EQ(row["label"], "r," + std::to_string(i));
    ASSERT_EQ(row["t"].is_null(), i % 7 == 0) << "row " << i;
  }
  EXPECT_EQ(doc[5433]["t"], t5433);

  // JSON lines: the same objects, one per line.
  Strings jsonl = Lines(Out({"query", sql, "--format", "jsonl"}));
  ASSERT_EQ(jsonl.size(), static_cast<size_t>(kRows));
  for (int64_t i = 0; i < kRows; i += 997) {
    ASSERT_EQ(nlohmann::json::parse(jsonl[static_cast<size_t>(i)]), doc[static_cast<size_t>(i)]);
  }

  // Table: sized by its first 1,000 rows, every row on its own line, counted.
  Strings table = Lines(Out({"query", sql, "--format", "table"}));
  ASSERT_EQ(table.size(), static_cast<size_t>(kRows) + 3);
  EXPECT_EQ(table.back(), "(12000 rows)");
  EXPECT_EQ(table[0].substr(0, 12), "  i  quarter");
  EXPECT_EQ(table[2].substr(0, 17), "  0        0  r,0");
  EXPECT_EQ(table[5433 + 2].substr(0, 21), "5433     1358  r,5433");
}

TEST_F(SqlFormats, RawIsTheOriginalParquet) {
  EXPECT_EQ(Out({"cat", "/t.table", "--format", "raw"}), ReadWholeFile(Host("t_v2.parquet")));
  EXPECT_EQ(Out({"cat", "/b0.table", "--format", "raw"}), ReadWholeFile(Host("hour0.parquet")));
  // A raw data file prints its bytes by default.
  EXPECT_EQ(Out({"cat", "/raw.csv"}), ReadWholeFile(Host("raw.csv")));
  EXPECT_TRUE(Fails(Run({"cat", "/t.table", "--format", "raw", "--sql", "SELECT 1"}), "--sql", 2));
}

// ---------------------------------------------------------------- CSV

TEST_F(SqlCsv, CsvBecomesATableWithTypesInferred) {
  EXPECT_EQ(Scalar({"cat", "/counts.table", "--sql",
                    "SELECT count(*), sum(count), typeof(any_value(count)) FROM source"}),
            "3,60,BIGINT");
  std::string d = Out({"describe", "/counts.table"});
  EXPECT_NE(d.find("type:      file:table"), std::string::npos) << d;
  EXPECT_NE(d.find("schema:    id BIGINT; count BIGINT; label VARCHAR;"), std::string::npos) << d;
  EXPECT_NE(d.find("rows:      3\n"), std::string::npos) << d;
}

TEST_F(SqlCsv, CsvSeriesRecordsBounds) {
  std::string d = Out({"describe", "/events.series"});
  EXPECT_NE(d.find("type:      file:series"), std::string::npos) << d;
  EXPECT_NE(d.find("time column: timestamp"), std::string::npos) << d;
  EXPECT_NE(d.find("events 2024-05-01T10:00:00.000000Z .. 2024-05-01T12:30:00.000000Z"),
            std::string::npos)
      << d;
  EXPECT_EQ(Out({"cat", "/events.series", "--format", "csv"}),
            "timestamp,level\n2024-05-01 10:00:00,1\n2024-05-01 11:00:00,3\n"
            "2024-05-01 12:30:00,2\n");
  EXPECT_EQ(Scalar({"cat", "/events.series", "--time-start", "2024-05-01T10:30", "--sql",
                    "SELECT count(*), sum(level) FROM source"}),
            "2,5");
}

TEST_F(SqlCsv, RawCsvFileReadsAsATable) {
  EXPECT_EQ(
      Scalar({"cat", "csv:///raw.csv", "--sql", "SELECT count(*), sum(a), sum(b) FROM source"}),
      "3,9,12");
  EXPECT_EQ(Out({"cat", "csv:///raw.csv", "--format", "csv"}), "a,b\n1,2\n3,4\n5,6\n");
  EXPECT_EQ(Scalar({"query", "SELECT sum(a * b) FROM 'csv:///raw.csv'"}), "44");
}

TEST_F(SqlCsv, CsvOutputParsesBack) {
  std::string csv = Out({"query",
                         "SELECT timestamp, station, value FROM '/s.series' WHERE value % 2 = 0 "
                         "ORDER BY timestamp",
                         "--format", "csv"});
  Strings lines = Lines(csv);
  ASSERT_EQ(lines.size(), 10u);  // header + 9 even values
  EXPECT_EQ(lines[0], "timestamp,station,value");
  int64_t sum = 0;
  for (size_t i = 1; i < lines.size(); ++i) {
    std::stringstream ss(lines[i]);
    std::string ts, station, value;
    ASSERT_TRUE(std::getline(ss, ts, ',') && std::getline(ss, station, ',') &&
                std::getline(ss, value))
        << lines[i];
    EXPECT_EQ(station, "st" + std::to_string(std::stoll(value) / 100)) << lines[i];
    sum += std::stoll(value);
  }
  EXPECT_EQ(sum, 0 + 2 + 4 + 100 + 102 + 104 + 200 + 202 + 204);

  // And DuckDB reads it back as the same table, in a pond of its own.
  TempDir other;
  std::string env = "POND=" + ShellQuote(other.path() + "/pond");
  WriteFile(other.path() + "/out.csv", csv);
  ASSERT_TRUE(Ok(RunPond({"init"}, env)));
  ASSERT_TRUE(
      Ok(RunPond({"copy", "host+csv+series://" + other.path() + "/out.csv", "/back.series"}, env)));
  PondRun r = RunPond({"cat", "/back.series", "--format", "csv"}, env);
  ASSERT_TRUE(Ok(r));
  EXPECT_EQ(r.out, csv);
}

// ---------------------------------------------------------------- pond query

TEST_F(SqlQuery, GlobHasPathAndCaptureColumns) {
  EXPECT_EQ(Out({"query",
                 "SELECT _1, _path, count(*) AS n, sum(temp) AS s FROM "
                 "'/stations/*/temp.series' GROUP BY _1, _path ORDER BY _1",
                 "--format", "csv"}),
            "_1,_path,n,s\n"
            "north,/stations/north/temp.series,3,21\n"
            "south,/stations/south/temp.series,3,6\n");
  // Two captures.
  EXPECT_EQ(Out({"query", "SELECT DISTINCT _1, _2 FROM '/stations/*/*.series' ORDER BY _1",
                 "--format", "csv"}),
            "_1,_2\nnorth,temp.series\nsouth,temp.series\n");
  // A literal path has no _path column.
  EXPECT_TRUE(Fails(Run({"query", "SELECT _path FROM '/t.table'"}), "SQL error"));
}

TEST_F(SqlQuery, JoinOfTwoPondTables) {
  EXPECT_EQ(Out({"query",
                 "SELECT t.id, t.qty * c.count AS p FROM '/t.table' AS t "
                 "JOIN '/counts.table' AS c ON t.id = c.id ORDER BY t.id",
                 "--format", "csv"}),
            "id,p\n1,100\n2,400\n3,900\n");
  EXPECT_EQ(Out({"query",
                 "SELECT m.station, m.elevation, max(s.temp) AS hi FROM "
                 "'/stations/*/temp.series' AS s JOIN '/meta.table' AS m ON s._1 = m.station "
                 "GROUP BY ALL ORDER BY m.station",
                 "--format", "csv"}),
            "station,elevation,hi\nnorth,100,9\nsouth,250,3\n");
}

TEST_F(SqlQuery, PondEntriesMatchWhatWasCreated) {
  // Directories get one version per transaction that changes them: / in
  // transactions 1, 2, 4, 7, 8, 12-16 (10); /stations in 8; each station in 8
  // and in the copy that created its series (2 + 2).
  EXPECT_EQ(
      Out({"query", "SELECT entry_type, count(*) FROM pond_entries GROUP BY entry_type ORDER BY 1",
           "--format", "csv"}),
      "entry_type,count_star()\n"
      "directory,15\n"
      "file:data,1\n"
      "file:series,8\n"
      "file:table,5\n");
  EXPECT_EQ(Out({"query",
                 "SELECT path, count(*) AS n, max(version) AS v, count(DISTINCT node_id) AS ids, "
                 "sum(size) > 0 AS sized "
                 "FROM pond_entries WHERE entry_type LIKE 'file:%' GROUP BY path ORDER BY path",
                 "--format", "csv"}),
            "path,n,v,ids,sized\n"
            "/b0.table,1,1,1,true\n"
            "/counts.table,1,1,1,true\n"
            "/custom.series,1,1,1,true\n"
            "/events.series,1,1,1,true\n"
            "/meta.table,1,1,1,true\n"
            "/raw.csv,1,1,1,true\n"
            "/s.series,3,3,1,true\n"
            "/stations/north/temp.series,2,2,1,true\n"
            "/stations/south/temp.series,1,1,1,true\n"
            "/t.table,2,2,1,true\n");
  // Versions carry the transaction that wrote them, and content hashes.
  EXPECT_EQ(Out({"query",
                 "SELECT version, txn_seq, length(sha256), size FROM pond_entries "
                 "WHERE path = '/raw.csv'",
                 "--format", "csv"}),
            "version,txn_seq,length(sha256),size\n1,15," + std::to_string(64) + ",16\n");
  EXPECT_EQ(Scalar({"query",
                    "SELECT string_agg(txn_seq::VARCHAR, ' ' ORDER BY version) FROM pond_entries "
                    "WHERE path = '/s.series'"}),
            "4 5 6");
  // Non-series entries have no event times.
  EXPECT_EQ(Scalar({"query",
                    "SELECT count(*) FROM pond_entries WHERE entry_type <> 'file:series' AND "
                    "(min_event_time IS NOT NULL OR max_event_time IS NOT NULL)"}),
            "0");
}

TEST_F(SqlQuery, PondTransactionsHaveOneRowPerCommit) {
  const Strings& commands = Shared().commands;
  Strings lines = Lines(Out({"query",
                             "SELECT txn_seq, delta_version, command FROM pond_transactions "
                             "ORDER BY txn_seq",
                             "--format", "jsonl"}));
  ASSERT_EQ(lines.size(), commands.size());
  for (size_t i = 0; i < lines.size(); ++i) {
    nlohmann::json j = nlohmann::json::parse(lines[i], nullptr, false);
    ASSERT_TRUE(j.is_object()) << lines[i];
    EXPECT_EQ(j["txn_seq"], static_cast<int64_t>(i + 1)) << lines[i];
    EXPECT_EQ(j["delta_version"], static_cast<int64_t>(i)) << lines[i];
    EXPECT_EQ(j["command"], commands[i]) << lines[i];
  }
  EXPECT_EQ(Scalar({"query",
                    "SELECT string_agg(nodes_changed::VARCHAR, ' ' ORDER BY txn_seq) FROM "
                    "pond_transactions"}),
            "1 2 1 2 1 1 2 4 2 1 2 2 2 2 2 2");
  // Timestamps never go backwards.
  EXPECT_EQ(Scalar({"query",
                    "SELECT count(*) FROM (SELECT timestamp < lag(timestamp) OVER (ORDER BY "
                    "txn_seq) AS back FROM pond_transactions) WHERE back"}),
            "0");
  // As of transaction 5, the log had five transactions.
  EXPECT_EQ(
      Scalar({"--as-of", "5", "query", "SELECT count(*), max(txn_seq) FROM pond_transactions"}),
      "5,5");
}

// ---------------------------------------------------------------- errors

class SqlErrorsTest : public SqlBase {
 protected:
  void SetUp() override {
    SqlBase::SetUp();
    log_before_ = Out({"log"});
    ASSERT_FALSE(log_before_.empty());
  }
  void TearDown() override { EXPECT_EQ(Out({"log"}), log_before_) << "a failed command committed"; }
  std::string log_before_;
};

using SqlBadInput = SqlErrorsTest;

// How the SQL lock-down refuses a file the query did not name as a pond path.
constexpr const char* kMayOnlyRead = "SQL may only read the pond files the query names";
using SqlLockDown = SqlErrorsTest;

TEST_F(SqlBadInput, NonParquetAsTable) {
  EXPECT_TRUE(Fails(Run({"copy", Shared().Url("host+table", "notes.txt"), "/notes.table"}),
                    "is not a Parquet file"));
  EXPECT_TRUE(Fails(Run({"copy", Shared().Url("host+table", "truncated.parquet"), "/x.table"}),
                    "is not a Parquet file"));
  EXPECT_TRUE(Fails(Run({"copy", Shared().Url("host+series", "raw.csv"), "/x.series"}),
                    "is not a Parquet file"));
  // Not even onto an existing table: it keeps its two versions.
  EXPECT_TRUE(Fails(Run({"copy", Shared().Url("host+table", "truncated.parquet"), "/t.table"}),
                    "is not a Parquet file"));
  EXPECT_EQ(Scalar({"query", "SELECT count(*) FROM pond_entries WHERE path = '/t.table'"}), "2");
}

TEST_F(SqlBadInput, MalformedCsv) {
  EXPECT_TRUE(Fails(Run({"copy", Shared().Url("host+csv", "binary.csv"), "/binary.table"}),
                    "cannot import"));
  EXPECT_TRUE(Fails(Run({"copy", Shared().Url("host+csv+series", "binary.csv"), "/binary.series"}),
                    "cannot import"));
  EXPECT_TRUE(Fails(Run({"query", "SELECT count(*) FROM 'csv:///b0.table'"}), "the query failed"));
}

TEST_F(SqlBadInput, SeriesWithoutATimeColumn) {
  EXPECT_TRUE(Fails(Run({"copy", Shared().Url("host+series", "notime.parquet"), "/n.series"}),
                    "has no time column"));
  EXPECT_TRUE(Fails(Run({"copy", Shared().Url("host+csv+series", "counts.csv"), "/c.series"}),
                    "has no time column"));
  EXPECT_TRUE(Fails(Run({"copy", "--time-column", "nope",
                         Shared().Url("host+series", "hour0.parquet"), "/n.series"}),
                    "has no time column"));
  // Appending a batch without the time column to an existing series fails too.
  EXPECT_TRUE(Fails(Run({"copy", Shared().Url("host+series", "notime.parquet"), "/s.series"}),
                    "has no time column"));
}

TEST_F(SqlBadInput, SqlSyntaxError) {
  EXPECT_TRUE(Fails(Run({"query", "SELEC count(*) FROM '/t.table'"}), "syntax error"));
  EXPECT_TRUE(Fails(Run({"cat", "/t.table", "--sql", "SELECT FROM WHERE source"}), "syntax error"));
}

TEST_F(SqlBadInput, UnknownColumnOrTable) {
  EXPECT_TRUE(Fails(Run({"query", "SELECT nope FROM '/t.table'"}), "nope"));
  EXPECT_TRUE(
      Fails(Run({"cat", "/s.series", "--sql", "SELECT sum(missing) FROM source"}), "missing"));
  EXPECT_TRUE(Fails(Run({"query", "SELECT * FROM no_such_table"}), "no_such_table"));
}

TEST_F(SqlBadInput, MissingPath) {
  EXPECT_TRUE(Fails(Run({"query", "SELECT * FROM '/nope.table'"}), "/nope.table"));
  EXPECT_TRUE(Fails(Run({"query", "SELECT * FROM '/stations/*/nope.series'"}), "nope.series"));
  EXPECT_TRUE(Fails(Run({"query", "SELECT * FROM '/t.table' JOIN '/gone.table' USING (id)"}),
                    "/gone.table"));
  EXPECT_TRUE(Fails(Run({"cat", "/nope.table", "--sql", "SELECT 1"}), "nope.table"));
  EXPECT_TRUE(Fails(Run({"cat", "csv:///nope.csv"}), "nope.csv"));
}

TEST_F(SqlBadInput, RawFileIsNotATable) {
  EXPECT_TRUE(Fails(Run({"query", "SELECT * FROM '/raw.csv'"}), "csv:///raw.csv"));
  EXPECT_TRUE(Fails(Run({"cat", "/raw.csv", "--sql", "SELECT * FROM source"}), "csv:///raw.csv"));
  EXPECT_TRUE(Fails(Run({"cat", "/raw.csv", "--format", "csv"}), "csv:///raw.csv"));
  EXPECT_TRUE(Fails(Run({"query", "SELECT * FROM '/stations'"}), "is a directory"));
  EXPECT_TRUE(Fails(Run({"cat", "/t.table", "--time-start", "2024-01-01"}), "series", 2));
}

TEST_F(SqlLockDown, CopyToIsRefused) {
  std::string target = Host("copied_out.csv");
  EXPECT_TRUE(Fails(Run({"query", "COPY (SELECT * FROM '/t.table') TO '" + target + "'"}), "COPY"));
  EXPECT_TRUE(Fails(Run({"cat", "/t.table", "--sql", "COPY source TO '" + target + "'"}), "COPY"));
  EXPECT_TRUE(Fails(Run({"query", "SELECT 1; COPY (SELECT 1) TO '" + target + "'"}), "COPY"));
  EXPECT_TRUE(Fails(Run({"query", "EXPORT DATABASE '" + Host("exported") + "'"}), "not EXPORT"));
  EXPECT_FALSE(hostfs::exists(target));
  EXPECT_FALSE(hostfs::exists(Host("exported")));
}

TEST_F(SqlLockDown, OtherFilesCannotBeRead) {
  EXPECT_TRUE(Fails(Run({"query", "SELECT * FROM read_csv('/etc/passwd')"}), kMayOnlyRead));
  EXPECT_TRUE(Fails(Run({"cat", "/t.table", "--sql", "SELECT * FROM read_csv('/etc/passwd')"}),
                    kMayOnlyRead));
  EXPECT_TRUE(Fails(Run({"query", "SELECT * FROM read_text('/etc/hostname')"}), kMayOnlyRead));
  EXPECT_TRUE(Fails(Run({"query", "SELECT * FROM '/etc/passwd'"}), "no pond file matches"));
  EXPECT_TRUE(Fails(Run({"query", "SELECT * FROM read_parquet('" + Host("t_v1.parquet") + "')"}),
                    kMayOnlyRead));
  EXPECT_TRUE(Fails(Run({"query", "SELECT count(*) FROM glob('/etc/*')"}), kMayOnlyRead));
  EXPECT_TRUE(Fails(Run({"query", "SELECT * FROM '" + Host("meta.parquet") + "'"}),
                    "no pond file matches"));
}

TEST_F(SqlLockDown, AttachSetAndLoadAreRefused) {
  std::string db = Host("attached.db");
  EXPECT_TRUE(Fails(Run({"query", "ATTACH '" + db + "' AS x"}), "ATTACH"));
  EXPECT_TRUE(Fails(Run({"cat", "/t.table", "--sql", "ATTACH '" + db + "'"}), "ATTACH"));
  EXPECT_FALSE(hostfs::exists(db));
  EXPECT_TRUE(Fails(Run({"query", "SET enable_external_access = true"}), "not SET"));
  EXPECT_TRUE(Fails(Run({"query", "INSTALL httpfs"}), "only queries"));
  EXPECT_TRUE(Fails(Run({"query", "LOAD httpfs"}), "only queries"));
  EXPECT_TRUE(Fails(Run({"query", "CREATE TABLE t AS SELECT 1"}), "not CREATE"));
}

}  // namespace
}  // namespace pond::testing
