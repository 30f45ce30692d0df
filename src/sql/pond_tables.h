// Pond files as SQL tables: which Parquet (or CSV) files stand behind a pond
// path or glob, and the system tables over the operation log.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "sql/session.h"
#include "tinyfs/fs.h"
#include "tlogfs/pond.h"

namespace pond::sql {

// A private folder for the bytes of inline (small) files that DuckDB must read
// as files. Removed, with what it holds, when the object dies.
class ScratchFiles {
 public:
  ScratchFiles() = default;
  ~ScratchFiles();
  ScratchFiles(const ScratchFiles&) = delete;
  ScratchFiles& operator=(const ScratchFiles&) = delete;
  // A host file holding `bytes`, named by `sha256` (written once).
  Result<std::string> Hold(const std::string& sha256, const std::string& bytes);

 private:
  std::string dir_;
};

struct PondTableOptions {
  std::optional<int64_t> version;     // a table's version (default: latest)
  std::optional<int64_t> time_start;  // series: skip versions and rows before (micros)
  std::optional<int64_t> time_end;    // series: ... at or after
  bool csv = false;                   // read raw data files as CSV
  // When set, matches it refuses are skipped rather than errors, and a
  // pattern that matches nothing it accepts gives a source with no files.
  std::function<bool(tinyfs::EntryType)> accept;
  // Leave stored versions' host_path empty (nothing is read or verified):
  // for callers that need only the files' identities, and read some of them
  // later with ReadSourceFiles.
  bool defer_reads = false;
};

// The files behind `pattern` (a pond path or glob): the chosen version of each
// table, every version of each series whose time bounds meet the requested
// range (the rest are not read at all), or raw CSV files with `csv`. A
// dynamic table or series is computed (fs.ComputeDynamic) and read as one file. Every
// blob is checked against its hash before DuckDB may scan it.
// NotFound when nothing matches; InvalidArgument when a match is not a table
// or series (or, with csv, not a file); Corruption naming the path when
// stored content is damaged.
Result<TableSource> ResolvePondTable(tinyfs::FS& fs, tlogfs::Pond& pond, const std::string& pattern,
                                     const PondTableOptions& options, ScratchFiles& scratch);

// Fills the empty host paths of `source`'s files (see defer_reads), each
// checked against its hash.
Status ReadSourceFiles(tinyfs::FS& fs, tlogfs::Pond& pond, TableSource& source,
                       ScratchFiles& scratch);

// Sets `session` up for `sql`: quoted pond paths and globs ('/a/*.series',
// or 'csv:///a/b.csv' for a raw CSV file) resolve when DuckDB binds them, and
// the system tables pond_entries and pond_transactions are loaded when the
// SQL mentions them. `fs`, `pond` and `scratch` must outlive the session.
Status PrepareQuery(SqlSession& session, tinyfs::FS& fs, tlogfs::Pond& pond, const std::string& sql,
                    ScratchFiles& scratch);

// One column of a table's or series' schema: its name and DuckDB type.
using SchemaColumn = std::pair<std::string, std::string>;

// The columns a version recorded at import (attributes "columns"); empty when
// it recorded none.
std::vector<SchemaColumn> VersionColumns(const tinyfs::NodeVersion& v);

// The schema of a series read as the union of its versions: every column in
// the order first seen, with its type.
std::vector<SchemaColumn> MergedColumns(const std::vector<tinyfs::NodeVersion>& versions);

// The metadata of a new version of a stored table or series that holds the
// Parquet file `info` describes: its rows and columns, and for a series its
// time column and event-time bounds (REQUIRES: info.time_column for a series).
tinyfs::VersionMeta TabularMeta(const ParquetInfo& info, bool series);

// OK when a new version described by `info` keeps the types of the columns
// the earlier versions of series `node` have (new columns are fine: they
// read as NULL in older versions); InvalidArgument naming the column otherwise.
Status CheckSeriesColumns(tinyfs::FS& fs, const tinyfs::Node& node, const ParquetInfo& info);

}  // namespace pond::sql
