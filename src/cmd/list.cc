// pond list [PATTERN] [-l] [--format json|jsonl]: glob listing, recursive by default.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "cmd/commands.h"
#include "cmd/common.h"
#include "util/text.h"

namespace pond {
namespace {

struct ListOptions {
  std::string pattern = "/**/*";
  bool long_format = false;
  std::string format = "text";
};

Status RunList(Context& ctx, const ListOptions& opts) {
  if (opts.pattern.empty()) return UsageError(ctx, "the pattern cannot be empty");
  ASSIGN_OR_RETURN(auto pond, OpenPond(ctx));
  tinyfs::FS fs(*pond);
  auto factories = AttachFactories(fs, *pond);
  std::string pattern = opts.pattern;
  if (pattern.back() == '/') {  // "/dir/" (and "/"): its contents
    // Like ls(1), a literal directory that is missing or not a directory is an error.
    std::string dir = pattern.size() > 1 ? pattern.substr(0, pattern.size() - 1) : "/";
    ASSIGN_OR_RETURN(tinyfs::GlobPattern dir_glob, tinyfs::GlobPattern::Compile(dir));
    if (dir_glob.is_literal()) {
      ASSIGN_OR_RETURN(std::optional<tinyfs::Node> node, fs.TryResolve(dir));
      if (!node) return Status::NotFound("'" + EscapeControl(dir) + "' does not exist");
      if (!tinyfs::IsDirectory(node->type)) {
        return Status::InvalidArgument("'" + EscapeControl(dir) + "' is not a directory");
      }
    }
    pattern += "*";
  }
  ASSIGN_OR_RETURN(auto matches, fs.Glob(pattern));
  ASSIGN_OR_RETURN(tinyfs::GlobPattern compiled, tinyfs::GlobPattern::Compile(pattern));
  if (matches.empty() && compiled.is_literal()) {
    return Status::NotFound("'" + EscapeControl(opts.pattern) + "' does not exist");
  }
  std::ostream& out = *ctx.out;
  const bool json = opts.format == "json" || opts.format == "jsonl";
  JsonLister lister(out, opts.format == "jsonl");
  for (const auto& m : matches) {
    const bool is_dir = tinyfs::IsDirectory(m.node.type);
    const std::string shown = EscapeControl(m.path) + (is_dir && m.path != "/" ? "/" : "");
    if (!opts.long_format && !json) {
      out << shown << "\n";
      continue;
    }
    ASSIGN_OR_RETURN(auto versions, fs.Versions(m.node));
    const tinyfs::NodeVersion& latest = versions.back();
    if (json) {
      lister.Add({{"path", m.path},
                  {"type", tinyfs::EntryTypeName(m.node.type)},
                  {"node_id", m.node.id},
                  {"version", latest.version},
                  {"size", is_dir ? 0 : latest.size},
                  {"modified", ShortTime(latest.timestamp)}});
      continue;
    }
    char line[128];
    std::snprintf(line, sizeof(line), "%-12s %10s  v%-4lld %s  ",
                  tinyfs::EntryTypeName(m.node.type), is_dir ? "-" : HumanSize(latest.size).c_str(),
                  static_cast<long long>(latest.version), ShortTime(latest.timestamp).c_str());
    out << line << shown << "\n";
  }
  if (json) return lister.Finish();
  return Status::OK();
}

}  // namespace

void AddListCommand(CLI::App& app, Context& ctx) {
  auto opts = std::make_shared<ListOptions>();
  CLI::App* cmd = app.add_subcommand("list", "List entries matching a glob (default: everything)");
  cmd->alias("ls");
  cmd->add_option("pattern", opts->pattern, "glob: * ? [..] ** (\"/dir/\" lists a directory)");
  cmd->add_flag("-l,--long", opts->long_format, "show entry type, size, version and time");
  cmd->add_option("--format", opts->format, "text, json (one array) or jsonl (an object per line)")
      ->check(CLI::IsMember({"text", "json", "jsonl"}));
  cmd->callback([&ctx, opts] {
    ctx.ran = true;
    ctx.status = RunList(ctx, *opts);
  });
}

}  // namespace pond
