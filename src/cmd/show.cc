// pond show: the operation log for people, one line per record.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <map>

#include "cmd/commands.h"
#include "cmd/common.h"
#include "util/text.h"
#include "util/time.h"

namespace pond {
namespace {

struct ShowOptions {
  std::string partition;
  std::string since;
  std::string until;
  int64_t limit = 1000;
};

const char* Icon(const std::string& type) {
  if (type == "directory") return "📁";
  if (type == "symlink") return "🔗";
  if (type == "file:table") return "📊";
  if (type == "file:series") return "📈";
  return "📄";
}

Status RunShow(Context& ctx, const ShowOptions& opts) {
  int64_t since = INT64_MIN, until = INT64_MAX;
  if (!opts.since.empty()) {
    ASSIGN_OR_RETURN(since, ParseMicrosUtc(opts.since));
  }
  if (!opts.until.empty()) {
    ASSIGN_OR_RETURN(until, ParseMicrosUtc(opts.until));
  }
  if (since > until) return UsageError(ctx, "--since is after --until");
  ASSIGN_OR_RETURN(auto pond, OpenPond(ctx));
  ASSIGN_OR_RETURN(auto records, pond->index().Records(opts.partition, since, until,
                                                       pond->read_view(), opts.limit));
  std::ostream& out = *ctx.out;
  std::map<std::string, int64_t> counts;
  int64_t txn = -1;
  for (const auto& r : records) {
    if (r.txn_seq != txn) {
      txn = r.txn_seq;
      out << "── txn " << txn << " ── " << ShortTime(r.timestamp) << "\n";
    }
    counts[r.entry_type]++;
    char line[200];
    std::snprintf(line, sizeof(line), "%s %-11s node %s  part %s  v%lld  %s", Icon(r.entry_type),
                  r.entry_type.c_str(), r.node_id.c_str(), r.part_id.c_str(),
                  static_cast<long long>(r.version),
                  HumanSize(static_cast<uint64_t>(r.size)).c_str());
    out << line << (r.content ? "" : "  (blob)") << "\n";
    if (r.entry_type == "directory" && r.content) {
      auto changes = oplog::DecodeDirChanges(*r.content);
      if (!changes.ok()) {
        out << "     (unreadable directory content: " << changes.status().message() << ")\n";
        continue;
      }
      for (const auto& c : *changes) {
        if (c.op == oplog::DirChange::Op::kAdd) {
          out << "     + " << EscapeControl(c.name) << " → " << c.child << " (" << c.entry_type
              << ")\n";
        } else {
          out << "     - " << EscapeControl(c.name) << "\n";
        }
      }
    } else if (r.entry_type == "symlink" && r.content) {
      out << "     → " << EscapeControl(*r.content) << "\n";
    }
  }
  out << records.size() << " record" << (records.size() == 1 ? "" : "s");
  for (const auto& [type, n] : counts) out << ", " << n << " " << type;
  out << "\n";
  return Status::OK();
}

}  // namespace

void AddShowCommand(CLI::App& app, Context& ctx) {
  auto opts = std::make_shared<ShowOptions>();
  CLI::App* cmd = app.add_subcommand("show", "Show the operation log, one line per record");
  cmd->add_option("--partition", opts->partition, "only this partition (a directory's node id)");
  cmd->add_option("--since", opts->since, "only records written at or after this time (RFC 3339)")
      ->check(TimeValidator());
  cmd->add_option("--until", opts->until, "only records written at or before this time (RFC 3339)")
      ->check(TimeValidator());
  cmd->add_option("--limit", opts->limit, "at most this many records (default 1000)")
      ->check(WholeNumberAtLeast(1));
  cmd->callback([&ctx, opts] {
    ctx.ran = true;
    ctx.status = RunShow(ctx, *opts);
  });
}

}  // namespace pond
