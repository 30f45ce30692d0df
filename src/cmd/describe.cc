// pond describe PATTERN [--format json|jsonl]: per entry, its type, versions,
// sizes, hashes, schema and time bounds where known.
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "cmd/commands.h"
#include "cmd/common.h"
#include "sql/pond_tables.h"
#include "util/text.h"
#include "util/time.h"

namespace pond {
namespace {

struct DescribeOptions {
  std::string pattern;
  std::string format = "text";
};

// Rows over the versions a reader sees: the latest for a table, all for a series.
int64_t RowCount(const std::vector<tinyfs::NodeVersion>& versions, bool series) {
  int64_t rows = 0;
  for (const auto& v : versions) {
    auto a = nlohmann::json::parse(v.meta.attributes, nullptr, false);
    if (a.is_object() && a.contains("num_rows") && a["num_rows"].is_number_integer()) {
      rows = series ? rows + a["num_rows"].get<int64_t>() : a["num_rows"].get<int64_t>();
    }
  }
  return rows;
}

std::optional<std::string> TimeColumn(const tinyfs::NodeVersion& v) {
  auto a = nlohmann::json::parse(v.meta.attributes, nullptr, false);
  if (a.is_object() && a.contains("time_column") && a["time_column"].is_string()) {
    return a["time_column"].get<std::string>();
  }
  return std::nullopt;
}

Status RunDescribe(Context& ctx, const DescribeOptions& opts) {
  ASSIGN_OR_RETURN(auto pond, OpenPond(ctx));
  tinyfs::FS fs(*pond);
  auto factories = AttachFactories(fs, *pond);
  ASSIGN_OR_RETURN(auto matches, fs.Glob(opts.pattern));
  if (matches.empty()) {
    return Status::NotFound("nothing matches '" + EscapeControl(opts.pattern) + "'");
  }
  std::ostream& out = *ctx.out;
  const bool json = opts.format != "text";
  JsonLister lister(out, opts.format == "jsonl");
  for (const auto& m : matches) {
    ASSIGN_OR_RETURN(auto versions, fs.Versions(m.node));
    const auto& first = versions.front();
    const bool series = tinyfs::IsSeries(m.node.type);
    const bool tabular = tinyfs::IsTabular(m.node.type);
    // A series is read as the union of its versions; a table as its latest.
    std::vector<sql::SchemaColumn> schema =
        series ? sql::MergedColumns(versions) : sql::VersionColumns(versions.back());
    int64_t rows = RowCount(versions, series);
    std::optional<std::string> time_column = TimeColumn(versions.back());
    std::optional<std::string> factory;
    std::optional<std::string> config;
    std::optional<tinyfs::DynamicContent> computed;
    if (tinyfs::IsDynamic(m.node.type)) {
      factory = versions.back().meta.factory;
      // The config as stored (unexpanded); a node inside a dynamic directory has none.
      if (auto stream = pond->OpenContent(m.node.id, versions.back().version); stream.ok()) {
        if (auto text = tinyfs::ReadAll(**stream); text.ok()) config = *text;
      }
    }
    std::optional<std::string> compute_error;
    if (tabular && tinyfs::IsDynamic(m.node.type)) {
      // What is stored is described even when the rows cannot be computed now.
      auto content = fs.ComputeDynamic(m.node);
      if (content.ok()) {
        computed = std::move(*content);
      } else {
        compute_error = content.status().message();
      }
    }
    if (computed) {
      tinyfs::NodeVersion as_version;
      as_version.meta = computed->meta;
      schema = sql::VersionColumns(as_version);
      time_column = TimeColumn(as_version);
      auto a = nlohmann::json::parse(computed->meta.attributes, nullptr, false);
      rows = a.is_object() && a["rows"].is_number_integer() ? a["rows"].get<int64_t>() : 0;
    }
    std::optional<size_t> entries;
    std::optional<std::string> target;
    if (tinyfs::IsDirectory(m.node.type)) {
      ASSIGN_OR_RETURN(auto list, fs.ReadDirectory(m.node));
      entries = list.size();
    }
    if (m.node.type == tinyfs::EntryType::kSymlink) {
      ASSIGN_OR_RETURN(target, fs.ReadLink(m.node));
    }
    if (json) {
      nlohmann::json item = {{"path", m.path},
                             {"type", tinyfs::EntryTypeName(m.node.type)},
                             {"node_id", m.node.id},
                             {"partition", first.part_id}};
      if (entries) item["entries"] = *entries;
      if (target) item["target"] = *target;
      if (factory) item["factory"] = *factory;
      if (compute_error) item["error"] = *compute_error;
      if (config) item["config"] = *config;
      if (computed) {
        item["computed"] = {{"size", computed->size}};
        if (computed->meta.min_event_time) {
          item["computed"]["min_event_time"] = FormatMicrosUtc(*computed->meta.min_event_time);
        }
        if (computed->meta.max_event_time) {
          item["computed"]["max_event_time"] = FormatMicrosUtc(*computed->meta.max_event_time);
        }
      }
      nlohmann::json vs = nlohmann::json::array();
      for (const auto& v : versions) {
        nlohmann::json jv = {
            {"version", v.version}, {"time", FormatMicrosUtc(v.timestamp)}, {"txn", v.txn_seq}};
        if (tinyfs::IsFile(v.type) || v.type == tinyfs::EntryType::kSymlink) {
          jv["size"] = v.size;
          jv["sha256"] = v.sha256;
          jv["blob"] = v.is_blob;
        }
        if (v.meta.min_event_time) jv["min_event_time"] = FormatMicrosUtc(*v.meta.min_event_time);
        if (v.meta.max_event_time) jv["max_event_time"] = FormatMicrosUtc(*v.meta.max_event_time);
        vs.push_back(std::move(jv));
      }
      item["versions"] = std::move(vs);
      if (tabular) {
        nlohmann::json cols = nlohmann::json::array();
        for (const auto& [name, type] : schema) cols.push_back({{"name", name}, {"type", type}});
        item["schema"] = std::move(cols);
        item["rows"] = rows;
        if (time_column) item["time_column"] = *time_column;
      }
      lister.Add(item);
      continue;
    }
    out << EscapeControl(m.path) << "\n";
    out << "  type:      " << tinyfs::EntryTypeName(m.node.type) << "\n";
    out << "  node:      " << m.node.id << " (partition " << first.part_id << ")\n";
    if (entries) out << "  entries:   " << *entries << "\n";
    if (target) out << "  target:    " << EscapeControl(*target) << "\n";
    if (factory) out << "  factory:   " << EscapeControl(*factory) << "\n";
    if (compute_error) out << "  error:     " << EscapeControl(*compute_error) << "\n";
    if (config) {
      out << "  config:\n";
      std::string line;
      for (char c : *config + (config->empty() || config->back() == '\n' ? "" : "\n")) {
        if (c != '\n') {
          line += c;
          continue;
        }
        out << "    " << EscapeControl(line) << "\n";
        line.clear();
      }
    }
    if (computed && (computed->meta.min_event_time || computed->meta.max_event_time)) {
      out << "  events:    "
          << (computed->meta.min_event_time ? FormatMicrosUtc(*computed->meta.min_event_time) : "?")
          << " .. "
          << (computed->meta.max_event_time ? FormatMicrosUtc(*computed->meta.max_event_time) : "?")
          << "\n";
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
    if (tabular) {
      out << "  schema:   ";
      for (const auto& [name, type] : schema)
        out << " " << EscapeControl(name) << " " << type << ";";
      out << (series && versions.size() > 1 && !computed ? "  (all versions)" : "") << "\n";
      out << "  rows:      " << rows
          << (series && !computed ? " (all versions)"
              : computed          ? " (computed)"
                                  : "")
          << "\n";
      if (time_column) out << "  time column: " << EscapeControl(*time_column) << "\n";
    }
  }
  return json ? lister.Finish() : Status::OK();
}

}  // namespace

void AddDescribeCommand(CLI::App& app, Context& ctx) {
  auto opts = std::make_shared<DescribeOptions>();
  CLI::App* cmd = app.add_subcommand("describe", "Describe entries: type, versions, sizes, schema");
  cmd->add_option("pattern", opts->pattern, "a path or glob")->required();
  cmd->add_option("--format", opts->format, "text, json (one array) or jsonl (an object per line)")
      ->check(CLI::IsMember({"text", "json", "jsonl"}));
  cmd->callback([&ctx, opts] {
    ctx.ran = true;
    ctx.status = RunDescribe(ctx, *opts);
  });
}

}  // namespace pond
