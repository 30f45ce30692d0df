// The column-rename transform, as the other factories apply it.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "factory/factory.h"

namespace pond::factory {

// One output column of a transform: the SQL that computes it, its name and type.
struct RenamedColumn {
  std::string expression;
  std::string name;
  std::string type;
};

// Applies column-rename `config` to `columns` (name, DuckDB type): for each
// column the first matching rule renames (and casts) it; other columns pass
// unchanged. InvalidArgument when two columns end with one name.
Result<std::vector<RenamedColumn>> RenameColumns(
    const ParsedConfig& config, const std::vector<std::pair<std::string, std::string>>& columns);

}  // namespace pond::factory
