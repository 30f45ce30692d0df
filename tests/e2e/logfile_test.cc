// logfile-ingest through the real binary (issue 11): appends, a partial last
// line, rotation, truncation and reruns each end with exactly the host's
// bytes in the pond, once.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "e2e/pond_fixture.h"

namespace pond::testing {
namespace {

namespace fs = std::filesystem;

class Logfiles : public PondFixture {
 protected:
  void Mknod(const std::string& format) {
    ASSERT_TRUE(
        Ok(Pond({"mknod", "logfile-ingest", "/system/etc/logs", "--overwrite", "--config-path",
                 Host("logs.yaml", "pattern: " + logs_ +
                                       "/*.log\ntarget: /logs\n"
                                       "format: " +
                                       format + "\n")})));
  }
  void Append(const std::string& name, const std::string& bytes) {
    std::ofstream(logs_ + "/" + name, std::ios::app | std::ios::binary) << bytes;
  }
  std::string Ingest() {
    PondRun r = Pond({"run", "/system/etc/logs", "ingest"});
    EXPECT_TRUE(Ok(r));
    return r.out;
  }
  // Every version of a pond file, in order, concatenated.
  std::string Versions(const std::string& path) {
    std::string all;
    for (int v = 1;; ++v) {
      PondRun r = Pond({"cat", path, "--version", std::to_string(v)});
      if (r.exit_code != 0) break;
      all += r.out;
    }
    return all;
  }
  std::string logs_ = dir_.path() + "/logs";
};

TEST_F(Logfiles, AppendRotateTruncateEndWithTheHostsBytesOnce) {
  fs::create_directories(logs_);
  Mknod("lines");
  Append("app.log", "a\nb\n");
  EXPECT_EQ(Ingest().rfind("ingested 4 bytes in 1 version from 1 file in ", 0), 0u);
  Append("app.log", "c\npartial");  // a line still being written waits
  EXPECT_EQ(Ingest().rfind("ingested 2 bytes in 1 version from 1 file in ", 0), 0u);
  Append("app.log", "\nd\n");
  Ingest();
  EXPECT_EQ(Ingest().rfind("ingested 0 bytes in 0 versions from 1 file in ", 0), 0u);
  EXPECT_EQ(Versions("/logs/app.log"), "a\nb\nc\npartial\nd\n");

  // Rotation: the old file gains a last line and is renamed; a new one starts.
  Append("app.log", "e\n");
  fs::rename(logs_ + "/app.log", logs_ + "/app.log.1");
  Append("app.log", "f\n");
  EXPECT_EQ(Ingest().rfind("ingested 4 bytes in 2 versions from 1 file in ", 0), 0u);
  EXPECT_EQ(Versions("/logs/app.log"), "a\nb\nc\npartial\nd\ne\nf\n");

  // Truncation: the same file starts over (shorter, or another head).
  fs::resize_file(logs_ + "/app.log", 0);
  Append("app.log", "g\n");
  Ingest();
  std::ofstream(logs_ + "/app.log", std::ios::trunc) << "XYZ\nlonger than before\n";
  Ingest();
  EXPECT_EQ(Versions("/logs/app.log"), "a\nb\nc\npartial\nd\ne\nf\ng\nXYZ\nlonger than before\n");
  // The latest version is what the host file holds now.
  EXPECT_EQ(Out({"cat", "/logs/app.log"}), "XYZ\nlonger than before\n");
  EXPECT_EQ(Ingest().rfind("ingested 0 bytes in 0 versions from 1 file in ", 0), 0u);
}

TEST_F(Logfiles, CsvLogsBecomeASeries) {
  fs::create_directories(logs_);
  Mknod("csv");
  Append("station.log", "timestamp,level\n2026-01-01T00:00:00Z,1.5\n2026-01-01T01:00:00Z,2.5\n");
  Ingest();
  Append("station.log", "2026-01-01T02:00:00Z,3.5\n2026-01-01T03:00");  // the last is partial
  Ingest();
  Append("station.log", ":00Z,4.5\n");
  Ingest();
  PondRun r = Pond({"query",
                    "SELECT count(*), sum(level), count(DISTINCT timestamp) FROM "
                    "'/logs/station.series'",
                    "--format", "csv"});
  ASSERT_TRUE(Ok(r));
  EXPECT_EQ(Lines(r.out)[1], "4,12.0,4");
  EXPECT_TRUE(Fails(Pond({"mknod", "logfile-ingest", "/x", "--config-path",
                          Host("bad.yaml", "pattern: relative/*.log\ntarget: /l\n")}),
                    1, "absolute host path"));
}

}  // namespace
}  // namespace pond::testing
