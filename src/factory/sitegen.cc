// sitegen: builds a static website of the pond's series (an executable).
//
//   site: {title: Water quality, base_url: /, description: ...}
//   pages:                                    # a page per distinct first capture
//     - {name: stations, pattern: /reduced/*/res=*.series, title: Stations}
//   content:                                  # Markdown pages (front matter:
//     - {pattern: /docs/*.md}                 #   title, weight, hidden, slug)
//   sidebar: [{title: Home, href: index.html}]   # optional; else generated
//   target_points: 1500                       # points a chart aims to draw
//
//   pond run /system/site build OUTDIR [--base-url /path/]
//
// OUTDIR gets index.html, one HTML file per page and content item, assets/
// (our script and stylesheet, uPlot and hyparquet, embedded in pond), and
// data/<page>/<series>/res=<R>/year=<Y>/[month=<M>/]*.parquet (Snappy) with a
// manifest.json per series. A series' resolution is the <R> of a file named
// res=<R>.series (its series name is then its folder's), else "raw" (named
// by its file stem). The site is built in a folder beside OUTDIR and swapped
// in whole, so a failed build leaves the previous site as it was; OUTDIR
// must be missing, empty, or an earlier build (it holds .pond-site).
#include <cmark.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "factory/evaluator.h"
#include "factory/site_assets.h"
#include "sql/pond_tables.h"
#include "tinyfs/path.h"
#include "util/duration.h"
#include "util/hash.h"
#include "util/id.h"
#include "util/text.h"

namespace pond::factory {
namespace {

namespace hostfs = std::filesystem;

constexpr const char* kMarker = ".pond-site";
constexpr double kMonthlyRows = 100000;  // rows a year's file may hold

struct PageSpec {
  std::string name, pattern, title;
};
struct NavItem {
  std::string title, href;
};

struct Config : ParsedConfig {
  std::string title = "DuckPond";
  std::string base_url = "/";
  std::string description;
  std::vector<PageSpec> pages;
  std::vector<std::string> content;
  std::vector<NavItem> sidebar;  // empty: generated
  int64_t target_points = 1500;
};

std::string Html(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

// A name safe in a URL and a file name: letters, digits, '-', '_', '.'.
std::string Slug(std::string_view s) {
  std::string out;
  for (char c : s) {
    bool ok = std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
    out += ok ? c : '-';
  }
  while (!out.empty() && out.front() == '.') out.erase(0, 1);
  return out.empty() ? "page" : out;
}

Status WriteText(const std::string& path, const std::string& text) {
  std::error_code ec;
  hostfs::create_directories(hostfs::path(path).parent_path(), ec);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out.flush()) return Status::IOError("cannot write " + path);
  return Status::OK();
}

// One page of the site: a data page or a content page.
struct Page {
  std::string slug;  // file name without .html
  std::string title;
  int64_t weight = 0;
  bool hidden = false;
  std::string body;  // HTML inside <main>
};

// One resolution of one series, as written.
struct Resolution {
  std::string name;     // "1h", or "raw"
  int64_t seconds = 0;  // 0 for raw
  std::string pond_path;
};

class Builder {
 public:
  Builder(RunContext& ctx, const Config& config, std::string base_url)
      : ctx_(ctx), config_(config), base_url_(std::move(base_url)) {}

