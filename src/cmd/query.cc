// pond query SQL: DuckDB SQL over pond paths and globs and the system tables.
#include <CLI/CLI.hpp>

#include "cmd/commands.h"
#include "cmd/common.h"
#include "sql/pond_tables.h"
#include "util/progress.h"

namespace pond {
namespace {

struct QueryOptions {
  std::string sql;
  std::string format = "table";
};

Status RunQuery(Context& ctx, const QueryOptions& opts) {
  ASSIGN_OR_RETURN(sql::OutputFormat format, sql::ParseOutputFormat(opts.format));
  ASSIGN_OR_RETURN(auto pond, OpenPond(ctx));
  tinyfs::FS fs(*pond);
  auto factories = AttachFactories(fs, *pond);
  ASSIGN_OR_RETURN(auto session, sql::OpenSqlSession());
  sql::ScratchFiles scratch;
  RETURN_IF_ERROR(sql::PrepareQuery(*session, fs, *pond, opts.sql, scratch));
  RETURN_IF_ERROR(session->LockDown());
  if (ProgressWanted(ctx.global.quiet)) session->ShowProgress();
  return session->Query(opts.sql, format, *ctx.out);
}

}  // namespace

void AddQueryCommand(CLI::App& app, Context& ctx) {
  auto opts = std::make_shared<QueryOptions>();
  CLI::App* cmd = app.add_subcommand(
      "query",
      "Run SQL over the pond: '/path' and '/glob/*.series' are tables (with _path and captures "
      "_1, _2, ... for globs), 'csv:///path' reads a CSV file, and pond_entries and "
      "pond_transactions describe the log");
  cmd->add_option("sql", opts->sql, "the query")->required();
  cmd->add_option("--format", opts->format,
                  "table, csv, json (one array) or jsonl (an object per line)")
      ->check(CLI::IsMember({"table", "csv", "json", "jsonl"}));
  cmd->callback([&ctx, opts] {
    ctx.ran = true;
    ctx.status = RunQuery(ctx, *opts);
  });
}

}  // namespace pond
