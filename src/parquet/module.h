// The DuckDB module (libpond_duckdb.so): everything that links DuckDB lives in
// it and is loaded on first use, so commands that need no SQL or Parquet never
// pay for loading DuckDB. See engine_loader.cc for where it is looked for.
#pragma once

#include "util/status.h"

namespace pond {

// Names the interfaces the module implements (engine.h, sql/session.h). Bump it
// when either changes: the loader refuses a module built for another value,
// rather than crash on a stale one.
inline constexpr const char* kDuckDbModuleAbi = "pond-duckdb-module 4";

// The address of the module's extern "C" entry point `name`, loading the
// module on first use. NotFound when the module cannot be loaded.
Result<void*> DuckDbModuleSymbol(const char* name);

}  // namespace pond
