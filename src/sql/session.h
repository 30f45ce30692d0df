// SQL sessions: DuckDB over pond files, for `pond cat --sql` and `pond query`.
//
// This header names no DuckDB type; the session lives in the DuckDB module and
// is loaded on first use. A session is built in three steps: say where its
// tables come from (AddTable for named tables such as `source`, SetResolver
// for the quoted pond paths and globs a query names, AddRows for the system
// tables), LockDown() so that no SQL can touch anything else, then Query().
//
// Pond paths are resolved where DuckDB resolves table names: a name DuckDB
// does not know ('/stations/*.series' in FROM) goes to the resolver at bind
// time, so comments, E'' strings and subqueries need no lexing of ours. Each
// file a resolved table reads is added to DuckDB's allowed paths then, and
// only then.
//
// What SQL may do after LockDown(): run SELECT-like statements (SELECT, WITH,
// VALUES, EXPLAIN, DESCRIBE, SHOW, SUMMARIZE) over those tables. It may not
// read any other file, write any file, attach databases, install or load
// extensions, or change settings. DuckDB's temporary directory is a private
// folder (mode 0700) made for the session and removed with it.
//
// Thread safety: one thread at a time.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "parquet/engine.h"
#include "util/status.h"

namespace pond::sql {

// table: aligned for people; csv: RFC 4180 with a header; json: one JSON
// array of objects (nested values as JSON); jsonl: one object per line.
enum class OutputFormat { kTable, kCsv, kJson, kJsonLines };

// "table", "csv", "json", "jsonl"; InvalidArgument otherwise.
Result<OutputFormat> ParseOutputFormat(const std::string& name);

// One version of one pond file behind a table.
struct SourceFile {
  std::string host_path;              // scanned in place; several versions may share one
  std::string pond_path;              // the _path column
  std::vector<std::string> captures;  // the _1, _2, ... columns
  // Values of TableSource::constant_columns for this file, as Delta writes
  // partition values (text; nullopt for NULL).
  std::vector<std::optional<std::string>> constants;
  // What identifies the rows (a version's SHA-256, or a computed file's
  // cache key), for caches of what is derived from them.
  std::string content_id;
  // The stored version read (0 for a computed file).
  int64_t version = 0;
};

struct TableSource {
  // One entry per (node, version) read: rows belong to versions, so two pond
  // files (or two versions) with the same bytes contribute their rows twice.
  std::vector<SourceFile> files;  // must not be empty
  // The union of the files' columns (name, DuckDB type) as the pond recorded
  // them, when every file's are known and agree; empty otherwise.
  std::vector<std::pair<std::string, std::string>> columns;
  bool csv = false;  // raw CSV files, parsed with types inferred
  // When set (and the files are distinct, with no path or constant
  // columns), a column of this name holds each row's host file path.
  std::string file_column;
  // Every file has the same columns: no union by name (cheaper over many files).
  bool same_schema = false;
  // Add _path and one column per capture (_1, _2, ...): for globs.
  bool path_columns = false;
  size_t capture_count = 0;
  // Columns whose value is constant per file (a Delta table's partition
  // columns), with their Delta types; each file gives its values.
  std::vector<ColumnSpec> constant_columns;
  // For series: rows outside [time_start, time_end) are filtered out,
  // comparing in the time column's own type.
  std::optional<std::string> time_column;
  std::string time_type = "TIMESTAMP";  // DuckDB type name of the time column
  std::optional<int64_t> time_start;    // micros since the epoch, inclusive
  std::optional<int64_t> time_end;      // exclusive
};

// Resolves a table name that DuckDB does not know: the files behind it,
// nullopt when the name is not the resolver's (DuckDB then reports an unknown
// table), or an error that the query fails with.
using TableResolver = std::function<Result<std::optional<TableSource>>(const std::string& name)>;

class SqlSession {
 public:
  virtual ~SqlSession() = default;

  // Makes `source` queryable as table `name` (replacing one of that name).
  virtual Status AddTable(const std::string& name, const TableSource& source) = 0;
  // Names DuckDB does not know are resolved by `resolver` from now on.
  virtual void SetResolver(TableResolver resolver) = 0;
  // Loads `rows` as table `name` (system tables).
  virtual Status AddRows(const std::string& name, const RowBatch& rows) = 0;
  // From now on SQL reaches only the tables above (see the file comment).
  virtual Status LockDown() = 0;
  // Runs `sql` and writes its result to `out`. InvalidArgument, in one
  // sentence, for bad SQL, unknown tables or columns, or a statement that is
  // not allowed; the resolver's own error when it failed; IOError when `out`
  // cannot be written.
  virtual Status Query(const std::string& sql, OutputFormat format, std::ostream& out) = 0;
  // From now on, a query that runs long shows a progress line (util/progress)
  // on standard error until its first rows are ready. The caller decides
  // whether one is wanted (ProgressWanted).
  virtual void ShowProgress() = 0;
  // The codec of the Parquet files written from now on: "zstd" (the
  // default), "snappy" (what browsers' readers decode) or "uncompressed".
  virtual Status SetParquetCompression(const std::string& codec) = 0;
  // Writes the result of the query `sql` (ours, not a user's) to host file
  // `dest` as one Parquet file. REQUIRES: after LockDown().
  virtual Status QueryToParquet(const std::string& sql, const std::string& dest) = 0;
  // The same into host folder `dest_dir`, Hive-partitioned by the columns
  // `partition_by` (dest_dir/a=1/b=2/*.parquet; the partition columns are not
  // repeated in the files). REQUIRES: after LockDown().
  virtual Status QueryToPartitionedParquet(const std::string& sql, const std::string& dest_dir,
                                           const std::vector<std::string>& partition_by) = 0;
};

// A session on a database of its own: for SQL that people write.
Result<std::unique_ptr<SqlSession>> OpenSqlSession();

// A session on the process's one shared database, for SQL that pond itself
// writes (a factory's computation, printing a file): opening a database costs
// milliseconds, a connection to an open one almost nothing. Sessions see only
// their own tables and their own temporary tables, but DuckDB's allowed paths
// belong to the database, so a file one internal session names stays readable
// to the others: no SQL from a config or a command line may run here.
Result<std::unique_ptr<SqlSession>> OpenInternalSqlSession();

}  // namespace pond::sql
