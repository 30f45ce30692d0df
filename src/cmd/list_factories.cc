// pond list-factories [--format json|jsonl]: the factories mknod can use.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "cmd/commands.h"
#include "cmd/common.h"
#include "factory/factory.h"

namespace pond {

void AddListFactoriesCommand(CLI::App& app, Context& ctx) {
  auto format = std::make_shared<std::string>("text");
  CLI::App* cmd = app.add_subcommand("list-factories", "List the factories, what each makes");
  cmd->add_option("--format", *format, "text, json (one array) or jsonl (an object per line)")
      ->check(CLI::IsMember({"text", "json", "jsonl"}));
  cmd->callback([&ctx, format] {
    ctx.ran = true;
    std::ostream& out = *ctx.out;
    JsonLister lister(out, *format == "jsonl");
    for (const factory::Factory* f : factory::AllFactories()) {
      if (*format != "text") {
        lister.Add({{"name", std::string(f->name())},
                    {"makes", factory::MakesName(f->makes())},
                    {"description", std::string(f->description())}});
        continue;
      }
      char line[64];
      std::snprintf(line, sizeof(line), "%-22s %-11s ", std::string(f->name()).c_str(),
                    factory::MakesName(f->makes()));
      out << line << f->description() << "\n";
    }
    ctx.status = *format == "text" ? Status::OK() : lister.Finish();
  });
}

}  // namespace pond
