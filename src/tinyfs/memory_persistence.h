// Persistence in memory, for tests of the filesystem with no Delta and no
// DuckDB. Same contract as the operation log, latest state only (no --as-of).
#pragma once

#include <memory>

#include "tinyfs/persistence.h"

namespace pond::tinyfs {

// Returns a store holding only the root directory (version 1, transaction 1).
std::unique_ptr<Persistence> NewMemoryPersistence();

}  // namespace pond::tinyfs
