// The HydroVu collector through the real binary (issue 11), against a local
// stand-in (tests/hydrovu/standin.js) started on 127.0.0.1: several devices,
// pages of readings, a parameter without a friendly name, an expired token
// and a 503 once.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "e2e/node_server.h"
#include "e2e/pond_fixture.h"

namespace pond::testing {
namespace {

constexpr int64_t kStart = 1767225600;  // 2026-01-01T00:00:00Z

class HydroVu : public PondFixture {
 protected:
  // Device 101: temperature (30 hourly readings), conductivity (every other
  // hour) and parameter 99 (no friendly name, 5 readings); device 202: 25
  // readings; device 303 is inactive.
  std::string Fixture() {
    nlohmann::json f;
    f["names"] = {{"parameters", {{"1", "Temperature"}, {"2", "Conductivity"}}},
                  {"units", {{"10", "C"}, {"20", "uS"}}}};
    auto readings = [](int n, int step, double base) {
      nlohmann::json r = nlohmann::json::array();
      for (int i = 0; i < n; ++i) {
        r.push_back({{"timestamp", kStart + i * step * 3600}, {"value", base + i}});
      }
      return r;
    };
    f["devices"]["101"] = {
        {{"parameterId", "1"}, {"unitId", "10"}, {"readings", readings(30, 1, 10)}},
        {{"parameterId", "2"}, {"unitId", "20"}, {"readings", readings(15, 2, 400)}},
        {{"parameterId", "99"}, {"unitId", "10"}, {"readings", readings(5, 1, 7)}}};
    f["devices"]["202"] = {
        {{"parameterId", "1"}, {"unitId", "10"}, {"readings", readings(25, 1, 3)}}};
    f["devices"]["303"] = {
        {{"parameterId", "1"}, {"unitId", "10"}, {"readings", readings(5, 1, 0)}}};
    return Host("fixture.json", f.dump());
  }

  void Mknod(const std::string& base_url, int64_t max_points = 100000) {
    ASSERT_TRUE(Ok(Pond({"mknod", "hydrovu", "/system/etc/hydrovu", "--overwrite", "--config-path",
                         Host("hv.yaml",
                              "client_id: ${env:HV_ID}\n"
                              "client_secret: ${env:HV_SECRET}\n"
                              "hydrovu_path: /hydrovu\n"
                              "max_points_per_run: " +
                                  std::to_string(max_points) +
                                  "\n"
                                  "base_url: " +
                                  base_url +
                                  "\n"
                                  "devices:\n"
                                  "  - {name: well, id: 101}\n"
                                  "  - {name: creek, id: 202, comment: by the bridge}\n"
                                  "  - {name: old, id: 303, active: false}\n")},
                        kEnv)));
  }

  PondRun Run(const Strings& args, const std::string& env = kEnv) {
    Strings all = {"run", "/system/etc/hydrovu"};
    all.insert(all.end(), args.begin(), args.end());
    return Pond(all, env);
  }

  std::string Scalar(const std::string& sql) {
    PondRun r = Pond({"query", sql, "--format", "csv"});
    EXPECT_TRUE(Ok(r)) << sql;
    auto lines = Lines(r.out);
    return lines.size() > 1 ? lines[1] : "";
  }

  static void Post(const std::string& url, const std::string& json) {
    std::string cmd = "curl -s -o /dev/null -X POST --data " + ShellQuote(json) + " " + url;
    ASSERT_EQ(std::system(cmd.c_str()), 0);
  }

