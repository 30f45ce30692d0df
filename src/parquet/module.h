// The DuckDB module (libpond_duckdb.so): everything that links DuckDB lives in
// it and is loaded on first use, so commands that need no SQL or Parquet never
// pay for loading DuckDB. See engine_loader.cc for where it is looked for.
#pragma once

#include "util/status.h"

namespace pond {

// The address of the module's extern "C" entry point `name`, loading the
// module on first use. NotFound when the module cannot be loaded.
Result<void*> DuckDbModuleSymbol(const char* name);

}  // namespace pond
