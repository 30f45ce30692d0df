// End-to-end tests of factories: mknod, list-factories, run, apply, export,
// and every factory read through cat, query, describe, list and copy.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "e2e/pond_fixture.h"

namespace pond::testing {
namespace {

namespace fs = std::filesystem;

class Factories : public PondFixture {
 protected:
  // mknod FACTORY PATH with `config` written to a host file; must work.
  void Mknod(const std::string& factory, const std::string& path, const std::string& config) {
    std::string file = Host("cfg/" + std::to_string(configs_++) + ".yaml", config);
    PondRun r = Pond({"mknod", factory, path, "--config-path", file});
    ASSERT_TRUE(Ok(r)) << factory << " " << path;
  }
  PondRun TryMknod(const std::string& factory, const std::string& path, const std::string& config,
                   const std::string& env = "") {
    std::string file = Host("cfg/" + std::to_string(configs_++) + ".yaml", config);
    return Pond({"mknod", factory, path, "--config-path", file}, env);
  }
  // The single CSV value of a query.
  std::string Scalar(const std::string& sql) {
    Strings lines = Lines(Out({"query", sql, "--format", "csv"}));
    EXPECT_EQ(lines.size(), 2u) << sql;
    return lines.size() == 2 ? lines[1] : "";
  }
  size_t Commits() { return Lines(Out({"log", "--limit", "100000"})).size(); }

  static std::string Synthetic(const std::string& start, const std::string& end,
                               const std::string& interval, const std::string& points) {
    return "start: " + start + "\nend: " + end + "\ninterval: " + interval + "\npoints:\n" + points;
  }