  Status Build(const std::string& outdir) {
    std::error_code ec;
    hostfs::path out = hostfs::absolute(outdir, ec).lexically_normal();
    if (out.has_relative_path() && out.filename().empty()) out = out.parent_path();  // "dir/"
    if (out == out.root_path() || out.filename() == "." || out.filename() == "..") {
      return Status::InvalidArgument("'" + EscapeControl(outdir) +
                                     "' cannot hold a site (name a folder to build into)");
    }
    if (hostfs::is_symlink(out, ec)) {
      return Status::InvalidArgument("'" + EscapeControl(outdir) +
                                     "' is a symbolic link; build into the folder it points to");
    }
    hostfs::path pond_dir = hostfs::weakly_canonical(ctx_.pond.dir(), ec);
    hostfs::path real = hostfs::weakly_canonical(out, ec);
    auto inside = [](const hostfs::path& a, const hostfs::path& b) {  // a inside or equal to b
      auto [x, y] = std::mismatch(b.begin(), b.end(), a.begin(), a.end());
      return x == b.end();
    };
    if (!pond_dir.empty() && (inside(real, pond_dir) || inside(pond_dir, real))) {
      return Status::InvalidArgument("'" + EscapeControl(outdir) +
                                     "' is inside the pond (or holds it); build elsewhere");
    }
    previous_ = hostfs::exists(out / kMarker, ec) ? out.string() : "";
    if (!previous_.empty()) previous_canonical_ = hostfs::weakly_canonical(out, ec);
    if (hostfs::exists(out, ec)) {
      if (!hostfs::is_directory(out, ec)) {
        return Status::InvalidArgument("'" + EscapeControl(outdir) + "' is not a folder");
      }
      if (!hostfs::is_empty(out, ec) && previous_.empty()) {
        return Status::InvalidArgument("'" + EscapeControl(outdir) +
                                       "' holds files that are not an earlier site; "
                                       "build into an empty or new folder");
      }
    }
    hostfs::path parent = out.parent_path();
    hostfs::create_directories(parent, ec);
    staging_ = (parent / ("." + out.filename().string() + ".building-" + NewUuidV7())).string();
    hostfs::create_directories(staging_, ec);
    if (ec) return Status::IOError("cannot create " + staging_ + ": " + ec.message());
    Status st = BuildInto();
    if (st.ok()) st = KeepOthers();
    if (st.ok()) st = Swap(out);
    if (!st.ok()) {
      hostfs::remove_all(staging_, ec);
      return st;
    }
    ctx_.out << "built " << pages_.size() << " page" << (pages_.size() == 1 ? "" : "s") << ", "
             << series_count_ << " series, " << files_ << " data files (" << reused_
             << " unchanged) into " << EscapeControl(out.string()) << "\n";
    return Status::OK();
  }

 private:
  // Entries of the earlier site that no build made (a CNAME, a .git folder):
  // moved into the new site, so a rebuild replaces only its own output.
  Status KeepOthers() {
    if (previous_.empty()) return Status::OK();
    std::ifstream in(previous_ + "/" + kMarker);
    std::set<std::string> made;
    for (std::string line; std::getline(in, line);) {
      if (line.rfind("made ", 0) == 0) made.insert(line.substr(5));
    }
    std::error_code ec;
    for (const auto& e : hostfs::directory_iterator(previous_, ec)) {
      std::string name = e.path().filename().string();
      if (name == kMarker || made.count(name) || hostfs::exists(staging_ + "/" + name)) continue;
      hostfs::rename(e.path(), staging_ + "/" + name, ec);
      if (ec) return Status::IOError("cannot keep " + e.path().string() + ": " + ec.message());
    }
    return Status::OK();
  }

  // The old site aside, the new one in, the old one gone.
  Status Swap(const hostfs::path& out) {
    std::error_code ec;
    hostfs::path parent = out.parent_path();
    std::string old = (parent / ("." + out.filename().string() + ".old-" + NewUuidV7())).string();
    bool had = hostfs::exists(out, ec);
    if (had) {
      hostfs::rename(out, old, ec);
      if (ec) return Status::IOError("cannot replace " + out.string() + ": " + ec.message());
    }
    hostfs::rename(staging_, out, ec);
    if (ec) {
      std::error_code back;
      if (had) hostfs::rename(old, out, back);
      return Status::IOError("cannot replace " + out.string() + ": " + ec.message());
    }
    if (had) hostfs::remove_all(old, ec);
    return Status::OK();
  }

