// The site generator through the real binary (issue 10): a pond with
// synthetic stations reduced at 1h/6h/1d and a Markdown page, built with
// `pond run /system/site build OUTDIR`, served on 127.0.0.1 by
// tests/site/serve.js and driven in Debian's chromium by playwright-core
// (tests/site/check_site.js). Screenshots land in <build>/site-screenshots.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "e2e/node_server.h"
#include "e2e/pond_fixture.h"

namespace pond::testing {
namespace {

namespace fs = std::filesystem;

class Site : public PondFixture {
 protected:
  void Stations() {
    ASSERT_TRUE(Ok(Pond({"mkdir", "/raw"})));
    for (const char* station : {"north", "south"}) {
      std::string config = Host(std::string(station) + ".yaml",
                                "start: 2025-01-01T00:00:00Z\nend: 2025-12-31T23:00:00Z\n"
                                "interval: 10m\npoints:\n"
                                "  - name: temperature.C\n    components:\n"
                                "      - {type: sine, amplitude: 5, period: 1d, offset: 20}\n"
                                "      - {type: sine, amplitude: 8, period: 365d}\n"
                                "  - name: conductivity.uS\n    components:\n"
                                "      - {type: sine, amplitude: 50, period: 7d, offset: 400}\n");
      ASSERT_TRUE(Ok(Pond({"mknod", "synthetic-timeseries",
                           "/raw/" + std::string(station) + ".series", "--config-path", config})));
    }
    ASSERT_TRUE(Ok(Pond({"mknod", "temporal-reduce", "/reduced", "--config-path",
                         Host("reduce.yaml",
                              "in_pattern: series:///raw/*.series\nout_pattern: $0\n"
                              "time_column: timestamp\nresolutions: [1h, 6h, 1d]\n"
                              "aggregations:\n  - {type: avg}\n  - {type: min}\n"
                              "  - {type: max}\n")})));
    ASSERT_TRUE(Ok(Pond({"mkdir", "/docs"})));
    ASSERT_TRUE(Ok(Pond({"copy",
                         Host("about.md",
                              "---\ntitle: About the network\nweight: 5\n---\n"
                              "# About\n\nTwo **stations**. <script>alert(1)</script>\n"
                              "[North](stations-north.html)\n"),
                         "/docs/about.md"})));
  }

  void Mknod(const std::string& yaml) {
    ASSERT_TRUE(Ok(Pond({"mknod", "sitegen", "/system/site", "--config-path",
                         Host("site.yaml", yaml), "--overwrite"})));
  }

