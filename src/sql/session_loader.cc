#include "parquet/module.h"
#include "sql/session.h"

namespace pond::sql {

Result<OutputFormat> ParseOutputFormat(const std::string& name) {
  if (name == "table") return OutputFormat::kTable;
  if (name == "csv") return OutputFormat::kCsv;
  if (name == "json") return OutputFormat::kJson;
  if (name == "jsonl") return OutputFormat::kJsonLines;
  return Status::InvalidArgument("'" + name +
                                 "' is not an output format (table, csv, json or jsonl)");
}

namespace {

Result<std::unique_ptr<SqlSession>> Open(bool internal) {
  using OpenFn = SqlSession* (*)(bool, std::string*);
  ASSIGN_OR_RETURN(void* symbol, DuckDbModuleSymbol("pond_open_sql_session"));
  std::string error;
  SqlSession* session = reinterpret_cast<OpenFn>(symbol)(internal, &error);
  if (!session) return Status::Internal("cannot open a SQL session: " + error);
  return std::unique_ptr<SqlSession>(session);
}

}  // namespace

Result<std::unique_ptr<SqlSession>> OpenSqlSession() { return Open(false); }

Result<std::unique_ptr<SqlSession>> OpenInternalSqlSession() { return Open(true); }

}  // namespace pond::sql