  Status BuildInto() {
    for (const SiteAsset& a : SiteAssets()) {
      RETURN_IF_ERROR(WriteText(staging_ + "/assets/" + a.name, std::string(a.bytes)));
    }
    for (const PageSpec& p : config_.pages) RETURN_IF_ERROR(DataPages(p));
    for (const std::string& pattern : config_.content) RETURN_IF_ERROR(ContentPages(pattern));
    std::sort(pages_.begin(), pages_.end(), [](const Page& a, const Page& b) {
      return std::tie(a.weight, a.title, a.slug) < std::tie(b.weight, b.title, b.slug);
    });
    std::set<std::string> slugs;
    for (const Page& p : pages_) {
      if (p.slug == "index" || !slugs.insert(p.slug).second) {
        return Status::InvalidArgument("two pages of the site are both named '" + p.slug +
                                       ".html'");
      }
    }
    for (const Page& p : pages_) {
      RETURN_IF_ERROR(
          WriteText(staging_ + "/" + p.slug + ".html", Layout(p.title, p.slug, p.body)));
    }
    std::string index = "<h1>" + Html(config_.title) + "</h1>\n";
    if (!config_.description.empty()) index += "<p>" + Html(config_.description) + "</p>\n";
    index += "<ul>\n";
    for (const Page& p : pages_) {
      if (!p.hidden)
        index += "<li><a href=\"" + p.slug + ".html\">" + Html(p.title) + "</a></li>\n";
    }
    index += "</ul>\n";
    RETURN_IF_ERROR(WriteText(staging_ + "/index.html", Layout(config_.title, "index", index)));
    // What this build made, so that the next one replaces only that.
    std::string marker = "built by pond sitegen\n";
    std::error_code ec;
    for (const auto& e : hostfs::directory_iterator(staging_, ec)) {
      marker += "made " + e.path().filename().string() + "\n";
    }
    return WriteText(staging_ + "/" + kMarker, marker);
  }

  std::string Layout(const std::string& title, const std::string& slug, const std::string& body) {
    std::string nav =
        "<nav><a class=\"title\" href=\"index.html\">" + Html(config_.title) + "</a><ul>\n";
    if (!config_.sidebar.empty()) {
      for (const NavItem& n : config_.sidebar) {
        nav += "<li><a href=\"" + Html(n.href) + "\">" + Html(n.title) + "</a></li>\n";
      }
    } else {
      for (const Page& p : pages_) {
        if (p.hidden) continue;
        nav += "<li><a href=\"" + p.slug + ".html\"" +
               (p.slug == slug ? " class=\"current\"" : "") + ">" + Html(p.title) + "</a></li>\n";
      }
    }
    nav += "</ul></nav>\n";
    // Every link is relative: with base_url "/" the site works from any
    // sub-path as it is; another base_url is given to the browser.
    std::string base = base_url_ == "/" ? "" : "<base href=\"" + Html(base_url_) + "\">\n";
    return "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
           "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n" +
           base + "<title>" + Html(title) +
           "</title>\n"
           "<link rel=\"stylesheet\" href=\"assets/uPlot.min.css\">\n"
           "<link rel=\"stylesheet\" href=\"assets/site.css\">\n</head>\n"
           "<body data-target-points=\"" +
           std::to_string(config_.target_points) + "\">\n" + nav + "<main>\n" + body +
           "</main>\n"
           "<script src=\"assets/uPlot.iife.min.js\"></script>\n"
           "<script type=\"module\" src=\"assets/site.js\"></script>\n</body></html>\n";
  }