  int configs_ = 0;
};

const char* kPressure =
    "  - name: pressure\n    components:\n      - {type: line, offset: 1013.0}\n";

TEST_F(Factories, ListFactoriesNamesEveryFactory) {
  std::string out = Out({"list-factories"});
  for (const char* name :
       {"synthetic-timeseries", "sql-derived-table", "sql-derived-series", "temporal-reduce",
        "timeseries-join", "timeseries-pivot", "column-rename", "dynamic-dir"}) {
    EXPECT_NE(out.find(name), std::string::npos) << name;
  }
  auto json = nlohmann::json::parse(Out({"list-factories", "--format", "json"}));
  ASSERT_TRUE(json.is_array());
  for (const auto& f : json) {
    if (f["name"] == "temporal-reduce") {
      EXPECT_EQ(f["makes"], "directory");
    }
    if (f["name"] == "synthetic-timeseries") {
      EXPECT_EQ(f["makes"], "series");
    }
    if (f["name"] == "sql-derived-table") {
      EXPECT_EQ(f["makes"], "table");
    }
  }
}

TEST_F(Factories, SyntheticDayAtOneMinuteReducesToTwentyFiveHours) {
  Mknod("synthetic-timeseries", "/raw.series",
        Synthetic("2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z", "1m", kPressure));
  EXPECT_EQ(Scalar("SELECT count(*) FROM '/raw.series'"), "1441");
  Mknod(
      "temporal-reduce", "/reduced",
      "in_pattern: series:///raw.series\nout_pattern: station\ntime_column: timestamp\n"
      "resolutions: [1h, 1d]\naggregations:\n  - {type: avg}\n  - {type: count, columns: ['*']}\n");
  EXPECT_EQ(Out({"list", "/reduced/**"}),
            "/reduced/\n/reduced/station/\n/reduced/station/res=1d.series\n"
            "/reduced/station/res=1h.series\n");
  EXPECT_EQ(Scalar("SELECT count(*) FROM '/reduced/station/res=1h.series'"), "25");
  // Constant input reduces exactly.
  EXPECT_EQ(Scalar("SELECT count(*) FROM '/reduced/station/res=1h.series' "
                   "WHERE \"pressure.avg\" = 1013.0"),
            "25");
  // The inclusive end adds a one-sample bucket; buckets are epoch-aligned UTC.
  EXPECT_EQ(Out({"cat", "/reduced/station/res=1d.series", "--format", "csv"}),
            "timestamp,pressure.avg,timestamp.count\n"
            "2026-01-01 00:00:00+00,1013.0,1440\n"
            "2026-01-02 00:00:00+00,1013.0,1\n");
  // describe shows the factory, the config and the computed schema.
  std::string d = Out({"describe", "/reduced/station/res=1h.series"});
  EXPECT_NE(d.find("file:series:dynamic"), std::string::npos) << d;
  EXPECT_NE(d.find("pressure.avg DOUBLE"), std::string::npos) << d;
  EXPECT_NE(d.find("rows:      25"), std::string::npos) << d;
  d = Out({"describe", "/reduced"});
  EXPECT_NE(d.find("factory:   temporal-reduce"), std::string::npos) << d;
  EXPECT_NE(d.find("resolutions: [1h, 1d]"), std::string::npos) << d;
}

TEST_F(Factories, AYearOfHourlyDataAtFiveResolutions) {
  Mknod(
      "synthetic-timeseries", "/y.series",
      Synthetic("2025-01-01T00:00:00Z", "2025-12-31T23:00:00Z", "1h",
                "  - name: v\n    components:\n      - {type: sine, amplitude: 1, period: 1d}\n"));
  Mknod("temporal-reduce", "/r",
        "in_pattern: /y.series\nout_pattern: y\ntime_column: timestamp\n"
        "resolutions: [1h, 2h, 4h, 12h, 24h]\naggregations:\n  - {type: max, columns: [v]}\n");
  EXPECT_EQ(Scalar("SELECT count(*) FROM '/r/y/res=1h.series'"), "8760");
  EXPECT_EQ(Scalar("SELECT count(*) FROM '/r/y/res=2h.series'"), "4380");
  EXPECT_EQ(Scalar("SELECT count(*) FROM '/r/y/res=4h.series'"), "2190");
  EXPECT_EQ(Scalar("SELECT count(*) FROM '/r/y/res=12h.series'"), "730");
  EXPECT_EQ(Scalar("SELECT count(*) FROM '/r/y/res=24h.series'"), "365");
  // A glob over the resolutions has the captures.
  EXPECT_EQ(Scalar("SELECT count(DISTINCT _1) FROM '/r/y/res=*.series'"), "5");
}

TEST_F(Factories, TwoStationsJoined) {
  const char* temp = "  - name: temp\n    components:\n      - {type: line, offset: 1}\n";
  Mknod("synthetic-timeseries", "/north.series",
        Synthetic("2026-01-01T00:00:00Z", "2026-01-15T00:00:00Z", "1h", temp));
  Mknod("synthetic-timeseries", "/south.series",
        Synthetic("2026-01-10T00:00:00Z", "2026-01-25T00:00:00Z", "1h", temp));
  Mknod("timeseries-join", "/joined.series",
        "inputs:\n  - {pattern: /north.series, scope: north}\n"
        "  - {pattern: series:///south.series, scope: south}\n");
  EXPECT_EQ(Scalar("SELECT count(*) FROM '/joined.series'"), "577");
  EXPECT_EQ(Scalar("SELECT count(*) FROM '/joined.series' WHERE \"north.temp\" IS NOT NULL "
                   "AND \"south.temp\" IS NOT NULL"),
            "121");
  EXPECT_EQ(Lines(Out({"cat", "/joined.series", "--format", "csv"}))[0],
            "timestamp,north.temp,south.temp");
  // Ranges filter inclusively; an input that matches nothing is a placeholder.
  Mknod("timeseries-join", "/ranged.series",
        "inputs:\n  - {pattern: /north.series, scope: n, range: {begin: 2026-01-02T00:00:00Z, "
        "end: 2026-01-03T00:00:00Z}}\n  - {pattern: /nothing/*.series, scope: x}\n");
  EXPECT_EQ(Scalar("SELECT count(*) FROM '/ranged.series'"), "25");
  // --time-start/--time-end apply to computed series too.
  EXPECT_EQ(Lines(Out({"cat", "/joined.series", "--format", "csv", "--time-start",
                       "2026-01-24T00:00:00+01:00"}))
                .size(),
            1u + 26u);  // 23:00Z on the 23rd through midnight on the 25th
}

TEST_F(Factories, PivotSqlDerivedAndRename) {
  const char* temp = "  - name: temp\n    components:\n      - {type: line, offset: 5}\n";
  ASSERT_TRUE(Ok(Pond({"mkdir", "-p", "/st/a", "/st/b", "/etc"})));
  Mknod("synthetic-timeseries", "/st/a/t.series",
        Synthetic("2026-01-01T00:00:00Z", "2026-01-01T02:00:00Z", "1h", temp));
  Mknod("synthetic-timeseries", "/st/b/t.series",
        Synthetic("2026-01-01T01:00:00Z", "2026-01-01T03:00:00Z", "1h", temp));
  Mknod("timeseries-pivot", "/pivot.series",
        "pattern: series:///st/*/t.series\ncolumns: [temp, missing]\n");
  EXPECT_EQ(Out({"cat", "/pivot.series", "--format", "csv"}),
            "timestamp,a.temp,a.missing,b.temp,b.missing\n"
            "2026-01-01 00:00:00+00,5.0,,,\n"
            "2026-01-01 01:00:00+00,5.0,,5.0,\n"
            "2026-01-01 02:00:00+00,5.0,,5.0,\n"
            "2026-01-01 03:00:00+00,,,5.0,\n");
  Mknod("column-rename", "/etc/rename",
        "rules:\n  - {type: direct, from: temp, to: temperature.C}\n");
  Mknod(
      "sql-derived-series", "/both.series",
      "patterns:\n  src: series:///st/*/t.series\n"
      "query: SELECT timestamp, sum(\"temperature.C\") AS total FROM src GROUP BY ALL ORDER BY 1\n"
      "transforms: [/etc/rename]\n");
  EXPECT_EQ(Out({"cat", "/both.series", "--format", "csv"}),
            "timestamp,total\n2026-01-01 00:00:00+00,5.0\n2026-01-01 01:00:00+00,10.0\n"
            "2026-01-01 02:00:00+00,10.0\n2026-01-01 03:00:00+00,5.0\n");
  // A pattern that matches nothing is an empty table, not an error.
  Mknod("sql-derived-table", "/none.table",
        "patterns:\n  t: table:///no/*.table\nquery: SELECT count(*) AS n FROM t\n");
  EXPECT_EQ(Out({"cat", "/none.table", "--format", "csv"}), "n\n0\n");
  // Copy out writes what cat shows.
  fs::create_directories(host_ + "/out");
  ASSERT_TRUE(Ok(Pond({"copy", "/both.series", "host://" + host_ + "/out"})));
  EXPECT_TRUE(fs::exists(host_ + "/out/both.series"));
}

TEST_F(Factories, DynamicDirHoldsOtherFactories) {
  Mknod("dynamic-dir", "/derived",
        "entries:\n"
        "  - name: wave.series\n    factory: synthetic-timeseries\n    config:\n"
        "      start: 2026-01-01T00:00:00Z\n      end: 2026-01-01T01:00:00Z\n"
        "      interval: 15m\n      points:\n        - name: w\n          components:\n"
        "            - {type: square, amplitude: 2, period: 1h}\n"
        "  - name: reduced\n    factory: temporal-reduce\n    config:\n"
        "      in_pattern: /derived/wave.series\n      out_pattern: w\n"
        "      time_column: timestamp\n      resolutions: [30m]\n"
        "      aggregations: [{type: sum}]\n");
  EXPECT_EQ(Out({"list", "/derived/**"}),
            "/derived/\n/derived/reduced/\n/derived/reduced/w/\n/derived/reduced/w/res=30m.series\n"
            "/derived/wave.series\n");
  // square = A·sign(sin(2πt/P)) with sign(0) = +1: at 0, 15, 30, 45, 60 minutes
  // sin is 0, 1, 0, -1, 0, so 2, 2, 2, -2, 2 (exactly, not as floating sin says).
  EXPECT_EQ(Out({"cat", "/derived/wave.series", "--format", "csv", "--sql",
                 "SELECT w FROM source ORDER BY timestamp"}),
            "w\n2.0\n2.0\n2.0\n-2.0\n2.0\n");
  EXPECT_EQ(Out({"cat", "/derived/reduced/w/res=30m.series", "--format", "csv"}),
            "timestamp,w.sum\n2026-01-01 00:00:00+00,4.0\n2026-01-01 00:30:00+00,0.0\n"
            "2026-01-01 01:00:00+00,2.0\n");
  // Dynamic nodes are read-only.
  PondRun r = Pond({"copy", Host("x.txt", "x"), "/derived/x.txt"});
  EXPECT_TRUE(Fails(r, 1, "dynamic directory")) << r.err;
  r = Pond({"mkdir", "/derived/sub"});
  EXPECT_TRUE(Fails(r, 1, "dynamic directory")) << r.err;
}

TEST_F(Factories, MknodStoresTheConfigRawAndExpandsItOnRead) {
  std::string config =
      "start: ${env:POND_TEST_START}\nend: ${env:POND_TEST_END:-2026-01-01T01:00:00Z}\n"
      "interval: 30m\npoints:\n" +
      std::string(kPressure);
  PondRun r =
      TryMknod("synthetic-timeseries", "/e.series", config, "POND_TEST_START=2026-01-01T00:00:00Z");
  ASSERT_TRUE(Ok(r));
  // Stored as written: the log never holds the expanded value.
  std::string d = Out({"describe", "/e.series"}, "POND_TEST_START=2026-01-01T00:00:00Z");
  EXPECT_NE(d.find("${env:POND_TEST_START}"), std::string::npos) << d;
  EXPECT_EQ(Pond({"query", "SELECT count(*) AS n FROM '/e.series'", "--format", "csv"},
                 "POND_TEST_START=2026-01-01T00:30:00Z")
                .out,
            "n\n2\n");
  // Unset without a default: one sentence naming it.
  r = Pond({"cat", "/e.series", "--format", "csv"});
  EXPECT_TRUE(Fails(r, 1, "POND_TEST_START")) << r.err;
  // An existing path needs --overwrite; with it, a new version.
  size_t before = Commits();
  r = TryMknod("synthetic-timeseries", "/e.series", config, "POND_TEST_START=2026-01-01T00:00:00Z");
  EXPECT_TRUE(Fails(r, 1, "already exists")) << r.err;
  EXPECT_EQ(Commits(), before);
  std::string file =
      Host("over.yaml", Synthetic("2026-01-01T00:00:00Z", "2026-01-01T02:00:00Z", "1h", kPressure));
  ASSERT_TRUE(Ok(
      Pond({"mknod", "synthetic-timeseries", "/e.series", "--config-path", file, "--overwrite"})));
  EXPECT_EQ(Scalar("SELECT count(*) FROM '/e.series'"), "3");
  // --as-of sees the config as it was.
  EXPECT_EQ(Pond({"--as-of", std::to_string(before), "query",
                  "SELECT count(*) AS n FROM '/e.series'", "--format", "csv"},
                 "POND_TEST_START=2026-01-01T00:00:00Z")
                .out,
            "n\n3\n");
}

TEST_F(Factories, BadConfigsAreOneSentenceAndChangeNothing) {
  size_t before = Commits();
  struct Case {
    std::string factory, config, needle;
  };
  std::vector<Case> cases = {
      {"synthetic-timeseries",
       Synthetic("2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z", "1m", kPressure) + "colour: red\n",
       "unknown key 'colour'"},
      {"synthetic-timeseries",
       Synthetic("2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z", "fortnightly", kPressure),
       "'interval' must be a duration"},
      {"synthetic-timeseries",
       Synthetic("2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z", "1m",
                 "  - name: w\n    components:\n      - {type: sine, amplitude: 1}\n"),
       "'period' is required"},
      {"synthetic-timeseries",
       Synthetic("${env:POND_SURELY_UNSET}", "2026-01-02T00:00:00Z", "1m", kPressure),
       "POND_SURELY_UNSET"},
      {"temporal-reduce",
       "in_pattern: /x\nout_pattern: $0\ntime_column: t\nresolutions: [1h, 90m]\n"
       "aggregations: [{type: avg}]\n",
       "whole multiple"},
      {"temporal-reduce",
       "in_pattern: /x\nout_pattern: $0\ntime_column: t\nresolutions: [1h]\n"
       "aggregations: [{type: median}]\n",
       "'type' must be avg"},
      {"no-such-factory", "a: 1\n", "no factory named"},
      {"timeseries-join", "inputs:\n  - {pattern: /a}\n", "at least 2"},
  };
  for (const Case& c : cases) {
    PondRun r = TryMknod(c.factory, "/bad", c.config);
    EXPECT_TRUE(Fails(r, 1, c.needle)) << c.factory << ": " << r.err;
  }
  EXPECT_EQ(Commits(), before);
  EXPECT_EQ(Out({"list"}), "");
}

TEST_F(Factories, LoopsAreReportedNotRecursed) {
  Mknod("sql-derived-series", "/loop.series",
        "patterns:\n  me: series:///loop.series\nquery: SELECT * FROM me\n");
  PondRun r = Pond({"cat", "/loop.series"});
  EXPECT_TRUE(Fails(r, 1, "loop")) << r.err;
  // Two nodes reading each other.
  Mknod("sql-derived-series", "/a.series", "patterns:\n  b: /b.series\n");
  Mknod("sql-derived-series", "/b.series", "patterns:\n  a: /a.series\n");
  r = Pond({"query", "SELECT count(*) FROM '/a.series'"});
  EXPECT_TRUE(Fails(r, 1, "loop")) << r.err;
  // A reduction whose pattern covers itself skips its own output.
  ASSERT_TRUE(Ok(Pond({"mkdir", "/r"})));
  Mknod("synthetic-timeseries", "/r/s.series",
        Synthetic("2026-01-01T00:00:00Z", "2026-01-01T01:00:00Z", "1h", kPressure));
  Mknod("temporal-reduce", "/r/all",
        "in_pattern: series:///r/**/*.series\nout_pattern: $1\ntime_column: timestamp\n"
        "resolutions: [1h]\naggregations: [{type: avg}]\n");
  EXPECT_EQ(Out({"list", "/r/all/**"}), "/r/all/\n/r/all/s/\n/r/all/s/res=1h.series\n");
  EXPECT_EQ(Scalar("SELECT count(*) FROM '/r/all/s/res=1h.series'"), "2");
}

TEST_F(Factories, RunRefusesWhatIsNotExecutable) {
  Mknod("synthetic-timeseries", "/s.series",
        Synthetic("2026-01-01T00:00:00Z", "2026-01-01T01:00:00Z", "1h", kPressure));
  size_t before = Commits();
  PondRun r = Pond({"run", "/s.series", "build"});
  EXPECT_TRUE(Fails(r, 1, "only executable nodes can be run")) << r.err;
  r = Pond({"run", "/nothing"});
  EXPECT_TRUE(Fails(r, 1, "does not exist")) << r.err;
  EXPECT_EQ(Commits(), before);
}

TEST_F(Factories, ApplyIsAllOrNothingAndIdempotent) {
  std::string data = Host("data.txt", "hello\n");
  std::string good =
      "version: v1\nkind: mknod\nmetadata: {path: /d/s.series}\nspec:\n"
      "  factory: synthetic-timeseries\n  config:\n    start: 2026-01-01T00:00:00Z\n"
      "    end: 2026-01-01T01:00:00Z\n    interval: 1h\n    points:\n"
      "      - name: p\n        components: [{type: line, offset: 1}]\n"
      "---\nversion: v1\nkind: mkdir\nmetadata: {path: /d}\n"
      "---\nversion: v1\nkind: copy\nmetadata: {path: /d/data.txt}\n"
      "spec: {source: 'host://" +
      data + "', overwrite: false}\n";
  size_t before = Commits();
  // An invalid last document leaves the pond unchanged.
  std::string bad = good +
                    "---\nversion: v1\nkind: mknod\nmetadata: {path: /d/x}\n"
                    "spec: {factory: synthetic-timeseries, config: {start: nope}}\n";
  PondRun r = Pond({"apply", "-f", Host("bad.yaml", bad)});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_EQ(Commits(), before);
  // A path claimed twice is an error.
  r = Pond({"apply", "-f",
            Host("twice.yaml", good + "---\nversion: v1\nkind: mkdir\n"
                                      "metadata: {path: /d}\n")});
  EXPECT_TRUE(Fails(r, 1, "claimed twice")) << r.err;
  // An unknown key is an error.
  r = Pond({"apply", "-f",
            Host("key.yaml",
                 "version: v1\nkind: mkdir\nmetadata: {path: /d}\n"
                 "extra: 1\n")});
  EXPECT_TRUE(Fails(r, 1, "unknown key 'extra'")) << r.err;
  EXPECT_EQ(Commits(), before);

  std::string file = Host("good.yaml", good);
  EXPECT_EQ(Out({"apply", "-f", file}), "created /d\ncreated /d/data.txt\ncreated /d/s.series\n");
  EXPECT_EQ(Commits(), before + 1);
  EXPECT_EQ(Out({"cat", "/d/data.txt"}), "hello\n");
  EXPECT_EQ(Scalar("SELECT count(*) FROM '/d/s.series'"), "2");
  // The same again commits nothing.
  EXPECT_EQ(Out({"apply", "-f", file}),
            "unchanged /d\nunchanged /d/data.txt\nunchanged /d/s.series\n");
  EXPECT_EQ(Commits(), before + 1);
}

TEST_F(Factories, ExportWritesHivePartitionsAndAManifest) {
  ASSERT_TRUE(Ok(Pond({"mkdir", "/s"})));
  Mknod("synthetic-timeseries", "/s/north.series",
        Synthetic("2025-12-31T22:00:00Z", "2026-01-01T01:00:00Z", "1h", kPressure));
  ASSERT_TRUE(Ok(Pond(
      {"copy", "host+series://" + HostParquet("h.parquet", Hourly(kJan1, 3)), "/s/south.series"})));
  std::string out = dir_.path() + "/export";
  ASSERT_TRUE(
      Ok(Pond({"export", "-p", "/s/*.series", "--dir", out, "--temporal", "month,year",
               "--start-time", "2025-12-31T23:00:00Z", "--end-time", "2026-01-01T01:00:00Z"})));
  EXPECT_TRUE(fs::is_directory(out + "/north/year=2025/month=12"));
  EXPECT_TRUE(fs::is_directory(out + "/north/year=2026/month=1"));
  EXPECT_TRUE(fs::is_directory(out + "/south/year=2026/month=1"));
  auto manifest = nlohmann::json::parse(ReadWholeFile(out + "/manifest.json"));
  int64_t rows = 0;
  for (const auto& f : manifest["files"]) {
    rows += f["rows"].get<int64_t>();
    EXPECT_TRUE(fs::exists(out + "/" + f["path"].get<std::string>())) << f.dump();
    EXPECT_EQ(f["sha256"].get<std::string>().size(), 64u);
  }
  // north: 23:00, 00:00, 01:00 (inclusive end); south: 00:00, 01:00.
  EXPECT_EQ(rows, 5);
  // Without captures: DIR/<parent>/<stem>.
  std::string out2 = dir_.path() + "/export2";
  ASSERT_TRUE(Ok(Pond({"export", "-p", "/s/south.series", "--dir", out2})));
  EXPECT_TRUE(fs::exists(out2 + "/s/south.parquet"));
}

}  // namespace
}  // namespace pond::testing

