// pond log [--limit N] [--format json|jsonl]: the transactions, newest first.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "cmd/commands.h"
#include "cmd/common.h"
#include "util/text.h"

namespace pond {

void AddLogCommand(CLI::App& app, Context& ctx) {
  auto limit = std::make_shared<int64_t>(20);
  auto format = std::make_shared<std::string>("text");
  CLI::App* cmd = app.add_subcommand("log", "Show transactions, newest first");
  cmd->add_option("--limit", *limit, "how many (default 20)")->check(WholeNumberAtLeast(1));
  cmd->add_option("--format", *format, "text, json (one array) or jsonl (an object per line)")
      ->check(CLI::IsMember({"text", "json", "jsonl"}));
  cmd->callback([&ctx, limit, format] {
    ctx.ran = true;
    ctx.status = [&]() -> Status {
      ASSIGN_OR_RETURN(auto pond, OpenPond(ctx));
      ASSIGN_OR_RETURN(auto txns, pond->index().Transactions(pond->read_view(), *limit));
      const bool json = *format != "text";
      JsonLister lister(*ctx.out, *format == "jsonl");
      for (const auto& t : txns) {
        if (json) {
          lister.Add({{"txn", t.txn_seq},
                      {"time", ShortTime(t.timestamp)},
                      {"delta_version", t.delta_version},
                      {"nodes_changed", t.records},
                      {"command", t.command}});
          continue;
        }
        char head[96];
        std::snprintf(head, sizeof(head), "txn %-5lld %s  %4lld node%s  ",
                      static_cast<long long>(t.txn_seq), ShortTime(t.timestamp).c_str(),
                      static_cast<long long>(t.records), t.records == 1 ? " " : "s");
        *ctx.out << head << EscapeControl(t.command) << "\n";
      }
      return json ? lister.Finish() : Status::OK();
    }();
  });
}

}  // namespace pond
