// Writing a DuckDB query result as text, inside the DuckDB module.
//
// A result is written chunk by chunk and column by column: each column of a
// chunk is cast to text in one vector operation (DuckDB's own casts, so a
// value reads the same as DuckDB prints it), then copied into a large buffer
// with the format's quoting. CSV and JSON chunks are formatted on several
// threads at once and written in order; at most a few chunks are held, so
// memory stays bounded however large the result. The table format keeps its
// first rows to size the columns.
#ifndef POND_SQL_RESULT_WRITER_H_
#define POND_SQL_RESULT_WRITER_H_

#include <ostream>

#include "duckdb.hpp"
#include "sql/session.h"
#include "util/status.h"

namespace pond::sql::internal {

// Writes every row of `result` to `out` in `format`. A result that fails
// part way leaves what was written; the caller checks result.HasError().
Status WriteResult(duckdb::QueryResult& result, OutputFormat format, std::ostream& out);

// How many rows the table format reads before it fixes its column widths.
inline constexpr size_t kTableSampleRows = 1000;

}  // namespace pond::sql::internal

#endif  // POND_SQL_RESULT_WRITER_H_
