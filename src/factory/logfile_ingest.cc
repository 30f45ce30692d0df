// logfile-ingest: appends what host log files gained since the last run (an
// executable).
//
//   pattern: /var/log/station/*.log     # host glob (absolute)
//   target: /logs                        # pond folder
//   format: lines                        # lines (file:data) or csv (a series)
//   time_column: timestamp               # csv: the time column (default: the usual names)
//
//   pond run NODE ingest
//
// Each matched host file H becomes <target>/<name of H> (csv: <stem>.series);
// each run appends what H gained as a new version, up to its last complete
// line. What was read is recorded with the version (H's device and inode,
// how far it was read, and a SHA-256 of its first 4 KiB), so the next run
// knows where to go on, and knows a rotation (H is a new file and the old one
// was renamed: the old one is finished from where it was left, found by its
// device and inode in H's folder, then the new one starts) from a truncation
// (the same file, shorter than what was read or with another head: it starts
// over; earlier versions stay). The versions of a pond file, in order, hold
// every byte of the host's lines once.
#include <glob.h>
#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "factory/evaluator.h"
#include "parquet/csv_shape.h"
#include "tinyfs/path.h"
#include "util/hash.h"
#include "util/text.h"

namespace pond::factory {
namespace {

namespace hostfs = std::filesystem;

constexpr uint64_t kHead = 4096;

struct Config : ParsedConfig {
  std::string pattern, target, format = "lines", time_column;
};

// Where the previous run left a host file.
struct Mark {
  uint64_t dev = 0, ino = 0, offset = 0;
  std::string head;  // SHA-256 of the first min(offset, kHead) bytes
};

Result<std::string> ReadRange(const std::string& path, uint64_t from, uint64_t to) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::IOError("cannot read host file " + EscapeControl(path));
  in.seekg(static_cast<std::streamoff>(from));
  std::string bytes(to - from, '\0');
  in.read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (static_cast<uint64_t>(in.gcount()) != to - from) {
    return Status::IOError("host file " + EscapeControl(path) + " changed while it was read");
  }
  return bytes;
}

Result<std::string> HeadHash(const std::string& path, uint64_t length) {
  ASSIGN_OR_RETURN(std::string head, ReadRange(path, 0, std::min(length, kHead)));
  return Sha256Hex(head);
}

std::string MarkJson(const Mark& m) {
  nlohmann::json j;
  j["source"] = {{"dev", m.dev}, {"ino", m.ino}, {"offset", m.offset}, {"head", m.head}};
  return j.dump();
}

std::optional<Mark> ReadMark(const std::string& attributes) {
  auto j = nlohmann::json::parse(attributes, nullptr, false);
  if (!j.is_object() || !j.contains("source") || !j["source"].is_object()) return std::nullopt;
  const auto& s = j["source"];
  if (!s["dev"].is_number_unsigned() || !s["ino"].is_number_unsigned() ||
      !s["offset"].is_number_unsigned() || !s["head"].is_string()) {
    return std::nullopt;
  }
  return Mark{s["dev"], s["ino"], s["offset"], s["head"]};
}

class Ingester {
 public:
  Ingester(RunContext& ctx, const Config& c) : ctx_(ctx), c_(c) {}