  static inline const std::string kEnv = "HV_ID=client HV_SECRET=sesame";
  const std::string well_ = "/hydrovu/devices/101/well_active.series";
};

TEST_F(HydroVu, CollectsEverythingOnceAndThenOnlyWhatIsNew) {
  NodeServer server("hydrovu/standin.js",
                    {"--fixture", Fixture(), "--client-id", "client", "--client-secret", "sesame",
                     "--page-size", "10", "--fail-once-503", "--expire-first-token"});
  ASSERT_TRUE(server.ok());
  Mknod(server.endpoint() + "/");
  // The secret stays a reference in the pond.
  EXPECT_NE(Out({"cat", "/system/etc/hydrovu"}).find("${env:HV_SECRET}"), std::string::npos);

  PondRun first = Run({"collect"});
  ASSERT_TRUE(Ok(first));
  EXPECT_EQ(first.out.rfind("collected 75 readings (55 rows) from 2 devices, ", 0), 0u)
      << first.out;
  EXPECT_EQ(Scalar("SELECT count(*), count(DISTINCT timestamp) FROM '" + well_ + "'"), "30,30");
  EXPECT_EQ(Scalar("SELECT \"Temperature.C\", \"Conductivity.uS\", \"99.C\" FROM '" + well_ +
                   "' WHERE timestamp = TIMESTAMPTZ '2026-01-01 02:00:00+00'"),
            "12.0,401.0,9.0");
  EXPECT_EQ(Scalar("SELECT count(*) FROM '" + well_ + "' WHERE \"Conductivity.uS\" IS NULL"), "15");
  EXPECT_EQ(Scalar("SELECT count(*) FROM '/hydrovu/devices/202/creek_active.series'"), "25");
  EXPECT_FALSE(Ok(Pond({"list", "/hydrovu/devices/303"})));  // inactive

  // Nothing new: nothing collected, nothing committed.
  std::string log = Out({"log"});
  PondRun second = Run({"collect"});
  ASSERT_TRUE(Ok(second));
  EXPECT_EQ(second.out.rfind("collected 0 readings (0 rows)", 0), 0u) << second.out;
  EXPECT_EQ(Out({"log"}), log);

  // New readings arrive: the next run collects exactly them.
  Post(server.endpoint() + "/__add",
       R"({"id": "101", "parameterId": "1", "unitId": "10", "readings": [)"
       R"({"timestamp": )" +
           std::to_string(kStart + 40 * 3600) +
           R"(, "value": 50},)"
           R"({"timestamp": )" +
           std::to_string(kStart + 41 * 3600) + R"(, "value": 51}]})");
  PondRun third = Run({"collect", "--device", "well"});
  ASSERT_TRUE(Ok(third));
  EXPECT_EQ(third.out.rfind("collected 2 readings (2 rows) from 1 device, ", 0), 0u) << third.out;
  EXPECT_EQ(Scalar("SELECT count(*), count(DISTINCT timestamp) FROM '" + well_ + "'"), "32,32");
  std::string status = Out({"run", "/system/etc/hydrovu", "status"}, kEnv);
  EXPECT_NE(status.find("well\t101\t2026-01-02T17:00:00"), std::string::npos) << status;
  EXPECT_NE(status.find("32 rows"), std::string::npos) << status;
}

TEST_F(HydroVu, ABacklogSplitsOverRunsWithNoGap) {
  NodeServer server("hydrovu/standin.js", {"--fixture", Fixture(), "--client-id", "client",
                                           "--client-secret", "sesame", "--page-size", "4"});
  ASSERT_TRUE(server.ok());
  Mknod(server.endpoint() + "/", 12);
  int runs = 0;
  while (runs < 20) {
    PondRun r = Run({"collect"});
    ASSERT_TRUE(Ok(r)) << r.err;
    ++runs;
    if (r.out.rfind("collected 0 readings", 0) == 0) break;
  }
  EXPECT_GT(runs, 3);
  EXPECT_EQ(Scalar("SELECT count(*), count(DISTINCT timestamp), sum(\"Temperature.C\"), "
                   "count(\"Conductivity.uS\"), count(\"99.C\") FROM '" +
                   well_ + "'"),
            "30,30,735.0,15,5");
  EXPECT_EQ(Scalar("SELECT count(*) FROM '/hydrovu/devices/202/creek_active.series'"), "25");
}

TEST_F(HydroVu, FailuresChangeNothing) {
  NodeServer server("hydrovu/standin.js",
                    {"--fixture", Fixture(), "--client-id", "client", "--client-secret", "sesame"});
  ASSERT_TRUE(server.ok());
  Mknod(server.endpoint() + "/");
  std::string log = Out({"log"});
  EXPECT_TRUE(Fails(Run({"collect"}, "HV_ID=client HV_SECRET=wrong"), 1,
                    "HydroVu refused the client credentials"));
  EXPECT_TRUE(Fails(Run({"collect"}, "HV_ID=client"), 1, "HV_SECRET"));
  EXPECT_EQ(Out({"log"}), log);
  Mknod("http://127.0.0.1:9/");
  log = Out({"log"});
  EXPECT_TRUE(Fails(Run({"collect"}), 1, "cannot reach HydroVu"));
  EXPECT_EQ(Out({"log"}), log);
  EXPECT_TRUE(Fails(Run({"collect", "--device", "nope"}), 1, "no device named 'nope'"));
  EXPECT_TRUE(Fails(Pond({"mknod", "hydrovu", "/x", "--config-path",
                          Host("bad.yaml",
                               "client_id: a\nclient_secret: b\nhydrovu_path: /h\n"
                               "max_points_per_run: 0\ndevices: []\n")}),
                    1, "max_points_per_run"));
}

// A run killed part way leaves the previous complete state; the rerun
// collects every reading exactly once.
TEST_F(HydroVu, AKilledRunLosesAndDuplicatesNothing) {
  NodeServer server("hydrovu/standin.js", {"--fixture", Fixture(), "--client-id", "client",
                                           "--client-secret", "sesame", "--page-size", "5"});
  ASSERT_TRUE(server.ok());
  Mknod(server.endpoint() + "/");
  Post(server.endpoint() + "/__delay", R"({"ms": 100})");
  std::string cmd = kEnv + " POND=" + ShellQuote(pond_) + " " + ShellQuote(POND_BINARY) +
                    " run /system/etc/hydrovu collect >/dev/null 2>&1 & pid=$!; sleep 0.4; "
                    "kill -9 $pid; wait $pid";
  (void)std::system(cmd.c_str());
  Post(server.endpoint() + "/__delay", R"({"ms": 0})");
  ASSERT_TRUE(Ok(Run({"collect"})));
  EXPECT_EQ(Scalar("SELECT count(*), count(DISTINCT timestamp) FROM '" + well_ + "'"), "30,30");
  EXPECT_EQ(Scalar("SELECT count(*) FROM '/hydrovu/devices/202/creek_active.series'"), "25");
}

// Archiving compacts the active versions into one and starts afresh; the
// watermark carries over, so nothing is collected twice.
TEST_F(HydroVu, ArchiveCarriesTheWatermarkOver) {
  NodeServer server("hydrovu/standin.js", {"--fixture", Fixture(), "--client-id", "client",
                                           "--client-secret", "sesame", "--page-size", "10"});
  ASSERT_TRUE(server.ok());
  Mknod(server.endpoint() + "/", 20);
  ASSERT_TRUE(Ok(Run({"collect", "--device", "well"})));  // 20 of 50 readings
  PondRun archived = Run({"archive", "--device", "well"});
  ASSERT_TRUE(Ok(archived));
  EXPECT_EQ(archived.out, "archived 1 device\n");
  std::string listing = Out({"list", "/hydrovu/devices/101/*"});
  EXPECT_EQ(listing.find("well_active.series"), std::string::npos) << listing;
  ASSERT_NE(listing.find("well_archive_"), std::string::npos) << listing;
  std::string archive = Lines(listing)[0];
  PondRun versions = Pond({"describe", archive});
  EXPECT_NE(versions.out.find("versions:  1"), std::string::npos) << versions.out;
  // The rest of the backlog, then nothing: every reading once over both files.
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(Ok(Run({"collect", "--device", "well"})));
  EXPECT_EQ(
      Scalar("SELECT count(*), count(DISTINCT timestamp) FROM '/hydrovu/devices/101/*.series'"),
      "30,30");
  EXPECT_TRUE(Fails(Run({"archive", "--device", "well"}), 1, "archived today already"));
}

}  // namespace
}  // namespace pond::testing
