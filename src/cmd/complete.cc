// Shell completion: `pond completion bash` prints the bash script, which
// asks `pond __complete CWORD WORDS...` for the candidates of the word being
// typed: command names, the options of the command (or the global ones), and
// pond paths (an entry of the pond directory the word names so far; folders
// end in '/').
#include <CLI/CLI.hpp>
#include <algorithm>

#include "cmd/commands.h"
#include "cmd/common.h"
#include "tinyfs/path.h"

namespace pond {
namespace {

constexpr const char* kBashScript =
    R"bash(# bash completion for pond: commands, options and pond paths.
_pond() {
  local IFS=$'\n'
  COMPREPLY=($(pond __complete "$COMP_CWORD" "${COMP_WORDS[@]}" 2>/dev/null))
  if [[ ${#COMPREPLY[@]} -eq 1 && ${COMPREPLY[0]} == */ ]]; then
    compopt -o nospace 2>/dev/null
  fi
}
complete -o default -o bashdefault -F _pond pond
)bash";

// The options of `app` (long names, and short ones when `cur` is "-x").
std::vector<std::string> OptionNames(const CLI::App& app) {
  std::vector<std::string> out;
  for (const CLI::Option* o : app.get_options()) {
    for (const std::string& name : o->get_lnames()) out.push_back("--" + name);
    for (const std::string& name : o->get_snames()) out.push_back("-" + name);
  }
  return out;
}

// Entries of the pond directory that `cur` names so far.
std::vector<std::string> PondPaths(Context& ctx, const std::string& cur) {
  std::vector<std::string> out;
  auto pond = OpenPond(ctx);
  if (!pond.ok()) return out;
  tinyfs::FS fs(**pond);
  auto factories = AttachFactories(fs, **pond);
  size_t slash = cur.rfind('/');
  std::string dir = slash == std::string::npos ? "" : cur.substr(0, slash + 1);
  std::string stem = slash == std::string::npos ? cur : cur.substr(slash + 1);
  auto node = fs.TryResolve(dir.empty() ? "." : dir);
  if (!node.ok() || !*node || !tinyfs::IsDirectory((*node)->type)) return out;
  auto entries = fs.ReadDirectory(**node);
  if (!entries.ok()) return out;
  for (const tinyfs::DirEntry& e : *entries) {
    if (!e.name.starts_with(stem)) continue;
    out.push_back(dir + e.name + (tinyfs::IsDirectory(e.type) ? "/" : ""));
  }
  return out;
}

std::vector<std::string> Candidates(Context& ctx, const CLI::App& app,
                                    const std::vector<std::string>& words, size_t cword) {
  const std::string cur = cword < words.size() ? words[cword] : "";
  // The command: the first word after "pond" that is not an option or the
  // value of one (--pond DIR, --as-of N).
  const CLI::App* command = nullptr;
  for (size_t i = 1; i < cword && i < words.size(); ++i) {
    const std::string& w = words[i];
    if (w == "--pond" || w == "--as-of") {
      if (w == "--pond" && i + 1 < words.size()) ctx.global.pond_dir = words[i + 1];
      ++i;
      continue;
    }
    if (w.starts_with("-")) continue;
    for (const CLI::App* sub : app.get_subcommands({})) {
      if (sub->get_name() == w && !sub->get_group().empty()) command = sub;
    }
    if (command) break;
  }
  std::vector<std::string> all;
  if (cur.starts_with("-")) {
    all = OptionNames(app);
    if (command) {
      auto own = OptionNames(*command);
      all.insert(all.end(), own.begin(), own.end());
    }
  } else if (!command) {
    for (const CLI::App* sub : app.get_subcommands({})) {
      if (!sub->get_group().empty()) all.push_back(sub->get_name());  // hidden ones have none
    }
  } else if (cur.find("://") == std::string::npos && !cur.starts_with("host")) {
    return PondPaths(ctx, cur);  // filtered already
  }
  std::vector<std::string> out;
  for (const std::string& c : all) {
    if (c.starts_with(cur)) out.push_back(c);
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

}  // namespace

void AddCompleteCommands(CLI::App& app, Context& ctx) {
  CLI::App* script = app.add_subcommand("completion", "Print the shell completion script");
  auto shell = std::make_shared<std::string>();
  script->add_option("shell", *shell, "the shell (bash)")
      ->required()
      ->check(CLI::IsMember({"bash"}));
  script->callback([&ctx, shell] {  // (holds the option's storage)
    ctx.ran = true;
    *ctx.out << kBashScript;
    ctx.status = Status::OK();
  });

  CLI::App* complete = app.add_subcommand("__complete", "");
  complete->group("");  // hidden: the completion script's own
  complete->prefix_command();
  complete->fallthrough(false);
  complete->callback([&ctx, &app, complete] {
    ctx.ran = true;
    std::vector<std::string> args = complete->remaining();
    ctx.status = Status::OK();
    if (args.empty()) return;
    size_t cword = 0;
    try {
      cword = static_cast<size_t>(std::stoul(args.front()));
    } catch (const std::exception&) {
      return;
    }
    std::vector<std::string> words(args.begin() + 1, args.end());
    for (const std::string& c : Candidates(ctx, app, words, cword)) *ctx.out << c << '\n';
  });
}

}  // namespace pond