namespace pond::testing {
namespace {

// Incremental reduction: appending a version computes only its partials, a
// late row is counted in its old bucket, and the result is exactly what a
// computation from an empty cache gives.
TEST_F(Factories, IncrementalReductionMatchesAFullRecomputation) {
  ASSERT_TRUE(Ok(Pond(
      {"copy", "host+series://" + HostParquet("v1.parquet", Hourly(kJan1, 48, 10)), "/t.series"})));
  Mknod("temporal-reduce", "/r",
        "in_pattern: /t.series\nout_pattern: t\ntime_column: timestamp\n"
        "resolutions: [1h, 6h]\naggregations:\n  - {type: avg}\n  - {type: min}\n"
        "  - {type: max}\n  - {type: sum}\n  - {type: count, columns: ['*']}\n");
  const Strings read = {"cat", "/r/t/res=6h.series", "--format", "csv"};
  std::string first = Out(read);
  EXPECT_EQ(Lines(first).size(), 1u + 8u);
  // How many stored versions a read of `args` reads (pond -v counts them).
  auto versions_read = [&](const Strings& args) {
    Strings verbose = {"-v"};
    verbose.insert(verbose.end(), args.begin(), args.end());
    PondRun r = Pond(verbose);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    size_t at = r.err.find("data files read: ");
    return at == std::string::npos ? -1 : std::stoi(r.err.substr(at + 17));
  };
  // A second version: two rows, one late (in the first 6-hour bucket).
  RowBatch late = Hourly(kJan1 + 2 * kHourMicros + 30 * 60 * kSecond, 1, 1000);
  late.rows.push_back(Hourly(kJan1 + 60 * kHourMicros, 1, 7).rows[0]);
  ASSERT_TRUE(Ok(Pond({"copy", "host+series://" + HostParquet("v2.parquet", late), "/t.series"})));
  EXPECT_EQ(versions_read(read), 1);  // only the new version: the first is in the rollup
  std::string incremental = Out(read);
  EXPECT_NE(incremental, first);
  Strings rows = Lines(incremental);
  ASSERT_EQ(rows.size(), 1u + 9u);
  // The first bucket: hours 0..5 (values 10..15) and the late 1000.
  EXPECT_EQ(rows[1], "2026-01-01 00:00:00+00,153.57142857142858,10.0,1000.0,1075.0,7");
  // The other resolution folds the same rollup: it reads nothing.
  EXPECT_EQ(versions_read({"cat", "/r/t/res=1h.series", "--format", "csv"}), 0);
  // From an empty cache: the same bytes, from both versions.
  fs::remove_all(pond_ + "/cache/reduce");
  fs::remove_all(pond_ + "/cache/derived");
  EXPECT_EQ(versions_read(read), 2);
  EXPECT_EQ(Out(read), incremental);
}

// Floating sums depend on the order of their terms: (1e16 + 1) - 1e16 is 0,
// (1e16 - 1e16) + 1 is 1. A bucket's sum is folded in version order whether
// the versions are read one append at a time or all at once.
TEST_F(Factories, ReductionSumsInVersionOrderIncrementallyOrNot) {
  Mknod("temporal-reduce", "/r",
        "in_pattern: /t.series\nout_pattern: t\ntime_column: timestamp\n"
        "resolutions: [1h, 1d]\naggregations:\n  - {type: sum, columns: [temp]}\n");
  const Strings read = {"cat", "/r/t/res=1d.series", "--format", "csv"};
  Strings outputs;
  int n = 0;
  for (double v : {1e16, 1.0, -1e16, 3.0}) {
    RowBatch b = Hourly(kJan1 + kHourMicros, 1, v);
    ASSERT_TRUE(
        Ok(Pond({"copy", "host+series://" + HostParquet("v" + std::to_string(++n) + ".parquet", b),
                 "/t.series"})));
    outputs.push_back(Out(read));  // one version folded on at a time
  }
  EXPECT_EQ(outputs[2], "timestamp,temp.sum\n2026-01-01 00:00:00+00,0.0\n");
  EXPECT_EQ(outputs[3], "timestamp,temp.sum\n2026-01-01 00:00:00+00,3.0\n");
  fs::remove_all(pond_ + "/cache");
  EXPECT_EQ(Out(read), outputs[3]);  // all four folded at once
  fs::remove_all(pond_ + "/cache");
  EXPECT_EQ(Out({"cat", "/r/t/res=1h.series", "--format", "csv"}),
            "timestamp,temp.sum\n2026-01-01 01:00:00+00,3.0\n");
}

// The rollup is a cache: a damaged one is rebuilt, never folded onto; a
// source that joins the group is folded in without rereading the others.
TEST_F(Factories, ReductionRollupSurvivesDamageAndNewSources) {
  ASSERT_TRUE(Ok(Pond({"mkdir", "/s"})));
  ASSERT_TRUE(Ok(Pond(
      {"copy", "host+series://" + HostParquet("a.parquet", Hourly(kJan1, 30, 1)), "/s/a.series"})));
  Mknod(
      "temporal-reduce", "/r",
      "in_pattern: /s/*.series\nout_pattern: all\ntime_column: timestamp\n"
      "resolutions: [1h, 1d]\naggregations:\n  - {type: avg}\n  - {type: count, columns: ['*']}\n");
  const Strings read = {"cat", "/r/all/res=1d.series", "--format", "csv"};
  EXPECT_EQ(Out(read),
            "timestamp,temp.avg,timestamp.count\n2026-01-01 00:00:00+00,12.5,24\n"
            "2026-01-02 00:00:00+00,27.5,6\n");
  // Damage every rollup file (same size, one byte changed).
  size_t damaged = 0;
  for (const auto& e : fs::recursive_directory_iterator(pond_ + "/cache/reduce")) {
    if (e.path().extension() != ".parquet" || e.path().parent_path().filename() != "rollup")
      continue;
    std::fstream f(e.path(), std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(100);
    f.put('\x5a');
    ++damaged;
  }
  EXPECT_EQ(damaged, 1u);
  ASSERT_TRUE(Ok(Pond({"copy", "host+series://" + HostParquet("b.parquet", Hourly(kJan1, 2, 100)),
                       "/s/b.series"})));
  std::string two = Out(read);
  EXPECT_EQ(two,
            "timestamp,temp.avg,timestamp.count\n2026-01-01 00:00:00+00,19.26923076923077,26\n"
            "2026-01-02 00:00:00+00,27.5,6\n");
  fs::remove_all(pond_ + "/cache");
  EXPECT_EQ(Out(read), two);
}

}  // namespace
}  // namespace pond::testing

namespace pond::testing {
namespace {

// Rows belong to versions: the same bytes appended twice count twice in a
// reduction, as they do in SQL over the series.
TEST_F(Factories, ReductionCountsRepeatedContentOncePerVersion) {
  std::string batch = HostParquet("b.parquet", Hourly(kJan1, 3, 1));
  ASSERT_TRUE(Ok(Pond({"copy", "host+series://" + batch, "/t.series"})));
  ASSERT_TRUE(Ok(Pond({"copy", "host+series://" + batch, "/t.series"})));
  Mknod("temporal-reduce", "/r",
        "in_pattern: /t.series\nout_pattern: t\ntime_column: timestamp\nresolutions: [1d]\n"
        "aggregations:\n  - {type: sum, columns: [temp]}\n  - {type: count, columns: ['*']}\n");
  EXPECT_EQ(Out({"cat", "/r/t/res=1d.series", "--format", "csv"}),
            "timestamp,temp.sum,timestamp.count\n2026-01-01 00:00:00+00,12.0,6\n");
  EXPECT_EQ(Scalar("SELECT sum(temp) FROM '/t.series'"), "12.0");
}

}  // namespace
}  // namespace pond::testing

namespace pond::testing {
namespace {

// Found by attacking the factories as a user (each was a wrong answer or a
// failure before its fix).
TEST_F(Factories, ReductionsOfMixedAndGrowingSources) {
  ASSERT_TRUE(Ok(Pond({"mkdir", "/mix"})));
  auto csv_series = [&](const std::string& name, const std::string& text, const std::string& to) {
    ASSERT_TRUE(Ok(Pond({"copy", "host+csv+series://" + Host(name, text), to})));
  };
  // An integer source and a double source: sums are not rounded.
  csv_series("i.csv", "timestamp,v\n2026-01-01T00:00:00Z,1\n2026-01-01T00:10:00Z,2\n",
             "/mix/a.series");
  csv_series("d.csv", "timestamp,v\n2026-01-01T00:20:00Z,1.25\n2026-01-01T00:30:00Z,2.5\n",
             "/mix/b.series");
  Mknod("temporal-reduce", "/mx",
        "in_pattern: series:///mix/*.series\nout_pattern: all\ntime_column: timestamp\n"
        "resolutions: [1h]\naggregations: [{type: sum}, {type: avg}]\n");
  EXPECT_EQ(Out({"cat", "/mx/all/res=1h.series", "--format", "csv"}),
            "timestamp,v.sum,v.avg\n2026-01-01 00:00:00+00,6.75,1.6875\n");
  // Integer sums are exact beyond 2^53.
  csv_series("p.csv",
             "timestamp,v\n2026-01-01T00:00:00Z,9007199254740993\n2026-01-01T00:10:00Z,2\n",
             "/p.series");
  Mknod("temporal-reduce", "/pr",
        "in_pattern: /p.series\nout_pattern: p\ntime_column: timestamp\nresolutions: [1h]\n"
        "aggregations: [{type: sum}]\n");
  EXPECT_EQ(Out({"cat", "/pr/p/res=1h.series", "--format", "csv"}),
            "timestamp,v.sum\n2026-01-01 00:00:00+00,9007199254740995\n");
  // A later version without a column: NULL there, with or without cached partials.
  csv_series("m1.csv", "timestamp,v,n\n2026-01-01T00:00:00Z,1.5,1\n", "/g.series");
  Mknod("temporal-reduce", "/gr",
        "in_pattern: /g.series\nout_pattern: g\ntime_column: timestamp\nresolutions: [1h]\n"
        "aggregations: [{type: sum}]\n");
  EXPECT_EQ(Out({"cat", "/gr/g/res=1h.series", "--format", "csv"}),
            "timestamp,v.sum,n.sum\n2026-01-01 00:00:00+00,1.5,1\n");
  csv_series("m2.csv", "timestamp,v\n2026-01-01T00:30:00Z,2.5\n", "/g.series");
  EXPECT_EQ(Out({"cat", "/gr/g/res=1h.series", "--format", "csv"}),
            "timestamp,v.sum,n.sum\n2026-01-01 00:00:00+00,4.0,1\n");
}

TEST_F(Factories, ResultsFollowTheirTransformsAndRefuseAmbiguity) {
  ASSERT_TRUE(Ok(Pond({"mkdir", "/etc"})));
  ASSERT_TRUE(Ok(
      Pond({"copy", "host+csv+series://" + Host("a.csv", "timestamp,v\n2026-01-01T00:00:00Z,1.5\n"),
            "/a.series"})));
  Mknod("column-rename", "/etc/rename", "rules:\n  - {type: direct, from: v, to: vee}\n");
  Mknod("sql-derived-series", "/q.series",
        "patterns:\n  src: series:///a.series\ntransforms: [/etc/rename]\n");
  EXPECT_EQ(Out({"cat", "/q.series", "--format", "csv"}),
            "timestamp,vee\n2026-01-01 00:00:00+00,1.5\n");
  size_t before = Commits();
  std::string file = Host("r2.yaml", "rules:\n  - {type: direct, from: v, to: w}\n");
  ASSERT_TRUE(
      Ok(Pond({"mknod", "column-rename", "/etc/rename", "--config-path", file, "--overwrite"})));
  EXPECT_EQ(Out({"cat", "/q.series", "--format", "csv"}),
            "timestamp,w\n2026-01-01 00:00:00+00,1.5\n");
  EXPECT_EQ(Out({"--as-of", std::to_string(before), "cat", "/q.series", "--format", "csv"}),
            "timestamp,vee\n2026-01-01 00:00:00+00,1.5\n");
  // Two inputs without scopes that share a column name.
  Mknod("timeseries-join", "/j.series",
        "inputs:\n  - {pattern: /a.series}\n  - {pattern: /q.series}\n");
  ASSERT_TRUE(Ok(
      Pond({"copy", "host+csv+series://" + Host("b.csv", "timestamp,v\n2026-01-01T00:00:00Z,2.5\n"),
            "/b.series"})));
  Mknod("timeseries-join", "/clash.series",
        "inputs:\n  - {pattern: /a.series}\n  - {pattern: /b.series}\n");
  PondRun r = Pond({"cat", "/clash.series"});
  EXPECT_TRUE(Fails(r, 1, "give the inputs scopes")) << r.err;
  // A pivot of a series with two rows at one time has no single value.
  ASSERT_TRUE(Ok(Pond(
      {"copy", "host+csv+series://" + Host("b2.csv", "timestamp,v\n2026-01-01T00:00:00Z,9.5\n"),
       "/b.series"})));
  Mknod("timeseries-pivot", "/pv.series", "pattern: series:///[ab].series\ncolumns: [v]\n");
  r = Pond({"cat", "/pv.series"});
  EXPECT_TRUE(Fails(r, 1, "more than one row at 2026-01-01T00:00:00")) << r.err;
}

TEST_F(Factories, ConfigsRefuseNamesAndNumbersTheyCannotUse) {
  PondRun r = TryMknod("dynamic-dir", "/d",
                       "entries:\n  - {name: a/b, factory: column-rename, config: {rules: "
                       "[{type: direct, from: x, to: y}]}}\n");
  EXPECT_TRUE(Fails(r, 1, "a/b")) << r.err;
  r = TryMknod("synthetic-timeseries", "/s.series",
               Synthetic("2026-01-01T00:00:00Z", "2026-01-01T01:00:00Z", "1h",
                         "  - name: ''\n    components: [{type: line}]\n"));
  EXPECT_TRUE(Fails(r, 1, "'name' must not be empty")) << r.err;
  r = TryMknod("synthetic-timeseries", "/s.series",
               Synthetic("2026-01-01T00:00:00Z", "2026-01-01T01:00:00Z", "1h",
                         "  - name: x\n    components: [{type: line, slope: .inf}]\n"));
  EXPECT_TRUE(Fails(r, 1, "finite")) << r.err;
  EXPECT_EQ(Out({"list"}), "");
  // end equal to start: one row (both ends are inclusive).
  Mknod("synthetic-timeseries", "/one.series",
        Synthetic("2026-01-01T00:00:00Z", "2026-01-01T00:00:00Z", "1h", kPressure));
  EXPECT_EQ(Scalar("SELECT count(*) FROM '/one.series'"), "1");
}

}  // namespace
}  // namespace pond::testing

namespace pond::testing {
namespace {

// A copy out whose last match fails leaves the host folder as it was.
TEST_F(Factories, CopyOutIsAllOrNothing) {
  ASSERT_TRUE(Ok(Pond({"mkdir", "/d"})));
  ASSERT_TRUE(Ok(Pond({"copy", Host("a.txt", "a\n"), "/d/a.txt"})));
  std::string config =
      Synthetic("${env:POND_TEST_UNSET_START}", "2026-01-01T01:00:00Z", "1h", kPressure);
  ASSERT_TRUE(Ok(TryMknod("synthetic-timeseries", "/d/z.series", config,
                          "POND_TEST_UNSET_START=2026-01-01T00:00:00Z")));
  std::string out = dir_.path() + "/out";
  fs::create_directories(out);
  PondRun r = Pond({"copy", "/d/*", "host://" + out});
  EXPECT_TRUE(Fails(r, 1, "POND_TEST_UNSET_START")) << r.err;
  EXPECT_TRUE(fs::is_empty(out)) << "a failed copy left files behind";
  r = Pond({"copy", "/d/*", "host://" + out}, "POND_TEST_UNSET_START=2026-01-01T00:00:00Z");
  EXPECT_TRUE(Ok(r)) << r.err;
  EXPECT_TRUE(fs::exists(out + "/d/a.txt"));
  EXPECT_TRUE(fs::exists(out + "/d/z.series"));
}

}  // namespace
}  // namespace pond::testing

namespace pond::testing {
namespace {

// A CSV whose time column is not a time says so, of the user's file.
TEST_F(Factories, CsvSeriesWithoutATimeSaysWhy) {
  std::string csv = Host("it.csv", "timestamp,v\n1,2\n");
  PondRun r = Pond({"copy", "host+csv+series://" + csv, "/it.series"});
  EXPECT_TRUE(Fails(
      r, 1, "column 'timestamp' of 'host+csv+series://" + csv + "' is a BIGINT, not a timestamp"))
      << r.err;
}

}  // namespace
}  // namespace pond::testing

namespace pond::testing {
namespace {

// A damaged cached result is computed again, never served.
TEST_F(Factories, ADamagedCachedResultIsComputedAgain) {
  Mknod("synthetic-timeseries", "/s.series",
        Synthetic("2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z", "1h", kPressure));
  const Strings read = {"cat", "/s.series", "--format", "csv"};
  std::string good = Out(read);
  size_t damaged = 0;
  for (const auto& e : fs::directory_iterator(pond_ + "/cache/derived")) {
    if (e.path().extension() != ".parquet") continue;
    std::string bytes = ReadWholeFile(e.path().string());
    for (size_t i = bytes.size() / 3; i < bytes.size() / 3 + 16 && i < bytes.size(); ++i) {
      bytes[i] = static_cast<char>(bytes[i] ^ 0x55);
    }
    std::ofstream(e.path(), std::ios::binary | std::ios::trunc) << bytes;  // same size
    ++damaged;
  }
  ASSERT_EQ(damaged, 1u);
  EXPECT_EQ(Out(read), good);
}

}  // namespace
}  // namespace pond::testing
