// SqlSession over DuckDB, inside the DuckDB module (libpond_duckdb.so).
//
// Tables are never views made ahead of time: a replacement scan turns every
// table name DuckDB does not know into a subquery over read_parquet (or
// read_csv) of the files behind it, asking the resolver at bind time. That is
// also when those files enter DuckDB's allowed paths. LockDown() turns
// enable_external_access off and locks the configuration; Query() refuses
// every statement that is not a query, so no SQL can write a file.
#include <chrono>
#include <cmath>
#include <filesystem>
#include <map>
#include <set>
#include <thread>

#include "duckdb/parser/parser.hpp"
#include "duckdb/parser/statement/select_statement.hpp"
#include "duckdb/parser/tableref/subqueryref.hpp"
#include "parquet/duckdb_util_internal.h"
#include "sql/result_writer.h"
#include "sql/session.h"
#include "util/progress.h"
#include "util/time.h"

namespace pond::sql {
namespace {

using parquet_internal::SqlIdentifier;
using parquet_internal::SqlString;

constexpr const char* kFileColumn = "__pond_file";

// What one session's replacement scan knows: named tables, the resolver, and
// the SQL of every table resolved so far.
struct PondScanData {
  std::map<std::string, TableSource> tables;
  TableResolver resolver;
  std::map<std::string, std::string> resolved;  // name -> scan SQL
  Status error;                                 // the resolver's failure, if any
};

// A database's replacement scan: each connection (one per session) has its
// own tables, found by the connection's client context.
struct ScanRouter : public duckdb::ReplacementScanData {
  std::map<const duckdb::ClientContext*, PondScanData*> sessions;
};

// The SQL that reads `source`: one scan of its distinct host files, joined to
// one row per (node, version) so that rows come out once per version that
// holds them, with the path and capture columns globs ask for.
std::string ScanSql(const TableSource& source) {
  std::vector<std::string> unique;
  std::set<std::string> seen;
  for (const SourceFile& f : source.files) {
    if (seen.insert(f.host_path).second) unique.push_back(f.host_path);
  }
  const bool join = source.path_columns || unique.size() != source.files.size() ||
                    !source.constant_columns.empty();
  const bool file_column = !join && !source.file_column.empty();
  std::string scan = std::string(source.csv ? "read_csv(" : "read_parquet(") +
                     parquet_internal::PathList(unique) +
                     (source.same_schema ? "" : ", union_by_name = true") +
                     (join ? std::string(", filename = ") + SqlString(kFileColumn) : "") +
                     (file_column ? ", filename = " + SqlString(source.file_column) : "") + ")";
  std::string sql;
  if (!join) {
    sql = "SELECT * FROM " + scan + " AS d";
  } else {
    sql = std::string("SELECT d.* EXCLUDE (") + kFileColumn + ")";
    std::string columns = std::string(kFileColumn) + ", _path";
    if (source.path_columns) {
      sql += ", p._path";
      for (size_t i = 1; i <= source.capture_count; ++i) {
        sql += ", p._" + std::to_string(i);
        columns += ", _" + std::to_string(i);
      }
    } else {
      for (size_t i = 1; i <= source.capture_count; ++i) columns += ", _" + std::to_string(i);
    }
    for (size_t i = 0; i < source.constant_columns.size(); ++i) {
      const ColumnSpec& c = source.constant_columns[i];
      std::string type = parquet_internal::DeltaTypeToSql(c.delta_type).ValueOr("VARCHAR");
      sql += ", CAST(p.__c" + std::to_string(i) + " AS " + type + ") AS " + SqlIdentifier(c.name);
      columns += ", __c" + std::to_string(i);
    }
    std::string values;
    for (const SourceFile& f : source.files) {
      values += values.empty() ? "(" : ", (";
      values += SqlString(f.host_path) + ", " + SqlString(f.pond_path);
      for (size_t i = 0; i < source.capture_count; ++i) {
        values += ", " + SqlString(i < f.captures.size() ? f.captures[i] : "");
      }
      for (size_t i = 0; i < source.constant_columns.size(); ++i) {
        const auto& v = i < f.constants.size() ? f.constants[i] : std::nullopt;
        values += ", " + (v ? SqlString(*v) : std::string("NULL::VARCHAR"));
      }
      values += ")";
    }
    sql += " FROM " + scan + " AS d JOIN (VALUES " + values + ") AS p(" + columns + ") ON d." +
           kFileColumn + " = p." + kFileColumn;
  }
  if (source.time_column && (source.time_start || source.time_end)) {
    std::string col = "d." + SqlIdentifier(*source.time_column);
    // Compare in the column's own type so the filter reaches the Parquet scan.
    std::string type = source.time_type == "DATE" ? "TIMESTAMP" : source.time_type;
    auto literal = [&](int64_t micros) {
      std::string text = FormatMicrosUtc(micros);
      text.pop_back();  // the trailing 'Z': the session's time zone is UTC
      return "CAST(" + SqlString(text) + " AS " + type + ")";
    };
    std::vector<std::string> conditions;
    if (source.time_start) conditions.push_back(col + " >= " + literal(*source.time_start));
    if (source.time_end) conditions.push_back(col + " < " + literal(*source.time_end));
    for (size_t i = 0; i < conditions.size(); ++i) {
      sql += (i ? " AND " : " WHERE ") + conditions[i];
    }
  }
  return sql;
}

duckdb::unique_ptr<duckdb::TableRef> ReplacePondPath(
    duckdb::ClientContext& context, duckdb::ReplacementScanInput& input,
    duckdb::optional_ptr<duckdb::ReplacementScanData> data) {
  if (!data) return nullptr;
  auto& router = data->Cast<ScanRouter>();
  auto session = router.sessions.find(&context);
  if (session == router.sessions.end()) return nullptr;
  PondScanData& scan = *session->second;
  const std::string& name = input.table_name;
  auto cached = scan.resolved.find(name);
  std::string sql;
  if (cached != scan.resolved.end()) {
    sql = cached->second;
  } else {
    std::optional<TableSource> source;
    auto named = scan.tables.find(name);
    if (named != scan.tables.end()) {
      source = named->second;
    } else if (scan.resolver) {
      auto resolved = scan.resolver(name);
      if (!resolved.ok()) {
        scan.error = resolved.status();
        throw duckdb::BinderException(resolved.status().message());
      }
      source = std::move(*resolved);
    }
    if (!source) return nullptr;
    if (source->files.empty()) {
      scan.error = Status::InvalidArgument("table '" + name + "' has no files");
      throw duckdb::BinderException(scan.error.message());
    }
    auto& config = duckdb::DBConfig::GetConfig(context);
    for (const SourceFile& f : source->files) config.AddAllowedPath(f.host_path);
    sql = ScanSql(*source);
    scan.resolved[name] = sql;
  }
  // Replacement scans must yield a table function or a subquery.
  duckdb::Parser parser;
  parser.ParseQuery(sql);
  auto select = duckdb::unique_ptr_cast<duckdb::SQLStatement, duckdb::SelectStatement>(
      std::move(parser.statements[0]));
  return duckdb::make_uniq<duckdb::SubqueryRef>(std::move(select), name);
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

// A private folder for DuckDB's temporary files, removed with the session.
class PrivateTempDir {
 public:
  ~PrivateTempDir() {
    if (path_.empty()) return;
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  Result<std::string> Make() {
    std::error_code ec;
    std::string base = std::filesystem::temp_directory_path(ec).string();
    if (ec) base = "/tmp";
    std::string tmpl = base + "/pond-sql-XXXXXX";
    if (!::mkdtemp(tmpl.data())) return Status::IOError("cannot create a temporary folder");
    path_ = tmpl;
    return path_;
  }

 private:
  std::string path_;
};

// One DuckDB database with its private temporary folder and its router.
struct Database {
  // Declared first so that it is removed after the database has closed.
  std::unique_ptr<PrivateTempDir> temp;
  std::unique_ptr<duckdb::DuckDB> db;
  ScanRouter* router = nullptr;  // owned by the database's config
  bool locked = false;           // external access off and the configuration locked
};

Result<std::shared_ptr<Database>> OpenDatabase() {
  auto database = std::make_shared<Database>();
  database->temp = std::make_unique<PrivateTempDir>();
  ASSIGN_OR_RETURN(std::string temp_dir, database->temp->Make());
  RETURN_IF_ERROR(parquet_internal::Guard(StatusCode::kInternal, "cannot open a SQL session", [&] {
    duckdb::DBConfig config;
    config.SetOptionByName("autoinstall_known_extensions", duckdb::Value::BOOLEAN(false));
    config.SetOptionByName("autoload_known_extensions", duckdb::Value::BOOLEAN(false));
    config.SetOptionByName("allow_community_extensions", duckdb::Value::BOOLEAN(false));
    // Never DuckDB's default ".tmp" under the working directory: a symlink
    // planted there would open the whole host to SQL.
    config.SetOptionByName("temp_directory", duckdb::Value(temp_dir));
    auto router = duckdb::make_uniq<ScanRouter>();
    database->router = router.get();
    config.replacement_scans.emplace(config.replacement_scans.begin(), ReplacePondPath,
                                     std::move(router));
    database->db = std::make_unique<duckdb::DuckDB>(nullptr, &config);
    return Status::OK();
  }));
  return database;
}

// Runs settings statements on `con`.
Status Settings(duckdb::Connection& con, std::initializer_list<const char*> statements) {
  for (const char* sql : statements) {
    auto r = con.Query(sql);
    if (r->HasError()) return QueryError(r->GetErrorObject());
  }
  return Status::OK();
}

// Sets the time zone and, for a shared database, locks it at once: every
// connection made later inherits the global settings and cannot change them.
Status Configure(Database& database, bool lock) {
  return parquet_internal::Guard(StatusCode::kInternal, "cannot open a SQL session", [&] {
    duckdb::Connection con(*database.db);
    // (DuckDB's progress bar is off unless a client turns it on.)
    RETURN_IF_ERROR(Settings(con, {"SET GLOBAL TimeZone = 'UTC'"}));
    if (lock) {
      RETURN_IF_ERROR(Settings(con, {"SET GLOBAL enable_external_access = false",
                                     "SET GLOBAL lock_configuration = true"}));
      database.locked = true;
    }
    return Status::OK();
  });
}

// DuckDB's progress bar, drawn as pond's progress line. DuckDB makes one
// display per query through a plain function pointer, so the display in use
// is known through a global: the writer of the result stops it before the
// first rows are written, so the line never mixes with them.
class QueryProgressDisplay final : public duckdb::ProgressBarDisplay {
 public:
  QueryProgressDisplay() : progress_("query", true) { active = this; }
  ~QueryProgressDisplay() override {
    if (active == this) active = nullptr;
  }
  void Update(double percentage) override {
    if (!stopped_) progress_.SetFraction(percentage / 100);
  }
  void Finish() override { Stop(); }
  void Stop() {
    stopped_ = true;
    progress_.Finish();
  }
  static duckdb::unique_ptr<duckdb::ProgressBarDisplay> Make() {
    return duckdb::make_uniq<QueryProgressDisplay>();
  }
  // Stops the display of the running query, if there is one.
  static void StopActive() {
    if (active) active->Stop();
  }

 private:
  static inline QueryProgressDisplay* active = nullptr;
  Progress progress_;
  bool stopped_ = false;
};

class DuckDbSession final : public SqlSession {
 public:
  DuckDbSession(std::shared_ptr<Database> database, std::unique_ptr<duckdb::Connection> con)
      : database_(std::move(database)), con_(std::move(con)), scan_(new PondScanData) {
    database_->router->sessions[con_->context.get()] = scan_.get();
  }
  ~DuckDbSession() override {
    database_->router->sessions.erase(con_->context.get());
    con_.reset();
  }
  DuckDbSession(const DuckDbSession&) = delete;
  DuckDbSession& operator=(const DuckDbSession&) = delete;

  Status AddTable(const std::string& name, const TableSource& source) override {
    if (source.files.empty()) return Status::InvalidArgument("table '" + name + "' has no files");
    scan_->tables[name] = source;
    scan_->resolved.erase(name);
    return Status::OK();
  }

  void SetResolver(TableResolver resolver) override { scan_->resolver = std::move(resolver); }

  Status AddRows(const std::string& name, const RowBatch& rows) override {
    RETURN_IF_ERROR(Exec(parquet_internal::CreateTableSql(name, rows, true)));
    return parquet_internal::Guard(StatusCode::kInternal, "cannot load table " + name, [&] {
      duckdb::Appender appender(*con_, "temp", "main", name);
      return parquet_internal::AppendRows(appender, rows);
    });
  }

  Status LockDown() override {
    if (!database_->locked) {
      RETURN_IF_ERROR(Settings(*con_, {"SET GLOBAL enable_external_access = false",
                                       "SET GLOBAL lock_configuration = true"}));
      database_->locked = true;
    }
    locked_ = true;
    return Status::OK();
  }

  Status Query(const std::string& sql, OutputFormat format, std::ostream& out) override {
    if (!locked_) return Status::Internal("LockDown() must come before Query()");
    scan_->error = Status::OK();
    Status st =
        parquet_internal::Guard(StatusCode::kInvalidArgument, "the query failed", [&]() -> Status {
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
          duckdb::unique_ptr<duckdb::QueryResult> result;
          if (!show_progress_) {
            result = con_->context->Query(std::move(statements.back()), true);
          } else {
            // Run until the first rows are ready, calling ExecuteTask often
            // enough that DuckDB updates the progress line (it does so on
            // each call; waiting for a task could block until the end),
            // then stop the line and stream the rows.
            auto pending = con_->context->PendingQuery(std::move(statements.back()), true);
            if (pending->HasError()) return QueryError(pending->GetErrorObject());
            duckdb::PendingExecutionResult state;
            do {
              state = pending->ExecuteTask();
              if (state == duckdb::PendingExecutionResult::BLOCKED ||
                  state == duckdb::PendingExecutionResult::NO_TASKS_AVAILABLE) {
                std::this_thread::sleep_for(std::chrono::milliseconds(5));
              }
            } while (!duckdb::PendingQueryResult::IsResultReady(state) &&
                     state != duckdb::PendingExecutionResult::EXECUTION_ERROR);
            QueryProgressDisplay::StopActive();
            if (pending->HasError()) return QueryError(pending->GetErrorObject());
            result = pending->Execute();
          }
          if (result->HasError()) return QueryError(result->GetErrorObject());
          RETURN_IF_ERROR(internal::WriteResult(*result, format, out));
          if (result->HasError()) return QueryError(result->GetErrorObject());
          return Status::OK();
        });
    // A pond path that failed to resolve says so in its own words.
    if (!st.ok() && !scan_->error.ok()) return scan_->error;
    return st;
  }

  void ShowProgress() override {
    auto& config = duckdb::ClientConfig::GetConfig(*con_->context);
    config.enable_progress_bar = true;
    config.print_progress_bar = true;
    config.wait_time = 0;  // Progress waits before it draws
    config.display_create_func = &QueryProgressDisplay::Make;
    config.system_progress_bar_disable_reason = nullptr;
    show_progress_ = true;
  }

  Status SetParquetCompression(const std::string& codec) override {
    if (codec != "zstd" && codec != "snappy" && codec != "uncompressed") {
      return Status::InvalidArgument("'" + codec + "' is not a Parquet codec pond writes");
    }
    codec_ = codec;
    return Status::OK();
  }

  Status QueryToPartitionedParquet(const std::string& sql, const std::string& dest_dir,
                                   const std::vector<std::string>& partition_by) override {
    if (!locked_) return Status::Internal("LockDown() must come before QueryToParquet()");
    return parquet_internal::Guard(StatusCode::kInvalidArgument, "cannot write " + dest_dir, [&] {
      duckdb::DBConfig::GetConfig(*database_->db->instance).AddAllowedDirectory(dest_dir);
      std::string columns;
      for (const std::string& c : partition_by) {
        columns += (columns.empty() ? "" : ", ") + SqlIdentifier(c);
      }
      Status st =
          Exec("COPY (" + sql + ") TO " + SqlString(dest_dir) + " (FORMAT parquet, COMPRESSION " +
               codec_ + ", PARTITION_BY (" + columns + "), OVERWRITE_OR_IGNORE)");
      if (!st.ok() && !scan_->error.ok()) return scan_->error;
      return st;
    });
  }

  Status QueryToParquet(const std::string& sql, const std::string& dest) override {
    if (!locked_) return Status::Internal("LockDown() must come before QueryToParquet()");
    return parquet_internal::Guard(StatusCode::kInvalidArgument, "cannot write " + dest, [&] {
      duckdb::DBConfig::GetConfig(*database_->db->instance).AddAllowedPath(dest);
      Status st = Exec("COPY (" + sql + ") TO " + SqlString(dest) +
                       " (FORMAT parquet, COMPRESSION " + codec_ + ")");
      if (!st.ok() && !scan_->error.ok()) return scan_->error;
      return st;
    });
  }

 private:
  Status Exec(const std::string& sql) {
    auto r = con_->Query(sql);
    if (r->HasError()) return QueryError(r->GetErrorObject());
    return Status::OK();
  }

  std::shared_ptr<Database> database_;
  std::unique_ptr<duckdb::Connection> con_;
  std::unique_ptr<PondScanData> scan_;
  bool locked_ = false;
  bool show_progress_ = false;  // ShowProgress() was called
  std::string codec_ = "zstd";
};

Result<std::unique_ptr<SqlSession>> NewSession(std::shared_ptr<Database> database) {
  std::unique_ptr<SqlSession> session;
  RETURN_IF_ERROR(parquet_internal::Guard(StatusCode::kInternal, "cannot open a SQL session", [&] {
    auto con = std::make_unique<duckdb::Connection>(*database->db);
    session = std::make_unique<DuckDbSession>(std::move(database), std::move(con));
    return Status::OK();
  }));
  return session;
}

// A session on a database of its own.
Result<std::unique_ptr<SqlSession>> OpenPrivateSession() {
  ASSIGN_OR_RETURN(auto database, OpenDatabase());
  RETURN_IF_ERROR(Configure(*database, false));
  return NewSession(std::move(database));
}

// A session on the process's shared database, opened (and locked) on first
// use and closed when the module is unloaded at exit.
Result<std::unique_ptr<SqlSession>> OpenInternalSession() {
  static std::shared_ptr<Database> shared;
  if (!shared) {
    ASSIGN_OR_RETURN(auto database, OpenDatabase());
    RETURN_IF_ERROR(Configure(*database, true));
    shared = std::move(database);
  }
  return NewSession(shared);
}

}  // namespace
}  // namespace pond::sql

extern "C" __attribute__((visibility("default"))) pond::sql::SqlSession* pond_open_sql_session(
    bool internal, std::string* error) {
  auto session = internal ? pond::sql::OpenInternalSession() : pond::sql::OpenPrivateSession();
  if (!session.ok()) {
    *error = session.status().message();
    return nullptr;
  }
  return std::move(session).value().release();
}
