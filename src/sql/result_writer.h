// Writing a DuckDB query result as text, inside the DuckDB module.
//
// A result is written chunk by chunk and column by column: each column of a
// chunk is cast to text in one vector operation (DuckDB's own casts, so a
// value reads the same as DuckDB prints it), then copied into a large output
// buffer with the format's quoting. Nothing holds more than one chunk, except
// the table format, which keeps its first rows to size the columns.
#ifndef POND_SQL_RESULT_WRITER_H_
#define POND_SQL_RESULT_WRITER_H_

#include <ostream>

#include "duckdb.hpp"
#include "sql/session.h"
#include "util/status.h"

namespace pond::sql::internal {

// Writes every row of `result` to `out` in `format`. `context` is the
// result's client context (its time zone formats timestamps with zones).
Status WriteResult(duckdb::ClientContext& context, duckdb::QueryResult& result,
                   OutputFormat format, std::ostream& out);

// How many rows the table format reads before it fixes its column widths.
inline constexpr size_t kTableSampleRows = 1000;

}  // namespace pond::sql::internal

#endif  // POND_SQL_RESULT_WRITER_H_