  // The pages of one `pages` entry: one per distinct first capture.
  Status DataPages(const PageSpec& spec) {
    ASSIGN_OR_RETURN(auto url, Evaluator::ParseInputUrl(spec.pattern, InputKind::kSeries));
    ASSIGN_OR_RETURN(auto matches, MatchPattern(ctx_.fs, url.second, [](tinyfs::EntryType t) {
                       return tinyfs::IsSeries(t);
                     }));
    if (matches.empty()) {
      std::cerr << "pond: warning: site page '" << EscapeControl(spec.name)
                << "': " << EscapeControl(spec.pattern) << " matches no series\n";
      Page empty;
      empty.slug = Slug(spec.name);
      empty.title = spec.title.empty() ? spec.name : spec.title;
      empty.body = "<h1>" + Html(empty.title) + "</h1>\n<p class=\"empty\">No series yet.</p>\n";
      pages_.push_back(std::move(empty));
      return Status::OK();
    }
    // page capture -> series (its pond path without the resolution) -> resolutions
    std::map<std::string, std::map<std::string, std::vector<Resolution>>> groups;
    for (const PatternMatch& m : matches) {
      std::string capture = m.captures.empty() ? "" : m.captures[0];
      std::vector<std::string> parts = tinyfs::SplitPath(m.path);
      std::string file = parts.back();
      std::string stem = file.substr(0, file.rfind('.'));
      Resolution r;
      r.pond_path = m.path;
      std::string series;  // the series' own path: a resolution's folder, or the file
      if (stem.rfind("res=", 0) == 0 && parts.size() >= 2) {
        r.name = stem.substr(4);
        auto micros = ParseDurationMicros(r.name);
        if (!micros.ok() || *micros <= 0) {
          return Status::InvalidArgument("'" + EscapeControl(m.path) +
                                         "' names a resolution that is not a duration");
        }
        r.seconds = *micros / 1000000;
        parts.pop_back();
        series = tinyfs::JoinPath(parts);
      } else {
        r.name = "raw";
        series = m.path;
      }
      auto& resolutions = groups[capture][series];
      for (const Resolution& other : resolutions) {
        if (other.name == r.name) {
          return Status::InvalidArgument("'" + EscapeControl(m.path) + "' and '" +
                                         EscapeControl(other.pond_path) +
                                         "' are the same resolution of one series");
        }
      }
      resolutions.push_back(std::move(r));
    }
    for (auto& [capture, series] : groups) {
      Page page;
      page.slug = Slug(capture.empty() ? spec.name : spec.name + "-" + capture);
      std::string base = spec.title.empty() ? spec.name : spec.title;
      page.title = capture.empty() ? base : spec.title.empty() ? capture : base + ": " + capture;
      page.body = "<h1>" + Html(page.title) + "</h1>\n";
      std::set<std::string> dirs;
      for (auto& [path, resolutions] : series) {
        // Shown by its last name; stored under a folder no other series of
        // the page has (names that slug alike get a hash of their path).
        std::vector<std::string> parts = tinyfs::SplitPath(path);
        std::string name = parts.back();
        if (resolutions[0].name == "raw") name = name.substr(0, name.rfind('.'));
        std::string slug = Slug(name);
        if (!dirs.insert(slug).second) {
          slug += "-" + Sha256Hex(path).substr(0, 8);
          dirs.insert(slug);
        }
        std::string dir = "data/" + page.slug + "/" + slug;
        RETURN_IF_ERROR(WriteSeries(dir, name, resolutions));
        page.body +=
            "<section class=\"chart\" data-manifest=\"" + Html(dir) + "/manifest.json\">\n<h2>" +
            Html(name) +
            "</h2>\n<div class=\"buttons\"></div>\n<div class=\"plot\"></div>\n</section>\n";
        ++series_count_;
      }
      pages_.push_back(std::move(page));
    }
    return Status::OK();
  }

