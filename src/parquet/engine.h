// The Parquet engine: every Parquet read and write in DuckPond goes through here.
//
// It is DuckDB underneath, but this header names no DuckDB type, so the layers
// above (delta/, oplog/, cmd/) compile without DuckDB's headers. Loading the
// engine costs a process tens of milliseconds (the library, then a database), so
// callers open it only when they really need Parquet.
//
// Thread safety: one engine is used by one thread at a time.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <variant>
#include <vector>

#include "util/status.h"

namespace pond {

// One column of a table as a Delta schema describes it.
struct ColumnSpec {
  std::string name;
  // The Delta (Spark JSON) type: a primitive name such as "string", "long",
  // "integer", "short", "byte", "float", "double", "boolean", "binary", "date",
  // "timestamp", "timestamp_ntz", "decimal(10,2)", or, for nested types, the
  // type's JSON text ({"type":"struct",...}, {"type":"array",...}, {"type":"map",...}).
  std::string delta_type;
  bool is_partition = false;  // value comes from the file's partition values, not its data
};

// One data file of a scan and the partition values that hold for all its rows.
struct ScanFile {
  std::string path;  // a host file path DuckDB can open
  // Partition column name -> value as Delta serializes it (text), nullopt for null.
  std::map<std::string, std::optional<std::string>> partition_values;
};

struct ScanSpec {
  std::vector<ColumnSpec> columns;  // output columns, in this order
  std::vector<ScanFile> files;      // may be empty: the result has a header and no rows
};

// Rows of a small fixed schema, for files DuckPond writes itself (the pond's
// operation log). Timestamps are microseconds since the epoch, UTC.
enum class CellType { kInt64, kDouble, kBool, kString, kBinary, kTimestamp };
using Cell = std::variant<std::monostate, int64_t, double, bool, std::string>;  // monostate: NULL

struct RowColumn {
  std::string name;
  CellType type;
};

struct RowBatch {
  std::vector<RowColumn> columns;
  std::vector<std::vector<Cell>> rows;  // each row has one cell per column
};

// What a Parquet file holds, as far as storing it in a pond needs to know.
struct ParquetInfo {
  int64_t num_rows = 0;
  std::vector<std::pair<std::string, std::string>> columns;  // name, DuckDB type
  // The first of the requested time columns the file has, and its bounds as
  // microseconds since the epoch (nullopt when the column is all NULL).
  std::optional<std::string> time_column;
  std::optional<int64_t> min_time;
  std::optional<int64_t> max_time;
};

class ParquetEngine {
 public:
  virtual ~ParquetEngine() = default;

  // Writes the Delta checkpoint Parquet for `actions` (one JSON action object per
  // element, as in a commit file: {"add":{...}}, {"protocol":{...}}, ...) to the
  // host file `dest_path`. The file has the standard checkpoint schema: one row
  // per action and the struct columns txn, add, remove, metaData, protocol (only
  // one of them non-null in a row). InvalidArgument for an action it cannot map.
  virtual Status WriteCheckpoint(const std::vector<std::string>& actions,
                                 const std::string& dest_path) = 0;

  // Reads a checkpoint Parquet file (ours, Spark's or delta-rs's) back into JSON
  // action objects, one per non-null action in a row. Columns other than the
  // actions are ignored. Corruption when the file is not readable Parquet.
  virtual Result<std::vector<std::string>> ReadCheckpoint(const std::string& path) = 0;

  // Reads the rows of `spec.files` as one table with `spec.columns` and writes
  // it to `out` as CSV: a header of column names, then one line per row; NULL is
  // an empty field; fields with commas, quotes or newlines are quoted (RFC 4180).
  // Data columns missing from a file are NULL; partition values are cast from
  // text to the column's type. Corruption when a file is not readable Parquet.
  virtual Status ScanToCsv(const ScanSpec& spec, std::ostream& out) = 0;

  // Writes `batch` to the host file `dest_path` as one Parquet file (zstd),
  // with the column types of `batch.columns` (timestamps as TIMESTAMP adjusted
  // to UTC). The file is complete or absent. InvalidArgument when a cell does
  // not match its column's type.
  virtual Status WriteRows(const RowBatch& batch, const std::string& dest_path) = 0;

  // Writes `groups` Parquet files in one pass, as WriteRows writes one:
  // `group(g)` gives the rows of file g (with columns `columns`), which goes
  // to host file dest_paths[g]. Rows within a file may come in any order.
  // Each file is complete or absent.
  virtual Status WriteRowGroups(const std::vector<RowColumn>& columns,
                                const std::function<Result<RowBatch>(size_t)>& group,
                                const std::vector<std::string>& dest_paths) = 0;

  // Reads `columns` from the Parquet files at `paths`, in file order and row
  // order within a file. With `with_file_index`, each row starts with an extra
  // kInt64 cell: the index in `paths` of the file it came from. Corruption when
  // a file is not readable Parquet or lacks a column.
  // Reads the schema and row count of the Parquet file at `path` and, when
  // one of `time_columns` exists (matched case-sensitively, in order), its
  // bounds. InvalidArgument when the file is not Parquet, or the time column is
  // not a date or timestamp.
  virtual Result<ParquetInfo> InspectParquet(const std::string& path,
                                             const std::vector<std::string>& time_columns) = 0;

  // Parses the CSV file at `csv_path` with a header line, `delimiter` and
  // RFC 4180 quotes (types inferred from the first rows, as DuckDB does) and
  // writes its rows to `parquet_path`, complete or absent. InvalidArgument in
  // one sentence naming the line (and column) when a value does not fit, e.g.
  // a text in a column the rows before it made numeric; it never names
  // `parquet_path`. Check the file's shape first (csv_shape.h).
  virtual Status CsvToParquet(const std::string& csv_path, char delimiter,
                              const std::string& parquet_path) = 0;

  // Writes the rows of the Parquet files at `paths` (the columns `columns`,
  // matched by name) to the host file `dest_path` as one file, as WriteRows
  // writes one, in file order and row order within a file. Before it returns
  // it reads the new file back and checks that it holds exactly the inputs'
  // rows (their count and the sum of a hash of every row); the file is
  // complete and checked, or absent. Returns the number of rows. Corruption
  // when an input is not readable Parquet with those columns, or the check
  // fails.
  virtual Result<int64_t> MergeFiles(const std::vector<std::string>& paths,
                                     const std::vector<RowColumn>& columns,
                                     const std::string& dest_path) = 0;

  virtual Result<RowBatch> ReadRows(const std::vector<std::string>& paths,
                                    const std::vector<RowColumn>& columns,
                                    bool with_file_index) = 0;
};

// Opens an in-memory engine with no external access beyond the files it is given.
Result<std::unique_ptr<ParquetEngine>> OpenParquetEngine();

}  // namespace pond
