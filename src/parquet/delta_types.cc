#include <cctype>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>

#include "parquet/delta_types_internal.h"

namespace pond::parquet_internal {
namespace {

using nlohmann::json;

// Nested types can nest arbitrarily in principle; a bound keeps a hostile
// schema from exhausting the stack.
constexpr int kMaxNesting = 64;

Result<std::string> PrimitiveToSql(const std::string& name) {
  static const std::map<std::string, std::string> kPrimitives = {
      {"string", "VARCHAR"},
      {"long", "BIGINT"},
      {"integer", "INTEGER"},
      {"short", "SMALLINT"},
      {"byte", "TINYINT"},
      {"float", "FLOAT"},
      {"double", "DOUBLE"},
      {"boolean", "BOOLEAN"},
      {"binary", "BLOB"},
      {"date", "DATE"},
      {"timestamp", "TIMESTAMP WITH TIME ZONE"},
      {"timestamp_ntz", "TIMESTAMP"},
  };
  if (auto it = kPrimitives.find(name); it != kPrimitives.end()) return it->second;
  // "decimal(p,s)", allowing the spaces hand-written schemas sometimes contain.
  static const std::regex kDecimal(R"(decimal\(\s*(\d{1,2})\s*,\s*(\d{1,2})\s*\))");
  std::smatch match;
  if (std::regex_match(name, match, kDecimal)) {
    const int precision = std::stoi(match[1].str());
    const int scale = std::stoi(match[2].str());
    if (precision < 1 || precision > 38 || scale > precision) {
      return Status::InvalidArgument("decimal type " + name + " is out of range");
    }
    return "DECIMAL(" + std::to_string(precision) + "," + std::to_string(scale) + ")";
  }
  return Status::InvalidArgument("unknown Delta type \"" + name + "\"");
}

Result<std::string> JsonTypeToSql(const json& type, int depth) {
  if (depth > kMaxNesting) return Status::InvalidArgument("Delta type is nested too deeply");
  if (type.is_string()) return PrimitiveToSql(type.get<std::string>());
  if (!type.is_object() || !type.contains("type") || !type["type"].is_string()) {
    return Status::InvalidArgument("Delta type " + type.dump() +
                                   " is neither a name nor an object");
  }
  const std::string kind = type["type"].get<std::string>();
  if (kind == "struct") {
    if (!type.contains("fields") || !type["fields"].is_array() || type["fields"].empty()) {
      return Status::InvalidArgument("struct type has no fields");
    }
    std::string sql = "STRUCT(";
    bool first = true;
    for (const json& field : type["fields"]) {
      if (!field.is_object() || !field.contains("name") || !field["name"].is_string() ||
          !field.contains("type")) {
        return Status::InvalidArgument("struct field " + field.dump() + " lacks a name or type");
      }
      ASSIGN_OR_RETURN(std::string child, JsonTypeToSql(field["type"], depth + 1));
      if (!first) sql += ", ";
      first = false;
      sql += SqlIdentifier(field["name"].get<std::string>()) + " " + child;
    }
    return sql + ")";
  }
  if (kind == "array") {
    if (!type.contains("elementType"))
      return Status::InvalidArgument("array type lacks elementType");
    ASSIGN_OR_RETURN(std::string element, JsonTypeToSql(type["elementType"], depth + 1));
    return element + "[]";
  }
  if (kind == "map") {
    if (!type.contains("keyType") || !type.contains("valueType")) {
      return Status::InvalidArgument("map type lacks keyType or valueType");
    }
    ASSIGN_OR_RETURN(std::string key, JsonTypeToSql(type["keyType"], depth + 1));
    ASSIGN_OR_RETURN(std::string value, JsonTypeToSql(type["valueType"], depth + 1));
    return "MAP(" + key + ", " + value + ")";
  }
  return Status::InvalidArgument("unknown nested Delta type \"" + kind + "\"");
}

}  // namespace

Result<std::string> DeltaTypeToSql(const std::string& delta_type) {
  size_t start = 0;
  while (start < delta_type.size() && std::isspace(static_cast<unsigned char>(delta_type[start]))) {
    ++start;
  }
  if (start == delta_type.size() || delta_type[start] != '{') return PrimitiveToSql(delta_type);
  json parsed = json::parse(delta_type, /*cb=*/nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) {
    return Status::InvalidArgument("Delta type is not valid JSON: " + delta_type.substr(0, 80));
  }
  return JsonTypeToSql(parsed, 0);
}

}  // namespace pond::parquet_internal