  // Writes every resolution of one series as Snappy Parquet by year, and its manifest.
  Status WriteSeries(const std::string& dir, const std::string& name,
                     std::vector<Resolution>& resolutions) {
    nlohmann::json manifest;
    manifest["name"] = name;
    manifest["resolutions"] = nlohmann::json::array();
    for (const Resolution& r : resolutions) {
      sql::TableSource source;
      {
        auto resolved =
            sql::ResolvePondTable(ctx_.fs, ctx_.pond, r.pond_path, {}, ctx_.eval.scratch());
        RETURN_IF_ERROR(resolved.status().WithContext(EscapeControl(r.pond_path)));
        source = std::move(*resolved);
      }
      ASSIGN_OR_RETURN(auto session, sql::OpenInternalSqlSession());
      RETURN_IF_ERROR(session->AddTable("src", source));
      RETURN_IF_ERROR(session->LockDown());
      RETURN_IF_ERROR(session->SetParquetCompression("snappy"));
      ASSIGN_OR_RETURN(Columns columns, DescribeTable(*session, "src"));
      // The series' declared time column, else its first time-typed one.
      auto is_time = [](const std::string& type) {
        return type.rfind("TIMESTAMP", 0) == 0 || type == "DATE";
      };
      std::string time;
      for (const auto& [column, type] : columns) {
        if (source.time_column && column == *source.time_column && is_time(type)) time = column;
      }
      for (const auto& [column, type] : columns) {
        if (time.empty() && is_time(type)) time = column;
      }
      if (time.empty()) {
        return Status::InvalidArgument("'" + EscapeControl(r.pond_path) +
                                       "' has no time column (a TIMESTAMP), so it cannot be drawn");
      }
      if (!manifest.contains("columns")) {
        manifest["time_column"] = time;
        for (auto& c : columns) {
          if (c.first == time) c.second = "TIMESTAMP WITH TIME ZONE";  // as written below
        }
        manifest["columns"] = columns;
      }
      std::string rel = "res=" + r.name;
      std::string dest = staging_ + "/" + dir + "/" + rel;
      std::string t = SqlIdentifier(time);
      // The same source as in the earlier build: its files are linked, not rewritten.
      std::string identity = CacheKey({"site-data-2", SourceIdentity(source)});
      if (auto reused = Reuse(dir, r.name, identity)) {
        manifest["resolutions"].push_back(std::move(*reused));
        continue;
      }
      std::error_code ec;
      hostfs::create_directories(dest, ec);
      if (ec) return Status::IOError("cannot create " + dest + ": " + ec.message());
      // Files of about a year, or of a month where a year would hold more than
      // kMonthlyRows rows: a view then reads at most two files of the
      // resolution it picks.
      std::ostringstream density;
      RETURN_IF_ERROR(session->Query("SELECT count(" + t + ") AS n, epoch(max(" + t +
                                         ")) - epoch(min(" + t + ")) AS span FROM src",
                                     sql::OutputFormat::kJsonLines, density));
      auto d = nlohmann::json::parse(density.str(), nullptr, false);
      double n = d.is_object() && d["n"].is_number() ? d["n"].get<double>() : 0;
      double span = d.is_object() && d["span"].is_number() ? d["span"].get<double>() : 0;
      double per_year = n * 365.25 * 86400 / std::max(span, 86400.0);
      bool monthly = per_year > kMonthlyRows;
      nlohmann::json res;
      res["name"] = r.name;
      res["seconds"] = r.seconds;
      res["source"] = identity;
      res["files"] = nlohmann::json::array();
      res["rows"] = 0;
      if (n == 0) {  // nothing to draw yet: a resolution without files
        manifest["resolutions"].push_back(std::move(res));
        continue;
      }
      std::vector<std::string> by = {"year"};
      // Every time type is written as TIMESTAMP WITH TIME ZONE (microseconds,
      // UTC), which the browser reads as it is.
      std::string select = "SELECT * REPLACE (CAST(" + t + " AS TIMESTAMP WITH TIME ZONE) AS " + t +
                           "), year(" + t + ") AS \"year\"";
      if (monthly) {
        by.push_back("month");
        select += ", month(" + t + ") AS \"month\"";
      }
      RETURN_IF_ERROR(session->QueryToPartitionedParquet(
          select + " FROM src WHERE " + t + " IS NOT NULL ORDER BY " + t, dest, by));
      // What each file holds.
      std::ostringstream stats;
      RETURN_IF_ERROR(
          session->Query("SELECT filename AS f, count(*) AS n, epoch_us(min(" + t +
                             ")) AS lo, epoch_us(max(" + t + ")) AS hi FROM read_parquet(" +
                             SqlString(dest + (monthly ? "/*/*/*.parquet" : "/*/*.parquet")) +
                             ", filename = true) GROUP BY filename ORDER BY filename",
                         sql::OutputFormat::kJsonLines, stats));
      int64_t rows = 0;
      double lo = 0, hi = 0;
      std::string line;
      std::istringstream in(stats.str());
      while (std::getline(in, line)) {
        auto j = nlohmann::json::parse(line, nullptr, false);
        if (!j.is_object()) return Status::Internal("cannot read back " + dest);
        if (!j["f"].is_string() || !j["n"].is_number() || !j["lo"].is_number() ||
            !j["hi"].is_number()) {
          return Status::Internal("cannot read back " + dest);
        }
        std::string file = j["f"].get<std::string>();
        nlohmann::json f;
        f["path"] = rel + "/" + file.substr(dest.size() + 1);
        f["rows"] = j["n"];
        f["min"] = j["lo"].get<double>() / 1e6;
        f["max"] = j["hi"].get<double>() / 1e6;
        ASSIGN_OR_RETURN(std::string sha, Sha256OfFile(file));
        f["size"] = hostfs::file_size(file);
        f["sha256"] = sha;
        lo = res["files"].empty() ? f["min"].get<double>() : std::min(lo, f["min"].get<double>());
        hi = res["files"].empty() ? f["max"].get<double>() : std::max(hi, f["max"].get<double>());
        rows += j["n"].get<int64_t>();
        res["files"].push_back(std::move(f));
        ++files_;
      }
      res["rows"] = rows;
      res["min"] = lo;
      res["max"] = hi;
      manifest["resolutions"].push_back(std::move(res));
    }
    return WriteText(staging_ + "/" + dir + "/manifest.json", manifest.dump(1) + "\n");
  }

