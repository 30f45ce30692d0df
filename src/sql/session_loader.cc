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

Result<std::unique_ptr<SqlSession>> OpenSqlSession() {
  using OpenFn = SqlSession* (*)(std::string*);
  ASSIGN_OR_RETURN(void* symbol, DuckDbModuleSymbol("pond_open_sql_session"));
  std::string error;
  SqlSession* session = reinterpret_cast<OpenFn>(symbol)(&error);
  if (!session) return Status::Internal("cannot open a SQL session: " + error);
  return std::unique_ptr<SqlSession>(session);
}

}  // namespace pond::sql