  std::string out_ = dir_.path() + "/site";
};

TEST_F(Site, BuildsAndEveryPageWorksInABrowser) {
  Stations();
  Mknod(
      "site: {title: Water quality, description: Two stations}\n"
      "pages:\n  - {name: stations, pattern: /reduced/*/res=*.series, title: Stations}\n"
      "content:\n  - {pattern: /docs/*.md}\n");
  PondRun built = Pond({"run", "/system/site", "build", out_});
  ASSERT_TRUE(Ok(built));
  EXPECT_EQ(built.out, "built 3 pages, 2 series, 6 data files (0 unchanged) into " + out_ + "\n");
  // A rebuild with nothing changed rewrites no data file: the same files are linked in.
  std::string data = out_ + "/data/stations-north/north/res=1h/year=2025/data_0.parquet";
  struct stat before {};
  ASSERT_EQ(::stat(data.c_str(), &before), 0);
  PondRun again = Pond({"run", "/system/site", "build", out_});
  ASSERT_TRUE(Ok(again));
  EXPECT_EQ(again.out, "built 3 pages, 2 series, 6 data files (6 unchanged) into " + out_ + "\n");
  struct stat after {};
  ASSERT_EQ(::stat(data.c_str(), &after), 0);
  EXPECT_EQ(before.st_ino, after.st_ino);
  for (const char* f : {"index.html", "stations-north.html", "stations-south.html", "about.html",
                        "assets/uPlot.iife.min.js", "assets/hyparquet.LICENSE", "assets/site.js",
                        "data/stations-north/north/manifest.json",
                        "data/stations-north/north/res=1h/year=2025/data_0.parquet"}) {
    EXPECT_TRUE(fs::exists(out_ + "/" + f)) << f;
  }
  std::string about = Out({"cat", "/docs/about.md"});
  EXPECT_NE(about.find("<script>"), std::string::npos);
  std::ifstream page(out_ + "/about.html");
  std::string html((std::istreambuf_iterator<char>(page)), std::istreambuf_iterator<char>());
  EXPECT_NE(html.find("<strong>stations</strong>"), std::string::npos);
  EXPECT_EQ(html.find("<script>alert"), std::string::npos);  // raw HTML is left out

  NodeServer server("site/serve.js", {out_});
  ASSERT_TRUE(server.ok());
  std::string shots = std::string(POND_BUILD_DIR) + "/site-screenshots";
  std::string cmd = "node " +
                    ShellQuote(std::string(POND_SOURCE_DIR) + "/tests/site/check_site.js") + " " +
                    server.endpoint() + "/ " + ShellQuote(shots);
  FILE* p = ::popen(cmd.c_str(), "r");
  ASSERT_NE(p, nullptr);
  std::string text;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) text.append(buf, n);
  ASSERT_EQ(::pclose(p), 0) << text;
  auto report = nlohmann::json::parse(text);
  ASSERT_EQ(report["pages"].size(), 5u);  // /, index.html, two stations, about
  int charts = 0;
  for (const auto& pg : report["pages"]) {
    std::string url = pg["url"];
    EXPECT_TRUE(pg["errors"].empty()) << url << ": " << pg["errors"].dump();
    EXPECT_TRUE(pg["failed"].empty()) << url << ": " << pg["failed"].dump();
    EXPECT_TRUE(pg["broken"].empty()) << url << ": " << pg["broken"].dump();
    EXPECT_LT(pg["firstPaintMs"].get<int>(), 3000) << url;
    for (const auto& c : pg["charts"]) {
      ++charts;
      EXPECT_EQ(c["state"], "drawn") << url;
      EXPECT_GT(c["pixels"].get<int>(), 1000) << url;  // the canvas has drawn lines
      EXPECT_LE(c["firstView"]["files"].get<int>(), 2) << url;
      EXPECT_EQ(c["firstView"]["resolution"], "1d") << url;  // everything, the coarsest
      for (const auto& b : c["buttons"]) {
        EXPECT_LE(b["fetched"].get<int>(), 2) << url << " " << b["label"];
        EXPECT_LE(b["files"].get<int>(), 2) << url << " " << b["label"];
      }
      EXPECT_EQ(c["buttons"][0]["label"], "1 day");
      EXPECT_EQ(c["buttons"][0]["resolution"], "1h");  // the finest that fits
      EXPECT_EQ(c["buttons"][4]["label"], "all");
      EXPECT_EQ(c["buttons"][4]["resolution"], "6h");  // a year: 1460 points <= 1500
      // A drag narrows the window and reads a finer resolution.
      double before =
          c["zoom"]["before"]["hi"].get<double>() - c["zoom"]["before"]["lo"].get<double>();
      double after =
          c["zoom"]["after"]["hi"].get<double>() - c["zoom"]["after"]["lo"].get<double>();
      EXPECT_LT(after, before / 5) << url;
      EXPECT_EQ(c["zoom"]["before"]["resolution"], "6h");
      EXPECT_EQ(c["zoom"]["after"]["resolution"], "1h");
    }
  }
  EXPECT_EQ(charts, 2);
  for (const char* shot : {"index.png", "stations-north.png", "stations-south.png", "about.png"}) {
    EXPECT_TRUE(fs::exists(shots + "/" + shot)) << shot;
  }
}

TEST_F(Site, BuildErrorsAndWarnings) {
  // An unknown key is one sentence naming it; nothing is stored.
  PondRun unknown = Pond({"mknod", "sitegen", "/system/site", "--config-path",
                          Host("bad.yaml", "site: {title: x, colour: red}\n")});
  EXPECT_TRUE(Fails(unknown, 1, "colour"));
  // A pattern that matches nothing: a warning and an empty page.
  Mknod("pages:\n  - {name: nothing, pattern: /none/*.series}\n");
  PondRun empty = Pond({"run", "/system/site", "build", out_});
  EXPECT_EQ(empty.exit_code, 0) << empty.err;
  EXPECT_NE(empty.err.find("pond: warning: site page 'nothing'"), std::string::npos) << empty.err;
  EXPECT_TRUE(fs::exists(out_ + "/nothing.html"));
  // A series without a time column fails the build and leaves the last site.
  ASSERT_TRUE(Ok(Pond({"mkdir", "/t"})));
  RowBatch rows;
  rows.columns = {{"when", CellType::kString}, {"v", CellType::kDouble}};
  rows.rows.push_back({Cell(std::string("today")), Cell(1.0)});
  ASSERT_TRUE(Ok(Pond({"copy", "host+table://" + HostParquet("t.parquet", rows), "/t/a.table"})));
  ASSERT_TRUE(
      Ok(Pond({"mknod", "sql-derived-series", "/t/a.series", "--config-path",
               Host("d.yaml", "patterns: {a: table:///t/a.table}\nquery: SELECT * FROM a\n")})));
  Mknod("pages:\n  - {name: t, pattern: /t/*.series}\n");
  PondRun failed = Pond({"run", "/system/site", "build", out_});
  EXPECT_EQ(failed.exit_code, 1) << failed.err;
  EXPECT_TRUE(fs::exists(out_ + "/nothing.html"));  // the previous site is intact
  // A folder that holds other things is not emptied.
  Host("other/keep.txt", "keep");
  EXPECT_TRUE(
      Fails(Pond({"run", "/system/site", "build", host_ + "/other"}), 1, "not an earlier site"));
  EXPECT_TRUE(fs::exists(host_ + "/other/keep.txt"));
}

// Found by attacking the site generator as a user: each was a wrong page
// with exit 0, or a build that damaged something.
TEST_F(Site, HostileCases) {
  ASSERT_TRUE(Ok(Pond({"mkdir", "-p", "/col/st"})));
  // 50 (or `n`) hourly rows from 2025-01-01 in event_time; `timestamp` is a
  // constant (2024-06-01), so only the declared time column spreads them.
  auto series = [&](const std::string& name, int n) {
    RowBatch b;
    b.columns = {{"timestamp", CellType::kTimestamp},
                 {"event_time", CellType::kTimestamp},
                 {"v", CellType::kDouble},
                 {"s", CellType::kString}};
    const int64_t june = 1717200000LL * kSecond, jan = 1735689600LL * kSecond;
    for (int i = 0; i < n; ++i) {
      b.rows.push_back({Cell(june), Cell(jan + i * kHourMicros), Cell(static_cast<double>(i)),
                        Cell("x" + std::to_string(i))});
    }
    return HostParquet(name + ".parquet", b);
  };
  ASSERT_TRUE(Ok(Pond({"copy", "--time-column", "event_time", "host+series://" + series("ab1", 50),
                       "/col/st/a b.series"})));
  ASSERT_TRUE(Ok(Pond({"copy", "--time-column", "event_time", "host+series://" + series("ab2", 10),
                       "/col/st/a-b.series"})));
  RowBatch none;
  none.columns = {{"timestamp", CellType::kTimestamp}, {"v", CellType::kDouble}};
  ASSERT_TRUE(Ok(Pond(
      {"copy", "host+series://" + HostParquet("empty.parquet", none), "/col/st/empty.series"})));
  ASSERT_TRUE(Ok(Pond({"mkdir", "/docs"})));
  ASSERT_TRUE(Ok(Pond(
      {"copy", Host("w.md", "\xEF\xBB\xBF---\r\ntitle: Windows\r\nauthor: me\r\n---\r\nHi\r\n"),
       "/docs/w.md"})));
  Mknod("pages:\n  - {name: c, pattern: /col/*/*.series}\ncontent:\n  - {pattern: /docs/*.md}\n");
  std::string out = out_ + "/";  // a trailing slash is the same folder
  PondRun built = Pond({"run", "/system/site", "build", out, "--base-url", "/sub/"});
  ASSERT_TRUE(Ok(built)) << built.err;
  std::set<std::string> manifests;
  for (const auto& e : fs::recursive_directory_iterator(out_ + "/data")) {
    if (e.path().filename() == "manifest.json") manifests.insert(e.path().parent_path().string());
  }
  EXPECT_EQ(manifests.size(), 3u);
  for (const std::string& dir : manifests) {
    std::ifstream in(dir + "/manifest.json");
    auto m = nlohmann::json::parse(in);
    EXPECT_EQ(m["resolutions"].size(), 1u) << dir;
    if (m["name"] == "empty") {
      EXPECT_EQ(m["resolutions"][0]["files"].size(), 0u);
      continue;
    }
    EXPECT_EQ(m["time_column"], "event_time") << dir;
    double lo = m["resolutions"][0]["min"], hi = m["resolutions"][0]["max"];
    EXPECT_EQ(lo, 1735689600.0) << dir;  // 2025-01-01, not the constant 2024-06-01
    EXPECT_GT(hi, lo) << dir;
  }
  std::ifstream page(out_ + "/w.html");
  std::string html((std::istreambuf_iterator<char>(page)), std::istreambuf_iterator<char>());
  EXPECT_NE(html.find("<title>Windows</title>"), std::string::npos) << html;
  EXPECT_NE(html.find("<base href=\"/sub/\">"), std::string::npos);

  // A rebuild keeps what the user put beside the site, never reuses a file
  // that changed, and never follows a link out of the site.
  std::ofstream(out_ + "/CNAME") << "example.org\n";
  fs::create_directories(out_ + "/.git");
  std::string data;
  for (const auto& e : fs::recursive_directory_iterator(out_ + "/data")) {
    if (e.path().extension() == ".parquet") data = e.path().string();
  }
  ASSERT_FALSE(data.empty());
  std::ofstream(data, std::ios::trunc).flush();  // damaged: empty
  PondRun rebuilt = Pond({"run", "/system/site", "build", out_});
  ASSERT_TRUE(Ok(rebuilt));
  EXPECT_NE(rebuilt.out.find("(1 unchanged)"), std::string::npos) << rebuilt.out;
  EXPECT_GT(fs::file_size(data), 0u);
  EXPECT_TRUE(fs::exists(out_ + "/CNAME"));
  EXPECT_TRUE(fs::exists(out_ + "/.git"));

  // Folders that cannot hold a site.
  EXPECT_TRUE(Fails(Pond({"run", "/system/site", "build", "/"}), 1, "cannot hold a site"));
  EXPECT_TRUE(Fails(Pond({"run", "/system/site", "build", pond_ + "/site"}), 1, "inside the pond"));
  fs::create_symlink(out_, dir_.path() + "/link");
  EXPECT_TRUE(
      Fails(Pond({"run", "/system/site", "build", dir_.path() + "/link"}), 1, "symbolic link"));
  EXPECT_TRUE(Fails(Pond({"run", "/system/site", "build", out_, "--base-url", "sub"}), 1,
                    "--base-url must start with /"));
  for (const auto& e : fs::directory_iterator(dir_.path())) {
    EXPECT_EQ(e.path().filename().string().find(".building-"), std::string::npos) << e.path();
  }
}

}  // namespace
}  // namespace pond::testing
