// pond fsck: check everything the pond stores; exit 1 with a line per problem.
#include <CLI/CLI.hpp>

#include "cmd/commands.h"
#include "cmd/common.h"
#include "tlogfs/check.h"
#include "util/text.h"

namespace pond {

void AddFsckCommand(CLI::App& app, Context& ctx) {
  CLI::App* cmd = app.add_subcommand(
      "fsck",
      "Check the pond: the log is contiguous and parses, every data file, blob and inline "
      "content matches its recorded size and SHA-256, and the index agrees with the log");
  cmd->callback([&ctx] {
    ctx.ran = true;
    ctx.status = [&]() -> Status {
      ASSIGN_OR_RETURN(auto pond, OpenPond(ctx, /*allow_damage=*/true));
      ASSIGN_OR_RETURN(tlogfs::CheckReport report, tlogfs::CheckPond(*pond));
      std::ostream& out = *ctx.out;
      for (const std::string& p : report.problems) out << "problem: " << EscapeControl(p) << "\n";
      for (const std::string& n : report.notes) out << "note: " << EscapeControl(n) << "\n";
      out << "checked " << report.commits << " commits, " << report.checkpoints << " checkpoints, "
          << report.data_files << " data files, " << report.blobs << " blobs and "
          << report.inline_versions << " inline contents: "
          << (report.problems.empty() ? "no problems"
                                      : std::to_string(report.problems.size()) + " problem" +
                                            (report.problems.size() == 1 ? "" : "s"))
          << "\n";
      if (report.problems.empty()) return Status::OK();
      return Status::Corruption("the pond has " + std::to_string(report.problems.size()) +
                                " problem" + (report.problems.size() == 1 ? "" : "s") +
                                " (listed above)");
    }();
  });
}

}  // namespace pond
