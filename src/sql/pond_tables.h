// Pond files as SQL tables: which Parquet (or CSV) files stand behind a pond
// path or glob, and the system tables over the operation log.
#pragma once

#include <optional>
#include <string>

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
};

// The files behind `pattern` (a pond path or glob): the chosen version of each
// table, every version of each series whose time bounds meet the requested
// range (the rest are not read at all), or raw CSV files with `csv`.
// NotFound when nothing matches; InvalidArgument when a match is not a table
// or series (or, with csv, not a file).
Result<TableSource> ResolvePondTable(tinyfs::FS& fs, tlogfs::Pond& pond, const std::string& pattern,
                                     const PondTableOptions& options, ScratchFiles& scratch);

// Adds to `session` every table `sql` names: each single-quoted pond path or
// glob ('/a/*.series', or 'csv:///a/b.csv' for a raw CSV file) and the system
// tables pond_entries and pond_transactions when the SQL mentions them.
Status AddQueryTables(SqlSession& session, tinyfs::FS& fs, tlogfs::Pond& pond,
                      const std::string& sql, ScratchFiles& scratch);

}  // namespace pond::sql
