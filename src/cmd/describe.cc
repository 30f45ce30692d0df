// pond describe PATTERN: per entry, its type, versions, sizes, hashes,
// schema and time bounds where known.
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "cmd/commands.h"
#include "cmd/common.h"
#include "util/time.h"

namespace pond {
namespace {

Status RunDescribe(Context& ctx, const std::string& pattern) {
  ASSIGN_OR_RETURN(auto pond, OpenPond(ctx));
  tinyfs::FS fs(*pond);
  ASSIGN_OR_RETURN(auto matches, fs.Glob(pattern));
  if (matches.empty()) return Status::NotFound("nothing matches '" + pattern + "'");
  std::ostream& out = *ctx.out;
  for (const auto& m : matches) {
    ASSIGN_OR_RETURN(auto versions, fs.Versions(m.node));
    const auto& first = versions.front();
    out << m.path << "\n";
    out << "  type:      " << tinyfs::EntryTypeName(m.node.type) << "\n";
    out << "  node:      " << m.node.id << " (partition " << first.part_id << ")\n";
    if (m.node.type == tinyfs::EntryType::kDirectory) {
      ASSIGN_OR_RETURN(auto entries, fs.ReadDirectory(m.node));
      out << "  entries:   " << entries.size() << "\n";
    }
    if (m.node.type == tinyfs::EntryType::kSymlink) {
      ASSIGN_OR_RETURN(std::string target, fs.ReadLink(m.node));
      out << "  target:    " << target << "\n";
    }
    out << "  versions:  " << versions.size() << "\n";
    for (const auto& v : versions) {
      out << "    v" << v.version << "  " << ShortTime(v.timestamp) << "  txn " << v.txn_seq;
      if (tinyfs::IsFile(v.type) || v.type == tinyfs::EntryType::kSymlink) {
        out << "  " << HumanSize(v.size) << "  sha256 " << v.sha256.substr(0, 16)
            << (v.is_blob ? "  (blob)" : "");
      }
      if (v.meta.min_event_time || v.meta.max_event_time) {
        out << "  events "
            << (v.meta.min_event_time ? FormatMicrosUtc(*v.meta.min_event_time) : "?") << " .. "
            << (v.meta.max_event_time ? FormatMicrosUtc(*v.meta.max_event_time) : "?");
      }
      out << "\n";
    }
    auto attrs = nlohmann::json::parse(versions.back().meta.attributes, nullptr, false);
    if (attrs.is_object() && attrs.contains("columns")) {
      out << "  schema:   ";
      for (const auto& c : attrs["columns"]) {
        out << " " << c[0].get<std::string>() << " " << c[1].get<std::string>() << ";";
      }
      out << "\n";
      int64_t rows = 0;
      for (const auto& v : versions) {
        auto a = nlohmann::json::parse(v.meta.attributes, nullptr, false);
        if (a.is_object() && a.contains("num_rows")) {
          rows = m.node.type == tinyfs::EntryType::kFileSeries ? rows + a["num_rows"].get<int64_t>()
                                                               : a["num_rows"].get<int64_t>();
        }
      }
      out << "  rows:      " << rows
          << (m.node.type == tinyfs::EntryType::kFileSeries ? " (all versions)" : "") << "\n";
      if (attrs.contains("time_column")) {
        out << "  time column: " << attrs["time_column"].get<std::string>() << "\n";
      }
    }
  }
  return Status::OK();
}

}  // namespace

void AddDescribeCommand(CLI::App& app, Context& ctx) {
  auto pattern = std::make_shared<std::string>();
  CLI::App* cmd = app.add_subcommand("describe", "Describe entries: type, versions, sizes, schema");
  cmd->add_option("pattern", *pattern, "a path or glob")->required();
  cmd->callback([&ctx, pattern] {
    ctx.ran = true;
    ctx.status = RunDescribe(ctx, *pattern);
  });
}

}  // namespace pond
