// SqlSession over DuckDB, inside the DuckDB module (libpond_duckdb.so).
//
// Pond tables are temporary views over read_parquet/read_csv of the files
// behind them; a replacement scan maps the quoted pond path in FROM to its
// view. LockDown() lists exactly those files in allowed_paths, turns
// enable_external_access off and locks the configuration; Query() also
// refuses every statement that is not a query, so no SQL can write a file.
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "duckdb/parser/parser.hpp"
#include "duckdb/parser/statement/select_statement.hpp"
#include "duckdb/parser/tableref/subqueryref.hpp"
#include "parquet/duckdb_util_internal.h"
#include "sql/session.h"
#include "util/time.h"

namespace pond::sql {
namespace {

using parquet_internal::AppendCsvField;
using parquet_internal::SqlIdentifier;
using parquet_internal::SqlString;

// Quoted pond paths in FROM -> the views that serve them.
struct QuotedViews : public duckdb::ReplacementScanData {
  std::map<std::string, std::string> views;
};

duckdb::unique_ptr<duckdb::TableRef> ReplacePondPath(
    duckdb::ClientContext&, duckdb::ReplacementScanInput& input,
    duckdb::optional_ptr<duckdb::ReplacementScanData> data) {
  if (!data) return nullptr;
  auto& views = data->Cast<QuotedViews>().views;
  auto it = views.find(input.table_name);
  if (it == views.end()) return nullptr;
  // Replacement scans must yield a table function or a subquery: SELECT * FROM the view.
  duckdb::Parser parser;
  parser.ParseQuery("SELECT * FROM " + SqlIdentifier(it->second));
  auto select = duckdb::unique_ptr_cast<duckdb::SQLStatement, duckdb::SelectStatement>(
      std::move(parser.statements[0]));
  auto ref = duckdb::make_uniq<duckdb::SubqueryRef>(std::move(select), it->second);
  return ref;
}

// The first line of a DuckDB error: one sentence for people.
std::string FirstLine(const std::string& message) {
  std::string line = message.substr(0, message.find('\n'));
  while (!line.empty() && (line.back() == ' ' || line.back() == '\r')) line.pop_back();
  return line;
}

Status QueryError(const duckdb::ErrorData& error) {
  std::string message = FirstLine(error.RawMessage());
  switch (error.Type()) {
    case duckdb::ExceptionType::PARSER:
      return Status::InvalidArgument("SQL syntax error: " + message);
    case duckdb::ExceptionType::BINDER:
    case duckdb::ExceptionType::CATALOG:
      return Status::InvalidArgument("SQL error: " + message);
    case duckdb::ExceptionType::PERMISSION:
      return Status::InvalidArgument("SQL may only read the pond files the query names: " +
                                     message);
    default:
      return Status::InvalidArgument("the query failed: " + message);
  }
}

bool IsNumeric(const duckdb::LogicalType& type) {
  return type.IsNumeric() && type.id() != duckdb::LogicalTypeId::BOOLEAN;
}

std::string JsonText(const std::string& s) {
  return nlohmann::json(s).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

class DuckDbSession final : public SqlSession {
 public:
  DuckDbSession(std::unique_ptr<duckdb::DuckDB> db, std::unique_ptr<duckdb::Connection> con,
                QuotedViews* views)
      : db_(std::move(db)), con_(std::move(con)), views_(views) {}

  Status AddTable(const std::string& name, const std::string& quoted,
                  const TableSource& source) override {
    if (locked_) return Status::Internal("tables must be added before LockDown()");
    if (source.files.empty()) return Status::InvalidArgument("table '" + name + "' has no files");
    std::vector<std::string> paths;
    for (const SourceFile& f : source.files) {
      paths.push_back(f.host_path);
      allowed_.insert(f.host_path);
    }
    std::string reader = source.csv ? "read_csv(" : "read_parquet(";
    std::string scan = reader + parquet_internal::PathList(paths) + ", union_by_name = true" +
                       (source.path_columns ? ", filename = true" : "") + ")";
    std::string select = "SELECT d.*";
    std::string from = " FROM " + scan + " AS d";
    if (source.path_columns) {
      std::string table = name + "__paths";
      std::string create = "CREATE OR REPLACE TEMP TABLE " + SqlIdentifier(table) +
                           " (filename VARCHAR, _path VARCHAR";
      for (size_t i = 1; i <= source.capture_count; ++i)
        create += ", _" + std::to_string(i) + " VARCHAR";
      RETURN_IF_ERROR(Exec(create + ")"));
      RETURN_IF_ERROR(
          parquet_internal::Guard(StatusCode::kInternal, "cannot list a table's files", [&] {
            duckdb::Appender appender(*con_, "temp", "main", table);
            for (const SourceFile& f : source.files) {
              appender.BeginRow();
              appender.Append(duckdb::Value(f.host_path));
              appender.Append(duckdb::Value(f.pond_path));
              for (size_t i = 0; i < source.capture_count; ++i) {
                appender.Append(duckdb::Value(i < f.captures.size() ? f.captures[i] : ""));
              }
              appender.EndRow();
            }
            appender.Close();
            return Status::OK();
          }));
      select = "SELECT d.* EXCLUDE (filename), p._path";
      for (size_t i = 1; i <= source.capture_count; ++i) select += ", p._" + std::to_string(i);
      from += " JOIN " + SqlIdentifier(table) + " AS p ON d.filename = p.filename";
    }
    std::string where;
    if (source.time_column && (source.time_start || source.time_end)) {
      std::string col = "d." + SqlIdentifier(*source.time_column);
      // Compare in the column's own type so the filter reaches the Parquet scan.
      std::string type = "TIMESTAMP";
      auto probe = con_->Query("SELECT typeof(" + SqlIdentifier(*source.time_column) + ") FROM " +
                               scan + " LIMIT 1");
      if (!probe->HasError() && probe->RowCount() > 0) type = probe->GetValue(0, 0).ToString();
      if (type == "DATE") type = "TIMESTAMP";
      auto literal = [&](int64_t micros) {
        std::string text = FormatMicrosUtc(micros);
        text.pop_back();  // the trailing 'Z': the session's time zone is UTC
        return "CAST(" + SqlString(text) + " AS " + type + ")";
      };
      std::vector<std::string> conditions;
      if (source.time_start) conditions.push_back(col + " >= " + literal(*source.time_start));
      if (source.time_end) conditions.push_back(col + " < " + literal(*source.time_end));
      for (size_t i = 0; i < conditions.size(); ++i) {
        where += (i ? " AND " : " WHERE ") + conditions[i];
      }
    }
    RETURN_IF_ERROR(Exec("CREATE OR REPLACE TEMP VIEW " + SqlIdentifier(name) + " AS " + select +
                         from + where));
    if (!quoted.empty()) views_->views[quoted] = name;
    return Status::OK();
  }

  Status AddRows(const std::string& name, const RowBatch& rows) override {
    if (locked_) return Status::Internal("tables must be added before LockDown()");
    RETURN_IF_ERROR(Exec(parquet_internal::CreateTableSql(name, rows, true)));
    return parquet_internal::Guard(StatusCode::kInternal, "cannot load table " + name, [&] {
      duckdb::Appender appender(*con_, "temp", "main", name);
      return parquet_internal::AppendRows(appender, rows);
    });
  }

  Status LockDown() override {
    std::string list = "[";
    for (const std::string& p : allowed_) list += (list.size() > 1 ? ", " : "") + SqlString(p);
    list += "]";
    for (const std::string& sql :
         {"SET allowed_paths = " + list, std::string("SET enable_external_access = false"),
          std::string("SET lock_configuration = true")}) {
      RETURN_IF_ERROR(Exec(sql));
    }
    locked_ = true;
    return Status::OK();
  }

  Status Query(const std::string& sql, OutputFormat format, std::ostream& out) override {
    if (!locked_) return Status::Internal("LockDown() must come before Query()");
    return parquet_internal::Guard(
        StatusCode::kInvalidArgument, "the query failed", [&]() -> Status {
          duckdb::vector<duckdb::unique_ptr<duckdb::SQLStatement>> statements;
          try {
            statements = con_->ExtractStatements(sql);
          } catch (const std::exception& e) {
            return QueryError(duckdb::ErrorData(e));
          }
          if (statements.empty()) return Status::InvalidArgument("the SQL has no statement");
          for (size_t i = 0; i < statements.size(); ++i) {
            auto type = statements[i]->type;
            if (type != duckdb::StatementType::SELECT_STATEMENT &&
                type != duckdb::StatementType::EXPLAIN_STATEMENT) {
              return Status::InvalidArgument(
                  "only queries may run on a pond (SELECT, WITH, DESCRIBE, EXPLAIN), not " +
                  duckdb::StatementTypeToString(type) + " statements");
            }
          }
          for (size_t i = 0; i + 1 < statements.size(); ++i) {
            auto r = con_->Query(std::move(statements[i]));
            if (r->HasError()) return QueryError(r->GetErrorObject());
          }
          auto result = con_->SendQuery(statements.back()->ToString());
          if (result->HasError()) return QueryError(result->GetErrorObject());
          return Write(*result, format, out);
        });
  }

 private:
  Status Exec(const std::string& sql) {
    auto r = con_->Query(sql);
    if (r->HasError()) return QueryError(r->GetErrorObject());
    return Status::OK();
  }

  Status Write(duckdb::QueryResult& result, OutputFormat format, std::ostream& out) {
    const size_t width = result.types.size();
    std::vector<std::vector<std::optional<std::string>>> table_rows;  // kTable only
    std::string line;
    if (format == OutputFormat::kCsv) {
      for (size_t c = 0; c < width; ++c) {
        if (c) line += ',';
        AppendCsvField(result.names[c], line);
      }
      out << line << '\n';
    }
    while (true) {
      auto chunk = result.Fetch();
      if (!chunk || chunk->size() == 0) break;
      for (duckdb::idx_t r = 0; r < chunk->size(); ++r) {
        line.clear();
        std::vector<std::optional<std::string>> cells;
        for (size_t c = 0; c < width; ++c) {
          duckdb::Value v = chunk->GetValue(c, r);
          std::optional<std::string> text;
          if (!v.IsNull()) text = v.ToString();
          switch (format) {
            case OutputFormat::kCsv:
              if (c) line += ',';
              if (text) AppendCsvField(*text, line);
              break;
            case OutputFormat::kJson: {
              line += c ? "," : "{";
              line += JsonText(result.names[c]) + ":";
              const auto& type = result.types[c];
              if (!text) {
                line += "null";
              } else if (type.id() == duckdb::LogicalTypeId::BOOLEAN) {
                line += *text;
              } else if (IsNumeric(type) && *text != "nan" && *text != "inf" && *text != "-inf") {
                line += *text;
              } else {
                line += JsonText(*text);
              }
              break;
            }
            case OutputFormat::kTable:
              cells.push_back(std::move(text));
              break;
          }
        }
        if (format == OutputFormat::kTable) {
          table_rows.push_back(std::move(cells));
          continue;
        }
        if (format == OutputFormat::kJson) line += width ? "}" : "{}";
        out << line << '\n';
      }
    }
    if (result.HasError()) return QueryError(result.GetErrorObject());
    if (format == OutputFormat::kTable) WriteTable(result, table_rows, out);
    return out ? Status::OK() : Status::IOError("cannot write the query's output");
  }

  // An aligned table for people: numbers right-aligned, NULL shown as NULL.
  static void WriteTable(const duckdb::QueryResult& result,
                         const std::vector<std::vector<std::optional<std::string>>>& rows,
                         std::ostream& out) {
    const size_t width = result.names.size();
    std::vector<size_t> w(width);
    for (size_t c = 0; c < width; ++c) w[c] = result.names[c].size();
    for (const auto& row : rows) {
      for (size_t c = 0; c < width; ++c) w[c] = std::max(w[c], row[c] ? row[c]->size() : 4);
    }
    auto cell = [&](const std::string& text, size_t c) {
      std::string pad(w[c] - std::min(w[c], text.size()), ' ');
      return IsNumeric(result.types[c]) ? pad + text : text + pad;
    };
    std::string line;
    for (size_t c = 0; c < width; ++c) line += (c ? "  " : "") + cell(result.names[c], c);
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out << line << '\n';
    line.clear();
    for (size_t c = 0; c < width; ++c) line += (c ? "  " : "") + std::string(w[c], '-');
    out << line << '\n';
    for (const auto& row : rows) {
      line.clear();
      for (size_t c = 0; c < width; ++c) line += (c ? "  " : "") + cell(row[c].value_or("NULL"), c);
      while (!line.empty() && line.back() == ' ') line.pop_back();
      out << line << '\n';
    }
    out << "(" << rows.size() << (rows.size() == 1 ? " row)" : " rows)") << '\n';
  }

  std::unique_ptr<duckdb::DuckDB> db_;
  std::unique_ptr<duckdb::Connection> con_;
  QuotedViews* views_;  // owned by the database's config
  std::set<std::string> allowed_;
  bool locked_ = false;
};

Result<std::unique_ptr<SqlSession>> OpenDuckDbSession() {
  std::unique_ptr<SqlSession> session;
  RETURN_IF_ERROR(parquet_internal::Guard(StatusCode::kInternal, "cannot open a SQL session", [&] {
    duckdb::DBConfig config;
    config.SetOptionByName("autoinstall_known_extensions", duckdb::Value::BOOLEAN(false));
    config.SetOptionByName("autoload_known_extensions", duckdb::Value::BOOLEAN(false));
    config.SetOptionByName("allow_community_extensions", duckdb::Value::BOOLEAN(false));
    auto views = duckdb::make_uniq<QuotedViews>();
    QuotedViews* raw = views.get();
    config.replacement_scans.emplace(config.replacement_scans.begin(), ReplacePondPath,
                                     std::move(views));
    auto db = std::make_unique<duckdb::DuckDB>(nullptr, &config);
    auto con = std::make_unique<duckdb::Connection>(*db);
    for (const char* setting : {"SET TimeZone = 'UTC'", "SET enable_progress_bar = false"}) {
      auto r = con->Query(setting);
      if (r->HasError()) return QueryError(r->GetErrorObject());
    }
    session = std::make_unique<DuckDbSession>(std::move(db), std::move(con), raw);
    return Status::OK();
  }));
  return session;
}

}  // namespace
}  // namespace pond::sql

extern "C" __attribute__((visibility("default"))) pond::sql::SqlSession* pond_open_sql_session(
    std::string* error) {
  auto session = pond::sql::OpenDuckDbSession();
  if (!session.ok()) {
    *error = session.status().message();
    return nullptr;
  }
  return std::move(session).value().release();
}
