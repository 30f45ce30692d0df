// pond maintain [--min-files N] [--dry-run] [--auto N|off]: compact the log's
// small data files, and set when that happens by itself.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <charconv>
#include <optional>

#include "cmd/commands.h"
#include "cmd/common.h"

namespace pond {
namespace {

struct MaintainCommandOptions {
  int64_t min_files = 2;
  bool dry_run = false;
  std::string automatic;  // "", "off" or a whole number
};

std::string Files(int64_t n) { return std::to_string(n) + (n == 1 ? " file" : " files"); }

std::string AutoSentence(int64_t threshold) {
  if (threshold == 0) return "automatic maintenance is off";
  return "automatic maintenance compacts a partition once it holds " + std::to_string(threshold) +
         " small files (checked every " +
         std::to_string(tlogfs::PondOptions{}.checkpoint_interval) + " commits)";
}

Status RunMaintain(Context& ctx, const MaintainCommandOptions& opts) {
  if (ctx.global.as_of) {
    return UsageError(ctx, "--as-of reads a past transaction; maintain changes the pond");
  }
  std::optional<int64_t> set_auto;
  if (!opts.automatic.empty()) {
    if (opts.automatic == "off") {
      set_auto = 0;
    } else {
      int64_t n = 0;
      auto [p, ec] =
          std::from_chars(opts.automatic.data(), opts.automatic.data() + opts.automatic.size(), n);
      if (ec != std::errc() || p != opts.automatic.data() + opts.automatic.size() || n < 2) {
        return UsageError(
            ctx, "--auto takes 'off' or a whole number of 2 or more, not '" + opts.automatic + "'");
      }
      set_auto = n;
    }
    if (opts.dry_run) return UsageError(ctx, "--auto changes the pond; it cannot be a dry run");
  }
  tlogfs::MaintainReport report;
  int64_t threshold = 0;
  std::vector<std::pair<std::string, tlogfs::PartitionCompaction>> named;
  RETURN_IF_ERROR(RunWrite(ctx, [&](tinyfs::FS&, tlogfs::Pond& pond) -> Status {
    if (set_auto) {
      RETURN_IF_ERROR(pond.SetAutoMaintain(*set_auto));
      threshold = *set_auto;
      return Status::OK();
    }
    ASSIGN_OR_RETURN(report, pond.Maintain({.min_files = opts.min_files, .dry_run = opts.dry_run}));
    threshold = report.auto_threshold;
    for (const auto& c : report.compacted) {
      std::string path = pond.PathOf(c.part_id);
      named.emplace_back(path.empty() ? "(partition " + c.part_id + ")" : path, c);
    }
    return Status::OK();
  }));
  std::ostream& out = *ctx.out;
  if (set_auto) {
    out << AutoSentence(threshold) << "\n";
    return Status::OK();
  }
  std::sort(named.begin(), named.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  int64_t files = 0, bytes = 0, new_bytes = 0;
  for (const auto& [path, c] : named) {
    files += c.files;
    bytes += c.bytes;
    new_bytes += c.new_bytes;
    out << "  " << path << ": " << Files(c.files) << ", " << HumanSize(c.bytes);
    if (!opts.dry_run) out << " -> 1 file, " << HumanSize(c.new_bytes);
    out << "\n";
  }
  const std::string all = Files(report.files_before) + " (" + HumanSize(report.bytes_before) +
                          ") in " + std::to_string(report.partitions) + " partition" +
                          (report.partitions == 1 ? "" : "s");
  if (named.empty()) {
    out << "nothing to compact: " << all << ", none with " << std::max<int64_t>(2, opts.min_files)
        << " or more small files\n";
  } else if (opts.dry_run) {
    out << "would compact " << named.size() << " partition" << (named.size() == 1 ? "" : "s")
        << ": " << Files(files) << " (" << HumanSize(bytes) << ") into " << named.size()
        << "; the log now has " << all << "\n";
  } else {
    out << "compacted " << named.size() << " partition" << (named.size() == 1 ? "" : "s") << ": "
        << Files(files) << " (" << HumanSize(bytes) << ") into " << named.size() << " ("
        << HumanSize(new_bytes) << ")\n";
    out << "data files before: " << Files(report.files_before) << ", "
        << HumanSize(report.bytes_before) << "; after: " << Files(report.files_after) << ", "
        << HumanSize(report.bytes_after) << "\n";
  }
  out << AutoSentence(threshold) << "\n";
  return Status::OK();
}

}  // namespace

void AddMaintainCommand(CLI::App& app, Context& ctx) {
  auto opts = std::make_shared<MaintainCommandOptions>();
  CLI::App* cmd = app.add_subcommand(
      "maintain",
      "Compact the small data files each transaction adds (one per directory it touches) into "
      "one file per directory; every version and --as-of read stays exactly as it was");
  cmd->add_option("--min-files", opts->min_files,
                  "compact a directory's data files only when it has at least this many small "
                  "ones (default 2)")
      ->check(WholeNumberAtLeast(2));
  cmd->add_flag("-n,--dry-run", opts->dry_run, "only show what would be compacted");
  cmd->add_option("--auto", opts->automatic,
                  "compact automatically when a directory holds N small data files, or 'off' "
                  "(kept in the pond; default 50)");
  cmd->callback([&ctx, opts] {
    ctx.ran = true;
    ctx.status = RunMaintain(ctx, *opts);
  });
}

}  // namespace pond