  Status File(const std::string& host) {
    struct stat st;
    if (::stat(host.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return Status::OK();  // gone
    std::string name = hostfs::path(host).filename().string();
    std::string pond_path =
        c_.target + "/" + (csv() ? name.substr(0, name.rfind('.')) + ".series" : name);
    std::optional<Mark> mark;
    auto node = ctx_.fs.TryResolve(pond_path);
    if (node.ok() && *node) {
      ASSIGN_OR_RETURN(auto versions, ctx_.fs.Versions(**node));
      mark = ReadMark(versions.back().meta.attributes);
    }
    Mark now{static_cast<uint64_t>(st.st_dev), static_cast<uint64_t>(st.st_ino), 0, ""};
    uint64_t from = 0;
    if (mark && mark->dev == now.dev && mark->ino == now.ino) {
      ASSIGN_OR_RETURN(std::string head, HeadHash(host, mark->offset));
      bool truncated = static_cast<uint64_t>(st.st_size) < mark->offset || head != mark->head;
      from = truncated ? 0 : mark->offset;
    } else if (mark) {
      // Rotated: finish the old file where it now lives, then start the new one.
      std::error_code ec;
      for (const auto& e : hostfs::directory_iterator(hostfs::path(host).parent_path(), ec)) {
        struct stat old;
        if (::stat(e.path().c_str(), &old) != 0 || static_cast<uint64_t>(old.st_dev) != mark->dev ||
            static_cast<uint64_t>(old.st_ino) != mark->ino) {
          continue;
        }
        ASSIGN_OR_RETURN(std::string head, HeadHash(e.path().string(), mark->offset));
        if (head != mark->head || static_cast<uint64_t>(old.st_size) <= mark->offset) break;
        Mark done = *mark;
        done.offset = static_cast<uint64_t>(old.st_size);
        ASSIGN_OR_RETURN(done.head, HeadHash(e.path().string(), done.offset));
        RETURN_IF_ERROR(Append(e.path().string(), pond_path, mark->offset, done.offset, done));
        break;
      }
    }
    // Up to the last complete line.
    uint64_t size = static_cast<uint64_t>(st.st_size);
    if (size <= from) return Status::OK();
    ASSIGN_OR_RETURN(std::string tail, ReadRange(host, from, size));
    size_t last = tail.rfind('\n');
    if (last == std::string::npos) return Status::OK();
    now.offset = from + last + 1;
    ASSIGN_OR_RETURN(now.head, HeadHash(host, now.offset));
    return Append(host, pond_path, from, now.offset, now);
  }

  int64_t versions() const { return versions_; }
  uint64_t bytes() const { return bytes_; }

 private:
  bool csv() const { return c_.format == "csv"; }

  // Appends bytes [from, to) of `host` as a version of `pond_path`, with `mark`.
  Status Append(const std::string& host, const std::string& pond_path, uint64_t from, uint64_t to,
                const Mark& mark) {
    ASSIGN_OR_RETURN(std::string bytes, ReadRange(host, from, to));
    bytes_ += bytes.size();
    ++versions_;
    if (!csv()) {
      tinyfs::VersionMeta meta;
      meta.attributes = MarkJson(mark);
      std::vector<std::string> parts = tinyfs::SplitPath(pond_path);
      parts.pop_back();
      RETURN_IF_ERROR(ctx_.fs.Mkdir(tinyfs::JoinPath(parts), /*parents=*/true).status());
      ASSIGN_OR_RETURN(auto writer, ctx_.pond.NewContent());
      RETURN_IF_ERROR(writer->Append(bytes));
      ASSIGN_OR_RETURN(tinyfs::ContentRef ref, writer->Finish());
      return ctx_.fs.WriteFile(pond_path, tinyfs::EntryType::kFileData, ref, meta).status();
    }
    // CSV: a later piece is read with the file's header line.
    if (from > 0) {
      ASSIGN_OR_RETURN(std::string start, ReadRange(host, 0, std::min<uint64_t>(from, 65536)));
      size_t eol = start.find('\n');
      if (eol == std::string::npos) return Status::InvalidArgument("'" + host + "' has no header");
      bytes = start.substr(0, eol + 1) + bytes;
    }
    ASSIGN_OR_RETURN(auto csv_file, ctx_.eval.TempFile("logfile-ingest", ".csv"));
    ASSIGN_OR_RETURN(auto parquet, ctx_.eval.TempFile("logfile-ingest", ".parquet"));
    {
      std::ofstream out(csv_file->path(), std::ios::binary);
      out << bytes;
      if (!out.flush()) return Status::IOError("cannot write " + csv_file->path());
    }
    ASSIGN_OR_RETURN(ParquetEngine * engine, ctx_.pond.table().engine().Get());
    // Errors name the host file; their line numbers count from its header
    // line followed by what was appended since the last run.
    const std::string where =
        "'" + EscapeControl(host) + "'" +
        (from > 0 ? " (its header, then what it gained since the last run)" : "");
    auto shape = CheckCsvShape(csv_file->path());
    if (!shape.ok()) return Status(shape.status().code(), where + ": " + shape.status().message());
    Status st = engine->CsvToParquet(csv_file->path(), shape->delimiter, parquet->path());
    if (!st.ok()) return Status(st.code(), where + ": " + st.message());
    std::vector<std::string> times =
        c_.time_column.empty()
            ? std::vector<std::string>{"timestamp", "Timestamp", "event_time", "time"}
            : std::vector<std::string>{c_.time_column};
    return StoreSeriesVersion(ctx_.fs, ctx_.pond, pond_path, parquet->path(), times,
                              MarkJson(mark));
  }

  RunContext& ctx_;
  const Config& c_;
  int64_t versions_ = 0;
  uint64_t bytes_ = 0;
};

class LogfileIngest final : public Factory {
 public:
  std::string_view name() const override { return "logfile-ingest"; }
  std::string_view description() const override {
    return "appends what host log files gained (lines or CSV): pond run NODE ingest";
  }
  Makes makes() const override { return Makes::kExecutable; }

  Result<std::shared_ptr<const ParsedConfig>> Parse(const YAML::Node& node) const override {
    Fields f(node, "logfile-ingest config");
    auto c = std::make_shared<Config>();
    ASSIGN_OR_RETURN(c->pattern, f.String("pattern"));
    if (c->pattern.empty() || c->pattern[0] != '/') {
      return f.Error("'pattern' must be an absolute host path or glob");
    }
    ASSIGN_OR_RETURN(c->target, f.String("target"));
    if (c->target.empty() || c->target[0] != '/') {
      return f.Error("'target' must be an absolute pond folder");
    }
    if (f.Has("format")) {
      ASSIGN_OR_RETURN(c->format, f.String("format"));
    }
    if (c->format != "lines" && c->format != "csv") {
      return f.Error("'format' must be lines or csv, not '" + EscapeControl(c->format) + "'");
    }
    if (f.Has("time_column")) {
      ASSIGN_OR_RETURN(c->time_column, f.String("time_column"));
    }
    RETURN_IF_ERROR(f.Done());
    return std::shared_ptr<const ParsedConfig>(c);
  }

  Status Run(RunContext& ctx, const ParsedConfig& parsed,
             const std::vector<std::string>& args) const override {
    const Config& c = dynamic_cast<const Config&>(parsed);
    if (args != std::vector<std::string>{"ingest"}) {
      return Status::InvalidArgument("logfile-ingest runs as: ingest");
    }
    glob_t g{};
    int rc = ::glob(c.pattern.c_str(), GLOB_NOSORT, nullptr, &g);
    std::vector<std::string> files;
    for (size_t i = 0; rc == 0 && i < g.gl_pathc; ++i) files.emplace_back(g.gl_pathv[i]);
    ::globfree(&g);
    std::sort(files.begin(), files.end());
    auto started = std::chrono::steady_clock::now();
    Ingester ingester(ctx, c);
    for (const std::string& f : files) RETURN_IF_ERROR(ingester.File(f));
    char elapsed[32];
    std::snprintf(
        elapsed, sizeof elapsed, "%.2f",
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
    ctx.out << "ingested " << ingester.bytes() << " bytes in " << ingester.versions() << " version"
            << (ingester.versions() == 1 ? "" : "s") << " from " << files.size() << " file"
            << (files.size() == 1 ? "" : "s") << " in " << elapsed << " s\n";
    return Status::OK();
  }
};

POND_REGISTER_FACTORY(LogfileIngest);

}  // namespace
}  // namespace pond::factory
