// A Delta table's schema: the Spark JSON struct type in metaData.schemaString.
#pragma once

#include <string>
#include <vector>

#include "delta/actions.h"
#include "parquet/engine.h"
#include "util/status.h"

namespace pond::delta {

struct Field {
  std::string name;
  // A primitive type name ("long", "decimal(5,3)"), or the JSON text of a nested type.
  std::string type;
  bool nullable = true;
};

// Parses a schemaString. Corruption when it is not a JSON struct type.
Result<std::vector<Field>> ParseSchema(const std::string& schema_string);

// Builds a schemaString from fields (each `type` a primitive name or nested JSON).
std::string SchemaString(const std::vector<Field>& fields);

// The table's columns in schema order, partition columns marked; partition
// columns that the schema lacks are an error (Corruption).
Result<std::vector<ColumnSpec>> TableColumns(const Metadata& metadata);

}  // namespace pond::delta
