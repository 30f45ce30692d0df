#include "delta/schema.h"

#include <algorithm>
#include <nlohmann/json.hpp>

namespace pond::delta {

using nlohmann::json;

Result<std::vector<Field>> ParseSchema(const std::string& schema_string) {
  json j = json::parse(schema_string, nullptr, false);
  if (j.is_discarded() || !j.is_object() || j.value("type", "") != "struct" ||
      !j.contains("fields") || !j["fields"].is_array()) {
    return Status::Corruption("the table schema is not a JSON struct type");
  }
  std::vector<Field> fields;
  for (const json& f : j["fields"]) {
    if (!f.is_object() || !f.contains("name") || !f["name"].is_string() || !f.contains("type")) {
      return Status::Corruption("a field of the table schema has no name or type");
    }
    Field field;
    field.name = f["name"].get<std::string>();
    const json& t = f["type"];
    if (t.is_string()) {
      field.type = t.get<std::string>();
    } else if (t.is_object()) {
      field.type = t.dump();
    } else {
      return Status::Corruption("field '" + field.name + "' of the table schema has a bad type");
    }
    field.nullable = f.value("nullable", true);
    fields.push_back(std::move(field));
  }
  return fields;
}

std::string SchemaString(const std::vector<Field>& fields) {
  json arr = json::array();
  for (const Field& f : fields) {
    json t = f.type.starts_with("{") ? json::parse(f.type, nullptr, false) : json(f.type);
    if (t.is_discarded()) t = json(f.type);
    arr.push_back(
        {{"name", f.name}, {"type", t}, {"nullable", f.nullable}, {"metadata", json::object()}});
  }
  return json{{"type", "struct"}, {"fields", arr}}.dump();
}

Result<std::vector<ColumnSpec>> TableColumns(const Metadata& metadata) {
  ASSIGN_OR_RETURN(std::vector<Field> fields, ParseSchema(metadata.schema_string));
  std::vector<ColumnSpec> columns;
  for (const Field& f : fields) {
    bool part = std::find(metadata.partition_columns.begin(), metadata.partition_columns.end(),
                          f.name) != metadata.partition_columns.end();
    columns.push_back({f.name, f.type, part});
  }
  for (const std::string& p : metadata.partition_columns) {
    bool found =
        std::any_of(fields.begin(), fields.end(), [&](const Field& f) { return f.name == p; });
    if (!found)
      return Status::Corruption("partition column '" + p + "' is not in the table schema");
  }
  return columns;
}

}  // namespace pond::delta
