// SQL text helpers for the DuckDB engine that need no DuckDB headers: quoting,
// and the mapping from Delta (Spark JSON) types to DuckDB type names. Kept apart
// from duckdb_engine.cc so they compile and test in seconds.
#pragma once

#include <string>

#include "util/status.h"
#include "util/text.h"

namespace pond::parquet_internal {

using ::pond::SqlIdentifier;  // util/text.h
using ::pond::SqlString;

// The DuckDB type for a Delta type: a primitive name ("long", "decimal(5,3)")
// or a nested type's JSON text ({"type":"struct",...}). InvalidArgument for a
// type Delta does not define or that is malformed.
Result<std::string> DeltaTypeToSql(const std::string& delta_type);

}  // namespace pond::parquet_internal
