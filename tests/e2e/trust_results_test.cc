// Regression tests for wrong answers with exit 0 (the trust issue, items 1-9):
// each ran the real binary and got a wrong result or a silent success before
// the fix.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "e2e/pond_fixture.h"

namespace pond::testing {
namespace {

namespace fs = std::filesystem;

class TrustResults : public PondFixture {};

// 1. Rows belong to a (node, version), never to a content hash.
TEST_F(TrustResults, GlobsCountRowsOncePerFileVersionEvenWhenContentIsShared) {
  std::string day = HostParquet("day.parquet", Hourly(kJan1, 24));
  ASSERT_TRUE(Ok(Pond({"mkdir", "/s"})));
  ASSERT_TRUE(Ok(Pond({"copy", "host+series://" + day, "/s/a.series"})));
  ASSERT_TRUE(Ok(Pond({"copy", "host+series://" + day, "/s/b.series"})));
  EXPECT_EQ(Out({"query", "SELECT count(*) FROM '/s/*.series'", "--format", "csv"}),
            "count_star()\n48\n");
  EXPECT_EQ(Out({"query", "SELECT _path, count(*) FROM '/s/*.series' GROUP BY ALL ORDER BY 1",
                 "--format", "csv"}),
            "_path,count_star()\n/s/a.series,24\n/s/b.series,24\n");
  // The same batch appended again is a second version with its own rows.
  ASSERT_TRUE(Ok(Pond({"copy", "host+series://" + day, "/s/a.series"})));
  EXPECT_EQ(Out({"query", "SELECT _path, count(*) FROM '/s/*.series' GROUP BY ALL ORDER BY 1",
                 "--format", "csv"}),
            "_path,count_star()\n/s/a.series,48\n/s/b.series,24\n");
  EXPECT_EQ(Out({"query", "SELECT count(*) FROM '/s/a.series'", "--format", "csv"}),
            "count_star()\n48\n");
  EXPECT_EQ(Out({"cat", "/s/a.series", "--sql", "SELECT count(*) FROM source", "--format", "csv"}),
            "count_star()\n48\n");
  // Three tables from one CSV: three rows, one per table.
  std::string csv = Host("one.csv", "k,v\n1,2\n");
  for (const char* t : {"/t1.table", "/t2.table", "/t3.table"}) {
    ASSERT_TRUE(Ok(Pond({"copy", "host+csv://" + csv, t})));
  }
  EXPECT_EQ(Out({"query", "SELECT count(*) FROM '/t*.table'", "--format", "csv"}),
            "count_star()\n3\n");
}

// 2. Time bounds honour UTC offsets and are parsed strictly.
TEST_F(TrustResults, TimeRangesHonourOffsetsAndRefuseWhatIsNotATime) {
  std::string day = HostParquet("day.parquet", Hourly(kJan1, 24));
  ASSERT_TRUE(Ok(Pond({"copy", "host+series://" + day, "/d.series"})));
  // 05:00+02:00 is 03:00Z: hours 3, 4 and 5 up to 06:00Z.
  EXPECT_EQ(Out({"cat", "/d.series", "--time-start", "2026-01-01T05:00:00+02:00", "--time-end",
                 "2026-01-01T06:00:00Z", "--sql", "SELECT min(temp) AS lo, max(temp) AS hi FROM source",
                 "--format", "csv"}),
            "lo,hi\n3.0,5.0\n");
  // The same bound in SQL agrees.
  EXPECT_EQ(Out({"cat", "/d.series", "--sql",
                 "SELECT count(*) FROM source WHERE timestamp >= '2026-01-01T05:00:00+02:00'",
                 "--format", "csv"}),
            "count_star()\n21\n");
  // A naive time is UTC; a bare date is midnight UTC; a negative offset adds.
  EXPECT_EQ(Out({"cat", "/d.series", "--time-start", "2026-01-01 20:00", "--sql",
                 "SELECT count(*) FROM source", "--format", "csv"}),
            "count_star()\n4\n");
  EXPECT_EQ(Out({"cat", "/d.series", "--time-end", "2026-01-01T00:30:00-01:00", "--sql",
                 "SELECT count(*) FROM source", "--format", "csv"}),
            "count_star()\n2\n");
  for (const char* bad : {"2025-02-31", "2026-01-01T05:00 PST", "2026-01-01T05:00:00Zjunk",
                          "2026-13-01", "tomorrow", "2026-01-01T24:00"}) {
    EXPECT_TRUE(Fails(Pond({"cat", "/d.series", "--time-start", bad}), 2, bad)) << bad;
    EXPECT_TRUE(Fails(Pond({"cat", "/d.series", "--time-end", bad}), 2, bad)) << bad;
  }
  EXPECT_TRUE(Fails(Pond({"cat", "/d.series", "--time-start", "2026-01-02", "--time-end",
                          "2026-01-01"}),
                    2, "is after --time-end"));
  EXPECT_TRUE(Fails(Pond({"show", "--since", "2026-02-30"}), 2, "2026-02-30"));
}

// 3. Copying a series out writes what cat shows: every version's rows.
TEST_F(TrustResults, CopyingASeriesOutWritesEveryVersionsRows) {
  ASSERT_TRUE(Ok(Pond({"copy", "host+series://" + HostParquet("a.parquet", Hourly(kJan1, 24)),
                       "/t.series"})));
  ASSERT_TRUE(Ok(Pond({"copy",
                       "host+series://" +
                           HostParquet("b.parquet", Hourly(kJan1 + 24 * kHourMicros, 24, 100)),
                       "/t.series"})));
  fs::create_directories(dir_.path() + "/out");
  ASSERT_TRUE(Ok(Pond({"copy", "/t.series", "host://" + dir_.path() + "/out"})));
  std::string out = dir_.path() + "/out/t.series";
  ASSERT_TRUE(fs::exists(out));
  // Read the file back through a new pond: 48 rows, in time order, the same as cat.
  ASSERT_TRUE(Ok(Pond({"copy", "host+table://" + out, "/back.table"})));
  EXPECT_EQ(Out({"cat", "/back.table", "--format", "csv"}),
            Out({"cat", "/t.series", "--format", "csv"}));
  EXPECT_EQ(Out({"cat", "/back.table", "--sql", "SELECT count(*) AS n, sum(temp) AS s FROM source",
                 "--format", "csv"}),
            "n,s\n48,2952.0\n");  // 0..23 and 100..123
  // No temporary file is left beside it.
  size_t files = 0;
  for (const auto& e : fs::directory_iterator(dir_.path() + "/out")) files += e.is_regular_file();
  EXPECT_EQ(files, 1u);
}

// 4. Ragged or odd CSV is an error naming its line, and nothing is written.
TEST_F(TrustResults, RaggedCsvIsRefusedNamingTheLine) {
  std::string ragged = Host("ragged.csv", "a,b,c\n1,2,3\n4,5\n6,7,8,9\n");
  EXPECT_TRUE(Fails(Pond({"copy", "host+csv://" + ragged, "/r.table"}), 1,
                    "line 3 has 2 fields where the header has 3"));
  std::string big = "timestamp,temp,hum\n";
  for (int i = 0; i < 1000; ++i) {
    big += i == 500 ? "2026-01-01T00:00:00,1.5\n" : "2026-01-01T00:00:00," + std::to_string(i) + ",1\n";
  }
  PondRun r = Pond({"copy", "host+csv+series://" + Host("short.csv", big), "/s.series"});
  EXPECT_TRUE(Fails(r, 1, "line 502 has 2 fields"));
  std::string clash = "timestamp,temp,hum\n";
  for (int i = 0; i < 30000; ++i) {
    clash += "2026-01-01T00:00:00," + (i == 25000 ? std::string("abc") : std::to_string(i)) + "," +
             std::to_string(i) + "\n";
  }
  r = Pond({"copy", "host+csv://" + Host("clash.csv", clash), "/c.table"});
  EXPECT_TRUE(Fails(r, 1, "line 25002, column 'temp' holds 'abc'"));
  EXPECT_EQ(r.err.find("/tmp/pond-copy"), std::string::npos) << r.err;  // no internal paths
  EXPECT_EQ(r.err.find(".parquet"), std::string::npos) << r.err;
  // Quoted fields with delimiters and newlines, CRLF ends and a semicolon dialect are fine.
  std::string quoted = Host("q.csv", "id;note\r\n1;\"a;b\"\r\n2;\"two\nlines\"\r\n");
  ASSERT_TRUE(Ok(Pond({"copy", "host+csv://" + quoted, "/q.table"})));
  EXPECT_EQ(Out({"cat", "/q.table", "--sql", "SELECT count(*), max(note) FROM source",
                 "--format", "csv"}),
            "count_star(),max(note)\n2,\"two\nlines\"\n");
  // Nothing of the refused imports was written.
  EXPECT_EQ(Out({"list"}), "/q.table\n");
  EXPECT_EQ(Lines(Out({"log", "--limit", "100"})).size(), 2u);
}

// 5. A series refuses a version whose existing column changes type.
TEST_F(TrustResults, ASeriesKeepsItsColumnTypes) {
  ASSERT_TRUE(Ok(Pond({"copy",
                       "host+csv+series://" +
                           Host("v1.csv", "timestamp,temp\n2026-01-01T00:00:00Z,9.5\n"
                                          "2026-01-01T01:00:00Z,10.25\n"),
                       "/t.series"})));
  EXPECT_TRUE(Fails(Pond({"copy",
                          "host+csv+series://" +
                              Host("v2.csv", "timestamp,temp\n2026-01-02T00:00:00Z,n/a\n"),
                          "/t.series"}),
                    1, "column 'temp' is VARCHAR here but DOUBLE in earlier versions"));
  EXPECT_EQ(Out({"query", "SELECT max(temp) AS m FROM '/t.series'", "--format", "csv"}),
            "m\n10.25\n");
  // A new nullable column is fine: earlier versions read it as NULL.
  ASSERT_TRUE(Ok(Pond({"copy",
                       "host+csv+series://" +
                           Host("v3.csv", "timestamp,temp,wind\n2026-01-03T00:00:00Z,11.5,3\n"),
                       "/t.series"})));
  EXPECT_EQ(Out({"query", "SELECT count(wind) AS w, count(*) AS n, max(temp) AS m FROM '/t.series'",
                 "--format", "csv"}),
            "w,n,m\n1,3,11.5\n");
  // describe shows the merged schema of all versions.
  std::string d = Out({"describe", "/t.series"});
  EXPECT_NE(d.find("timestamp TIMESTAMP WITH TIME ZONE; temp DOUBLE; wind BIGINT;"),
            std::string::npos)
      << d;
  auto j = nlohmann::json::parse(Out({"describe", "/t.series", "--format", "json"}));
  ASSERT_EQ(j.size(), 1u);
  EXPECT_EQ(j[0]["schema"].size(), 3u);
  EXPECT_EQ(j[0]["rows"], 3);
  // Another time column is refused too.
  RowBatch other;
  other.columns = {{"time", CellType::kTimestamp}, {"temp", CellType::kDouble}};
  other.rows = {{Cell(kJan1), Cell(1.0)}};
  EXPECT_TRUE(Fails(Pond({"copy", "host+series://" + HostParquet("o.parquet", other), "/t.series"}),
                    1, "time column"));
}

// 6. Stored content is checked against its hash on every read.
TEST_F(TrustResults, DamagedBlobsAreRefusedAndRepairedByWritingThemAgain) {
  std::string bytes(200000, '\0');
  for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<char>((i * 7919) % 251);
  std::string host = Host("big.bin", bytes);
  ASSERT_TRUE(Ok(Pond({"copy", host, "/big.bin"})));
  Strings blobs = DataFiles("_large_files/");
  ASSERT_EQ(blobs.size(), 1u);
  std::string blob = pond_ + "/data/" + blobs[0];
  // Overwritten bytes of the same length.
  {
    std::fstream f(blob, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(100);
    f.write("XXXX", 4);
  }
  PondRun r = Pond({"cat", "/big.bin"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("cannot read '/big.bin' (version 1)"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("does not match its SHA-256"), std::string::npos) << r.err;
  // Truncated: refused before a byte is written; list -l still says the stored size.
  fs::resize_file(blob, 1000);
  EXPECT_TRUE(Fails(Pond({"cat", "/big.bin"}), 1, "has 1000 bytes where 200000 were stored"));
  fs::create_directories(dir_.path() + "/out");
  EXPECT_TRUE(Fails(Pond({"copy", "/big.bin", "host://" + dir_.path() + "/out"}), 1,
                    "has 1000 bytes"));
  EXPECT_FALSE(fs::exists(dir_.path() + "/out/big.bin"));
  // Copying the good file again replaces the damaged blob.
  ASSERT_TRUE(Ok(Pond({"copy", host, "/again.bin"})));
  EXPECT_EQ(Out({"cat", "/big.bin"}), bytes);
}

TEST_F(TrustResults, ADifferentParquetFileInASeriesBlobIsRefused) {
  RowBatch noisy_a = Hourly(kJan1, 20000), noisy_b = Hourly(kJan1, 20000);
  for (size_t i = 0; i < noisy_a.rows.size(); ++i) {  // values that do not compress away
    noisy_a.rows[i][1] = Cell(static_cast<double>((i * 2654435761u) % 1000003) / 7);
    noisy_b.rows[i][1] = Cell(static_cast<double>((i * 40503u) % 1000033) / 3);
  }
  std::string a = HostParquet("a.parquet", noisy_a);
  std::string b = HostParquet("b.parquet", noisy_b);
  ASSERT_GT(fs::file_size(a), 65536u);  // stored as a blob
  ASSERT_TRUE(Ok(Pond({"copy", "host+series://" + a, "/s.series"})));
  Strings blobs = DataFiles("_large_files/");
  ASSERT_EQ(blobs.size(), 1u);
  fs::copy_file(b, pond_ + "/data/" + blobs[0], fs::copy_options::overwrite_existing);
  PondRun r = Pond({"query", "SELECT sum(temp) FROM '/s.series'"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("cannot read '/s.series' (version 1)"), std::string::npos) << r.err;
  EXPECT_TRUE(r.out.empty());
  EXPECT_TRUE(Fails(Pond({"cat", "/s.series"}), 1, "'/s.series'"));
}

// 7. Log damage: a gap or a commit that does not parse is corruption, named.
TEST_F(TrustResults, AMissingCommitIsNamedAndWritesAreRefused) {
  for (int i = 1; i <= 5; ++i) ASSERT_TRUE(Ok(Pond({"mkdir", "/d" + std::to_string(i)})));
  fs::remove(pond_ + "/data/_delta_log/00000000000000000003.json");
  fs::remove_all(pond_ + "/cache");
  const std::string named = "_delta_log/00000000000000000003.json is missing";
  EXPECT_TRUE(Fails(Pond({"list"}), 1, named));
  EXPECT_TRUE(Fails(Pond({"log"}), 1, named));
  // What is intact stays readable.
  EXPECT_EQ(Out({"--as-of", "3", "list"}), "/d1/\n/d2/\n");
  // The next write does not fill the gap.
  EXPECT_TRUE(Fails(Pond({"mkdir", "/x"}), 1, named));
  EXPECT_FALSE(fs::exists(pond_ + "/data/_delta_log/00000000000000000003.json"));
  EXPECT_TRUE(Fails(Pond({"list"}), 1, named));
  // With the cache present the damage is still seen (and writes refused).
  ASSERT_TRUE(Ok(Pond({"--as-of", "3", "list"})));
  EXPECT_TRUE(Fails(Pond({"mkdir", "/y"}), 1, named));
}

TEST_F(TrustResults, ATruncatedNewestCommitIsNotDroppedSilently) {
  for (int i = 1; i <= 3; ++i) ASSERT_TRUE(Ok(Pond({"mkdir", "/d" + std::to_string(i)})));
  std::string newest = pond_ + "/data/_delta_log/00000000000000000003.json";
  std::string text = ReadWholeFile(newest);
  std::ofstream(newest, std::ios::trunc) << text.substr(0, 40);
  // The index already holds it: reads warn, writes are refused.
  PondRun r = Pond({"list"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out, "/d1/\n/d2/\n/d3/\n");
  EXPECT_NE(r.err.find("00000000000000000003.json does not parse"), std::string::npos) << r.err;
  EXPECT_TRUE(Fails(Pond({"mkdir", "/x"}), 1, "00000000000000000003.json does not parse"));
  // Rebuilt from the log, the pond stops before it and says so.
  fs::remove_all(pond_ + "/cache");
  EXPECT_TRUE(Fails(Pond({"list"}), 1, "00000000000000000003.json does not parse"));
  EXPECT_EQ(Out({"--as-of", "3", "list"}), "/d1/\n/d2/\n");
}

// 8. A missing or garbage data file is named with the paths it holds.
TEST_F(TrustResults, ADamagedDataFileIsNamedAndTheRestStaysReadable) {
  ASSERT_TRUE(Ok(Pond({"mkdir", "-p", "/a/b", "/c"})));
  ASSERT_TRUE(Ok(Pond({"copy", Host("x.txt", "x\n"), "/a/b/x.txt"})));
  ASSERT_TRUE(Ok(Pond({"copy", Host("y.txt", "y\n"), "/c/y.txt"})));
  auto dir_b = nlohmann::json::parse(Out({"list", "/a/b", "--format", "json"}))[0]["node_id"];
  Strings files = DataFiles("part_id=" + dir_b.get<std::string>() + "/");
  ASSERT_EQ(files.size(), 2u);  // its creation and the copy into it
  std::string victim = pond_ + "/data/" + files[1];
  for (const char* damage : {"missing", "garbage"}) {
    SCOPED_TRACE(damage);
    std::string saved = ReadWholeFile(victim);
    if (std::string(damage) == "missing") {
      fs::remove(victim);
    } else {
      std::ofstream(victim, std::ios::trunc | std::ios::binary) << std::string(saved.size(), 'g');
    }
    fs::remove_all(pond_ + "/cache");
    PondRun r = Pond({"cat", "/a/b/x.txt"});
    EXPECT_TRUE(Fails(r, 1, files[1])) << damage;
    EXPECT_NE(r.err.find("'/a/b'"), std::string::npos) << r.err;
    EXPECT_EQ(LineCount(r.err), 1u);
    // Other paths stay readable, log included.
    EXPECT_EQ(Out({"cat", "/c/y.txt"}), "y\n");
    EXPECT_EQ(Out({"list", "/c/"}), "/c/y.txt\n");
    EXPECT_EQ(Lines(Out({"log"})).size(), 4u);
    EXPECT_TRUE(Fails(Pond({"mkdir", "/z"}), 1, "writes are refused"));
    std::ofstream(victim, std::ios::trunc | std::ios::binary) << saved;
    fs::remove_all(pond_ + "/cache");
    EXPECT_EQ(Out({"cat", "/a/b/x.txt"}), "x\n");
  }
}

// 9. Write errors on stdout fail the command.
TEST_F(TrustResults, WritingToAFullDeviceFails) {
  ASSERT_TRUE(Ok(Pond({"copy", Host("f.txt", "bytes\n"), "/f.txt"})));
  for (const Strings& args :
       {Strings{"cat", "/f.txt"}, Strings{"list"}, Strings{"log"}, Strings{"describe", "/f.txt"},
        Strings{"query", "select 1"}, Strings{"query", "select 1", "--format", "json"},
        Strings{"show"}}) {
    std::string cmd = "POND=" + ShellQuote(pond_) + " " + ShellQuote(POND_BINARY);
    for (const auto& a : args) cmd += " " + ShellQuote(a);
    cmd += " >/dev/full 2>/dev/null";
    int status = std::system(cmd.c_str());
    ASSERT_TRUE(WIFEXITED(status)) << args[0];
    EXPECT_EQ(WEXITSTATUS(status), 1) << args[0];
  }
}

}  // namespace
}  // namespace pond::testing