  // The earlier build's entry for resolution `name` of the series in `dir`
  // when it was written from the same source, with its files hard-linked
  // into the new build (copied where links cannot be made); nullopt otherwise.
  std::optional<nlohmann::json> Reuse(const std::string& dir, const std::string& name,
                                      const std::string& identity) {
    if (previous_.empty()) return std::nullopt;
    std::ifstream in(previous_ + "/" + dir + "/manifest.json");
    if (!in) return std::nullopt;
    std::stringstream text;
    text << in.rdbuf();
    auto old = nlohmann::json::parse(text.str(), nullptr, false);
    if (!old.is_object() || !old["resolutions"].is_array()) return std::nullopt;
    for (const auto& res : old["resolutions"]) {
      if (!res.is_object() || res.value("name", "") != name ||
          res.value("source", "") != identity || !res["files"].is_array()) {
        continue;
      }
      std::error_code ec;
      // Every file checked first: a plain file of the earlier site, as it was written.
      for (const auto& f : res["files"]) {
        std::string path = f.is_object() ? f.value("path", "") : "";
        if (path.empty() || path.find("..") != std::string::npos) return std::nullopt;
        hostfs::path from = hostfs::path(previous_) / dir / path;
        hostfs::path real = hostfs::weakly_canonical(from, ec);
        auto [x, y] = std::mismatch(previous_canonical_.begin(), previous_canonical_.end(),
                                    real.begin(), real.end());
        if (ec || x != previous_canonical_.end() ||
            !hostfs::is_regular_file(hostfs::symlink_status(from, ec)) ||
            !f["size"].is_number_unsigned() ||
            hostfs::file_size(from, ec) != f["size"].get<uint64_t>() || !f["sha256"].is_string()) {
          return std::nullopt;
        }
        auto sha = Sha256OfFile(from.string());
        if (!sha.ok() || *sha != f["sha256"].get<std::string>()) return std::nullopt;
      }
      // Then linked in (copied where links cannot be made).
      for (const auto& f : res["files"]) {
        std::string path = f.value("path", "");
        hostfs::path from = hostfs::path(previous_) / dir / path;
        hostfs::path to = hostfs::path(staging_) / dir / path;
        hostfs::create_directories(to.parent_path(), ec);
        hostfs::create_hard_link(from, to, ec);
        if (ec) hostfs::copy_file(from, to, ec);
        if (ec) {
          hostfs::remove_all(hostfs::path(staging_) / dir / ("res=" + name), ec);
          return std::nullopt;
        }
        ++files_;
        ++reused_;
      }
      return res;
    }
    return std::nullopt;
  }

