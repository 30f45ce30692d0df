// pond export -p PATTERN... --dir DIR [--temporal year,month,...]
//             [--start-time T] [--end-time T]
//
// Writes tables and series (stored or computed) as Parquet under DIR,
// Hive-partitioned by the named time parts (year=2025/month=1/), with rows
// between the inclusive time bounds. A pattern with captures writes each
// match to DIR/<capture1>/<capture2>/...; one without to
// DIR/<parent path>/<file stem>. DIR/manifest.json lists every file written:
// its path, rows, time bounds and SHA-256.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

#include "cmd/commands.h"
#include "cmd/common.h"
#include "factory/evaluator.h"
#include "parquet/engine.h"
#include "tinyfs/path.h"
#include "util/hash.h"
#include "util/id.h"
#include "util/progress.h"
#include "util/text.h"
#include "util/time.h"

namespace pond {
namespace {

namespace hostfs = std::filesystem;

struct ExportOptions {
  std::vector<std::string> patterns;
  std::string dir;
  std::string temporal;
  std::string start_time;
  std::string end_time;
};

const std::vector<std::string>& TimeParts() {
  static const std::vector<std::string> parts = {"year", "month",  "day",
                                                 "hour", "minute", "second"};
  return parts;
}

// Where a match goes under the export folder (relative).
std::string OutputDir(const factory::PatternMatch& m) {
  std::string rel;
  if (!m.captures.empty()) {
    for (const std::string& c : m.captures) {
      for (const std::string& part : tinyfs::SplitPath(c)) rel += (rel.empty() ? "" : "/") + part;
    }
    if (!rel.empty()) return rel;
  }
  std::vector<std::string> parts = tinyfs::SplitPath(m.path);
  std::string stem = parts.back();
  if (size_t dot = stem.rfind('.'); dot != std::string::npos && dot > 0) stem.resize(dot);
  parts.back() = stem;
  return tinyfs::JoinPath(parts).substr(1);
}

Status RunExport(Context& ctx, const ExportOptions& opts) {
  std::vector<std::string> parts;
  if (!opts.temporal.empty()) {
    std::vector<std::string> asked;
    size_t start = 0;
    while (start <= opts.temporal.size()) {
      size_t comma = opts.temporal.find(',', start);
      std::string p =
          opts.temporal.substr(start, comma == std::string::npos ? comma : comma - start);
      if (std::find(TimeParts().begin(), TimeParts().end(), p) == TimeParts().end()) {
        return UsageError(ctx, "--temporal takes year, month, day, hour, minute and second, not '" +
                                   EscapeControl(p) + "'");
      }
      asked.push_back(p);
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
    for (const std::string& p : TimeParts()) {  // chronological order
      if (std::find(asked.begin(), asked.end(), p) != asked.end()) parts.push_back(p);
    }
  }
  std::optional<int64_t> start, end;
  if (!opts.start_time.empty()) {
    ASSIGN_OR_RETURN(start, ParseMicrosUtc(opts.start_time));
  }
  if (!opts.end_time.empty()) {
    ASSIGN_OR_RETURN(end, ParseMicrosUtc(opts.end_time));
  }
  if (start && end && *start > *end) {
    return UsageError(ctx,
                      "--start-time " + opts.start_time + " is after --end-time " + opts.end_time);
  }
  ASSIGN_OR_RETURN(auto pond, OpenPond(ctx));
  tinyfs::FS fs(*pond);
  auto factories = AttachFactories(fs, *pond);
  auto* eval = dynamic_cast<factory::Evaluator*>(fs.dynamic_nodes());

  std::error_code ec;
  hostfs::create_directories(opts.dir, ec);
  if (ec) return Status::IOError("cannot create " + EscapeControl(opts.dir) + ": " + ec.message());
  std::string root = hostfs::canonical(opts.dir, ec).string();
  // Everything is written into a fresh folder beside DIR's contents first.
  std::string staging = root + "/.pond-export-" + NewUuidV7();
  hostfs::create_directories(staging, ec);
  if (ec) return Status::IOError("cannot write in " + EscapeControl(root) + ": " + ec.message());
  struct Cleanup {
    std::string dir;
    ~Cleanup() {
      std::error_code ec;
      hostfs::remove_all(dir, ec);
    }
  } cleanup{staging};

  std::map<std::string, std::string> outputs;  // relative dir -> pond path
  nlohmann::json files = nlohmann::json::array();
  ASSIGN_OR_RETURN(auto engine, OpenParquetEngine());
  Progress progress("export", ProgressWanted(ctx.global.quiet));
  for (const std::string& pattern : opts.patterns) {
    ASSIGN_OR_RETURN(auto matches,
                     factory::MatchPattern(fs, fs.Absolute(pattern), [](tinyfs::EntryType t) {
                       return tinyfs::IsTabular(t);
                     }));
    if (matches.empty()) {
      return Status::NotFound("no table or series matches '" + EscapeControl(pattern) + "'");
    }
    for (const factory::PatternMatch& m : matches) {
      std::string rel = OutputDir(m);
      auto [it, fresh] = outputs.emplace(rel, m.path);
      if (!fresh) {
        return Status::InvalidArgument("'" + EscapeControl(it->second) + "' and '" +
                                       EscapeControl(m.path) + "' would both be exported to " +
                                       EscapeControl(rel));
      }
      sql::PondTableOptions table_opts;
      table_opts.time_start = start;
      if (end) table_opts.time_end = *end + 1;  // inclusive
      ASSIGN_OR_RETURN(sql::TableSource source,
                       sql::ResolvePondTable(fs, *pond, m.path, table_opts, eval->scratch()));
      if ((start || end || !parts.empty()) && !source.time_column) {
        return Status::InvalidArgument(
            "'" + EscapeControl(m.path) +
            "' has no time column, so it cannot be split or filtered by time");
      }
      if (source.files.empty()) continue;  // no version meets the time range
      ASSIGN_OR_RETURN(auto session, sql::OpenInternalSqlSession());
      RETURN_IF_ERROR(session->AddTable("src", source));
      RETURN_IF_ERROR(session->LockDown());
      std::string dest = staging + "/" + rel;
      hostfs::create_directories(
          parts.empty() ? hostfs::path(dest).parent_path() : hostfs::path(dest), ec);
      std::string sql = "SELECT *";
      if (source.time_column) {
        ASSIGN_OR_RETURN(auto columns, factory::DescribeTable(*session, "src"));
        for (const std::string& p : parts) {
          for (const auto& c : columns) {
            if (c.first == p) {
              return Status::InvalidArgument("'" + EscapeControl(m.path) + "' has a column named " +
                                             p + ", which --temporal would add");
            }
          }
          sql += ", date_part(" + SqlString(p) + ", " + SqlIdentifier(*source.time_column) +
                 ")::BIGINT AS " + SqlIdentifier(p);
        }
      }
      sql += " FROM \"src\"";
      if (source.time_column) sql += " ORDER BY " + SqlIdentifier(*source.time_column);
      if (parts.empty()) {
        RETURN_IF_ERROR(session->QueryToParquet(sql, dest + ".parquet"));
      } else {
        RETURN_IF_ERROR(session->QueryToPartitionedParquet(sql, dest, parts));
      }
      // The manifest: every file written for this match.
      std::vector<std::string> written;
      if (parts.empty()) {
        written.push_back(dest + ".parquet");
      } else {
        for (const auto& e : hostfs::recursive_directory_iterator(dest, ec)) {
          if (e.is_regular_file() && e.path().extension() == ".parquet") {
            written.push_back(e.path().string());
          }
        }
        std::sort(written.begin(), written.end());
      }
      for (const std::string& file : written) {
        std::vector<std::string> tc;
        if (source.time_column) tc.push_back(*source.time_column);
        ASSIGN_OR_RETURN(ParquetInfo info, engine->InspectParquet(file, tc));
        ASSIGN_OR_RETURN(std::string sha, Sha256OfFile(file));
        nlohmann::json item = {{"path", file.substr(staging.size() + 1)},
                               {"pond_path", m.path},
                               {"rows", info.num_rows},
                               {"size", hostfs::file_size(file, ec)},
                               {"sha256", sha}};
        if (info.min_time) item["min_time"] = FormatMicrosUtc(*info.min_time);
        if (info.max_time) item["max_time"] = FormatMicrosUtc(*info.max_time);
        progress.Add(item["size"].get<uint64_t>(), 1);
        files.push_back(std::move(item));
      }
    }
  }
  nlohmann::json manifest = {{"version", 1}, {"temporal", parts}, {"files", files}};
  {
    std::ofstream out(staging + "/manifest.json", std::ios::binary | std::ios::trunc);
    out << manifest.dump(2) << "\n";
    if (!out.flush()) return Status::IOError("cannot write the manifest in " + EscapeControl(root));
  }
  // Replace what an earlier export wrote at the same places, then publish.
  for (const auto& [rel, path] : outputs) {
    hostfs::remove_all(root + "/" + rel, ec);
    hostfs::remove(root + "/" + rel + ".parquet", ec);
  }
  for (const auto& e : hostfs::directory_iterator(staging, ec)) {
    std::string target = root + "/" + e.path().filename().string();
    if (e.is_directory()) {
      // Merge folders: move each child over.
      for (const auto& sub : hostfs::recursive_directory_iterator(e.path(), ec)) {
        if (!sub.is_regular_file()) continue;
        hostfs::path to = hostfs::path(root) / hostfs::relative(sub.path(), staging);
        hostfs::create_directories(to.parent_path(), ec);
        hostfs::rename(sub.path(), to, ec);
        if (ec) return Status::IOError("cannot write " + to.string() + ": " + ec.message());
      }
    } else {
      hostfs::rename(e.path(), target, ec);
      if (ec) return Status::IOError("cannot write " + target + ": " + ec.message());
    }
  }
  *ctx.out << "exported " << files.size() << " file" << (files.size() == 1 ? "" : "s") << " to "
           << EscapeControl(root) << "\n";
  return Status::OK();
}

}  // namespace

void AddExportCommand(CLI::App& app, Context& ctx) {
  auto opts = std::make_shared<ExportOptions>();
  CLI::App* cmd = app.add_subcommand(
      "export", "Write tables and series as Parquet files, split by time, with a manifest");
  cmd->add_option("-p,--pattern", opts->patterns, "pond glob of tables and series")->required();
  cmd->add_option("--dir", opts->dir, "the host folder to write into")->required();
  cmd->add_option("--temporal", opts->temporal,
                  "time parts to partition by: year,month,day,hour,minute,second");
  cmd->add_option("--start-time", opts->start_time, "only rows at or after this time (RFC 3339)")
      ->check(TimeValidator());
  cmd->add_option("--end-time", opts->end_time, "only rows at or before this time")
      ->check(TimeValidator());
  cmd->callback([&ctx, opts] {
    ctx.ran = true;
    ctx.status = RunExport(ctx, *opts);
  });
}

}  // namespace pond
