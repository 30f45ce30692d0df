// pond list [PATTERN] [-l] [--format json]: glob listing, recursive by default.
#include <CLI/CLI.hpp>
#include <cstdio>

#include "cmd/commands.h"
#include "cmd/common.h"

namespace pond {
namespace {

struct ListOptions {
  std::string pattern = "/**/*";
  bool long_format = false;
  std::string format = "text";
};

Status RunList(Context& ctx, const ListOptions& opts) {
  ASSIGN_OR_RETURN(auto pond, OpenPond(ctx));
  tinyfs::FS fs(*pond);
  std::string pattern = opts.pattern;
  if (pattern.size() > 1 && pattern.back() == '/') {  // "/dir/": its contents
    // Like ls(1), a literal directory that is missing or not a directory is an error.
    std::string dir = pattern.substr(0, pattern.size() - 1);
    ASSIGN_OR_RETURN(tinyfs::GlobPattern dir_glob, tinyfs::GlobPattern::Compile(dir));
    if (dir_glob.is_literal()) {
      ASSIGN_OR_RETURN(std::optional<tinyfs::Node> node, fs.TryResolve(dir));
      if (!node) return Status::NotFound("'" + dir + "' does not exist");
      if (node->type != tinyfs::EntryType::kDirectory) {
        return Status::InvalidArgument("'" + dir + "' is not a directory");
      }
    }
    pattern += "*";
  }
  ASSIGN_OR_RETURN(auto matches, fs.Glob(pattern));
  ASSIGN_OR_RETURN(tinyfs::GlobPattern compiled, tinyfs::GlobPattern::Compile(pattern));
  if (matches.empty() && compiled.is_literal()) {
    return Status::NotFound("'" + opts.pattern + "' does not exist");
  }
  std::ostream& out = *ctx.out;
  for (const auto& m : matches) {
    const bool json = opts.format == "json";
    const bool is_dir = m.node.type == tinyfs::EntryType::kDirectory;
    if (!opts.long_format && !json) {
      out << m.path << (is_dir && m.path != "/" ? "/" : "") << "\n";
      continue;
    }
    ASSIGN_OR_RETURN(auto versions, fs.Versions(m.node));
    const tinyfs::NodeVersion& latest = versions.back();
    if (json) {
      out << "{\"path\":" << JsonString(m.path) << ",\"type\":\""
          << tinyfs::EntryTypeName(m.node.type) << "\",\"node_id\":\"" << m.node.id
          << "\",\"version\":" << latest.version << ",\"size\":" << (is_dir ? 0 : latest.size)
          << ",\"modified\":\"" << ShortTime(latest.timestamp) << "\"}\n";
      continue;
    }
    char line[128];
    std::snprintf(line, sizeof(line), "%-12s %10s  v%-4lld %s  ",
                  tinyfs::EntryTypeName(m.node.type), is_dir ? "-" : HumanSize(latest.size).c_str(),
                  static_cast<long long>(latest.version), ShortTime(latest.timestamp).c_str());
    out << line << m.path << (is_dir && m.path != "/" ? "/" : "") << "\n";
  }
  return Status::OK();
}

}  // namespace

void AddListCommand(CLI::App& app, Context& ctx) {
  auto opts = std::make_shared<ListOptions>();
  CLI::App* cmd = app.add_subcommand("list", "List entries matching a glob (default: everything)");
  cmd->alias("ls");
  cmd->add_option("pattern", opts->pattern, "glob: * ? [..] ** (\"/dir/\" lists a directory)");
  cmd->add_flag("-l,--long", opts->long_format, "show entry type, size, version and time");
  cmd->add_option("--format", opts->format, "text or json (one object per line)")
      ->check(CLI::IsMember({"text", "json"}));
  cmd->callback([&ctx, opts] {
    ctx.ran = true;
    ctx.status = RunList(ctx, *opts);
  });
}

}  // namespace pond