  Status ContentPages(const std::string& pattern) {
    ASSIGN_OR_RETURN(auto matches, MatchPattern(ctx_.fs, pattern, [](tinyfs::EntryType t) {
                       return t == tinyfs::EntryType::kFileData;
                     }));
    if (matches.empty()) {
      std::cerr << "pond: warning: site content " << EscapeControl(pattern) << " matches no file\n";
    }
    for (const PatternMatch& m : matches) {
      ASSIGN_OR_RETURN(std::string text, ctx_.fs.ReadFile(m.node));
      if (text.rfind("\xEF\xBB\xBF", 0) == 0) text.erase(0, 3);  // a byte-order mark
      for (size_t at; (at = text.find("\r\n")) != std::string::npos;) text.erase(at, 1);
      Page page;
      std::string file = tinyfs::SplitPath(m.path).back();
      page.slug = Slug(file.substr(0, file.rfind('.')));
      page.title = page.slug;
      std::string body = text;
      if (text.rfind("---\n", 0) == 0) {
        size_t end = text.find("\n---", 3);
        if (end == std::string::npos) {
          return Status::InvalidArgument("'" + EscapeControl(m.path) +
                                         "' opens front matter (---) that never closes");
        }
        YAML::Node front;
        try {
          front = YAML::Load(text.substr(4, end - 3));
        } catch (const YAML::Exception& e) {
          return Status::InvalidArgument("'" + EscapeControl(m.path) +
                                         "' has front matter that is not YAML: " + e.what());
        }
        Fields f(front, "front matter of " + EscapeControl(m.path));
        if (f.Has("title")) {
          ASSIGN_OR_RETURN(page.title, f.String("title"));
        }
        if (f.Has("slug")) {
          ASSIGN_OR_RETURN(std::string slug, f.String("slug"));
          page.slug = Slug(slug);
        }
        if (f.Has("weight")) {
          ASSIGN_OR_RETURN(page.weight, f.Integer("weight"));
        }
        if (f.Has("hidden")) {
          ASSIGN_OR_RETURN(page.hidden, f.Bool("hidden"));
        }
        // Other keys (author, date, ...) are the page's own business.
        size_t after = text.find('\n', end + 1);
        body = after == std::string::npos ? "" : text.substr(after + 1);
      }
      // cmark's default is safe: raw HTML and unsafe links are left out.
      char* html = cmark_markdown_to_html(body.data(), body.size(), CMARK_OPT_DEFAULT);
      page.body = html ? html : "";
      std::free(html);
      pages_.push_back(std::move(page));
    }
    return Status::OK();
  }

  RunContext& ctx_;
  const Config& config_;
  std::string base_url_;
  std::string staging_;
  std::string previous_;  // the earlier build in OUTDIR, "" when none
  hostfs::path previous_canonical_;
  std::vector<Page> pages_;
  int64_t series_count_ = 0;
  int64_t files_ = 0;
  int64_t reused_ = 0;
};

class Sitegen final : public Factory {
 public:
  std::string_view name() const override { return "sitegen"; }
  std::string_view description() const override {
    return "builds a static website of the pond's series: pond run NODE build OUTDIR";
  }
  Makes makes() const override { return Makes::kExecutable; }

