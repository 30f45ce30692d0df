// SQL sessions: DuckDB over pond files, for `pond cat --sql` and `pond query`.
//
// This header names no DuckDB type; the session lives in the DuckDB module and
// is loaded on first use. A session is built in three steps: add the tables a
// query may use (pond files as views over Parquet files scanned in place,
// system tables as rows), LockDown() so that no SQL can touch anything else,
// then Query().
//
// What SQL may do after LockDown(): run SELECT-like statements (SELECT, WITH,
// VALUES, EXPLAIN, DESCRIBE, SHOW, SUMMARIZE) over the tables added. It may
// not read any other file, write any file, attach databases, install or load
// extensions, or change settings.
//
// Thread safety: one thread at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "parquet/engine.h"
#include "util/status.h"

namespace pond::sql {

enum class OutputFormat { kTable, kCsv, kJson };

// "table", "csv", "json"; InvalidArgument otherwise.
Result<OutputFormat> ParseOutputFormat(const std::string& name);

// One file behind a table.
struct SourceFile {
  std::string host_path;              // scanned in place
  std::string pond_path;              // the _path column
  std::vector<std::string> captures;  // the _1, _2, ... columns
};

struct TableSource {
  std::vector<SourceFile> files;  // must not be empty
  bool csv = false;               // raw CSV files, parsed with types inferred
  // Add _path and one column per capture (_1, _2, ...): for globs.
  bool path_columns = false;
  size_t capture_count = 0;
  // For series: rows outside [time_start, time_end) are filtered out.
  std::optional<std::string> time_column;
  std::optional<int64_t> time_start;  // micros since the epoch, inclusive
  std::optional<int64_t> time_end;    // exclusive
};

class SqlSession {
 public:
  virtual ~SqlSession() = default;

  // Makes `source` queryable as view `name` and, when `quoted` is not empty,
  // as the quoted string in FROM ('/stations/*.series'). REQUIRES: before LockDown().
  virtual Status AddTable(const std::string& name, const std::string& quoted,
                          const TableSource& source) = 0;
  // Loads `rows` as table `name` (system tables). REQUIRES: before LockDown().
  virtual Status AddRows(const std::string& name, const RowBatch& rows) = 0;
  // From now on SQL reaches only the tables added (see above).
  virtual Status LockDown() = 0;
  // Runs `sql` and writes its result to `out`. InvalidArgument, in one
  // sentence, for bad SQL, unknown tables or columns, or a statement that is
  // not allowed.
  virtual Status Query(const std::string& sql, OutputFormat format, std::ostream& out) = 0;
};

Result<std::unique_ptr<SqlSession>> OpenSqlSession();

}  // namespace pond::sql