  Result<std::shared_ptr<const ParsedConfig>> Parse(const YAML::Node& node) const override {
    Fields f(node, "sitegen config");
    auto config = std::make_shared<Config>();
    if (f.Has("site")) {
      Fields site(f.Raw("site"), "sitegen config: site");
      if (site.Has("title")) {
        ASSIGN_OR_RETURN(config->title, site.String("title"));
      }
      if (site.Has("base_url")) {
        ASSIGN_OR_RETURN(config->base_url, site.String("base_url"));
      }
      if (site.Has("description")) {
        ASSIGN_OR_RETURN(config->description, site.String("description"));
      }
      RETURN_IF_ERROR(site.Done());
    }
    if (f.Has("pages")) {
      ASSIGN_OR_RETURN(auto pages, f.List("pages"));
      for (size_t i = 0; i < pages.size(); ++i) {
        Fields p(pages[i], "sitegen config: " + Item("pages", i));
        PageSpec spec;
        ASSIGN_OR_RETURN(spec.name, p.String("name"));
        ASSIGN_OR_RETURN(spec.pattern, p.String("pattern"));
        if (p.Has("title")) {
          ASSIGN_OR_RETURN(spec.title, p.String("title"));
        }
        RETURN_IF_ERROR(p.Done());
        RETURN_IF_ERROR(Evaluator::ParseInputUrl(spec.pattern, InputKind::kSeries)
                            .status()
                            .WithContext("sitegen config: " + Item("pages", i) + ": 'pattern'"));
        config->pages.push_back(std::move(spec));
      }
    }
    if (f.Has("content")) {
      ASSIGN_OR_RETURN(auto content, f.List("content"));
      for (size_t i = 0; i < content.size(); ++i) {
        Fields c(content[i], "sitegen config: " + Item("content", i));
        ASSIGN_OR_RETURN(std::string pattern, c.String("pattern"));
        RETURN_IF_ERROR(c.Done());
        config->content.push_back(std::move(pattern));
      }
    }
    if (f.Has("sidebar")) {
      ASSIGN_OR_RETURN(auto items, f.List("sidebar"));
      for (size_t i = 0; i < items.size(); ++i) {
        Fields n(items[i], "sitegen config: " + Item("sidebar", i));
        NavItem item;
        ASSIGN_OR_RETURN(item.title, n.String("title"));
        ASSIGN_OR_RETURN(item.href, n.String("href"));
        RETURN_IF_ERROR(n.Done());
        config->sidebar.push_back(std::move(item));
      }
    }
    auto url_ok = [](const std::string& u) {
      return u.rfind("/", 0) == 0 || u.rfind("http://", 0) == 0 || u.rfind("https://", 0) == 0;
    };
    if (!url_ok(config->base_url)) {
      return f.Error("'site.base_url' must start with / (or be an http(s):// URL), not '" +
                     EscapeControl(config->base_url) + "'");
    }
    for (const NavItem& n : config->sidebar) {
      std::string lower = n.href;
      for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      size_t colon = lower.find(':');
      if (colon != std::string::npos && colon < lower.find('/') && lower.rfind("http:", 0) != 0 &&
          lower.rfind("https:", 0) != 0 && lower.rfind("mailto:", 0) != 0) {
        return f.Error("sidebar link '" + EscapeControl(n.href) +
                       "' must be relative or http(s)://");
      }
    }
    if (f.Has("target_points")) {
      ASSIGN_OR_RETURN(config->target_points, f.Integer("target_points"));
      if (config->target_points < 10) return f.Error("'target_points' must be at least 10");
    }
    RETURN_IF_ERROR(f.Done());
    return std::shared_ptr<const ParsedConfig>(config);
  }

  Status Run(RunContext& ctx, const ParsedConfig& parsed,
             const std::vector<std::string>& args) const override {
    const Config& config = dynamic_cast<const Config&>(parsed);
    if (args.empty() || args[0] != "build") {
      return Status::InvalidArgument("sitegen runs as: build OUTDIR [--base-url /path/]");
    }
    std::string outdir, base_url = config.base_url;
    for (size_t i = 1; i < args.size(); ++i) {
      if (args[i] == "--base-url" && i + 1 < args.size()) {
        base_url = args[++i];
      } else if (args[i].rfind("--base-url=", 0) == 0) {
        base_url = args[i].substr(11);
      } else if (outdir.empty() && args[i].rfind("-", 0) != 0) {
        outdir = args[i];
      } else {
        return Status::InvalidArgument("sitegen build does not take '" + EscapeControl(args[i]) +
                                       "' (build OUTDIR [--base-url /path/])");
      }
    }
    if (outdir.empty()) return Status::InvalidArgument("sitegen build needs an OUTDIR");
    if (base_url.rfind("/", 0) != 0 && base_url.rfind("http://", 0) != 0 &&
        base_url.rfind("https://", 0) != 0) {
      return Status::InvalidArgument("--base-url must start with / (or be an http(s):// URL)");
    }
    if (base_url.empty() || base_url.back() != '/') base_url += '/';
    Builder builder(ctx, config, base_url);
    return builder.Build(outdir);
  }
};

POND_REGISTER_FACTORY(Sitegen);

}  // namespace
}  // namespace pond::factory
