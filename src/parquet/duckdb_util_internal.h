// Helpers shared by the translation units of the DuckDB module
// (libpond_duckdb.so): error mapping, CSV fields, result iteration. Includes
// duckdb.hpp: never include this outside parquet/ and sql/ module sources.
#pragma once

#include <filesystem>
#include <functional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "duckdb.hpp"
#include "parquet/delta_types_internal.h"
#include "parquet/engine.h"
#include "util/status.h"

namespace pond::parquet_internal {

// Maps a DuckDB error to a Status. I/O failures keep their own codes; mistakes
// in our SQL are Internal; anything else is about the data, so it gets
// `data_code` (Corruption for files we read, InvalidArgument for our inputs).
inline Status FromDuckDb(const duckdb::ErrorData& error, StatusCode data_code,
                         const std::string& context) {
  const std::string message = context + ": " + error.RawMessage();
  switch (error.Type()) {
    case duckdb::ExceptionType::IO:
      if (error.RawMessage().find("No files found") != std::string::npos) {
        return Status::NotFound(message);
      }
      return Status::IOError(message);
    case duckdb::ExceptionType::PARSER:
    case duckdb::ExceptionType::INTERNAL:
    case duckdb::ExceptionType::FATAL:
      return Status::Internal(message);
    case duckdb::ExceptionType::OUT_OF_MEMORY:
      return Status::IOError(message);
    default:
      return Status(data_code, message);
  }
}

// Runs `body`, turning any exception into a Status through FromDuckDb.
inline Status Guard(StatusCode data_code, const std::string& context,
                    const std::function<Status()>& body) {
  try {
    return body();
  } catch (const std::exception& e) {
    return FromDuckDb(duckdb::ErrorData(e), data_code, context);
  }
}

// A SQL list literal of file paths: ['a', 'b'].
inline std::string PathList(const std::vector<std::string>& paths) {
  std::string sql = "[";
  for (size_t i = 0; i < paths.size(); ++i) sql += (i ? ", " : "") + SqlString(paths[i]);
  return sql + "]";
}

// Appends `field` to `line` as one CSV field (RFC 4180). An empty string is
// quoted so that it differs from NULL, which is an empty field.
inline void AppendCsvField(std::string_view field, std::string& line) {
  if (!field.empty() && field.find_first_of(",\"\r\n") == std::string_view::npos) {
    line.append(field);
    return;
  }
  line += '"';
  for (char c : field) {
    if (c == '"') line += '"';
    line += c;
  }
  line += '"';
}

inline Status WriteOut(const std::string& text, std::ostream& out) {
  out.write(text.data(), static_cast<std::streamsize>(text.size()));
  return out ? Status::OK() : Status::IOError("cannot write the CSV output");
}

// Calls `row` for each row of a result whose columns are all VARCHAR, with a
// pointer per column (nullptr for NULL) valid only during the call.
inline Status ForEachRow(
    duckdb::QueryResult& result,
    const std::function<void(const std::vector<const char*>&, const std::vector<uint32_t>&)>& row) {
  const size_t width = result.types.size();
  std::vector<duckdb::UnifiedVectorFormat> formats(width);
  std::vector<const char*> values(width);
  std::vector<uint32_t> sizes(width);
  while (auto chunk = result.Fetch()) {
    if (chunk->size() == 0) break;
    for (size_t c = 0; c < width; ++c) chunk->data[c].ToUnifiedFormat(chunk->size(), formats[c]);
    for (duckdb::idx_t r = 0; r < chunk->size(); ++r) {
      for (size_t c = 0; c < width; ++c) {
        const duckdb::idx_t index = formats[c].sel->get_index(r);
        if (!formats[c].validity.RowIsValid(index)) {
          values[c] = nullptr;
          continue;
        }
        const duckdb::string_t& text =
            duckdb::UnifiedVectorFormat::GetData<duckdb::string_t>(formats[c])[index];
        values[c] = text.GetData();
        sizes[c] = text.GetSize();
      }
      row(values, sizes);
    }
  }
  if (result.HasError()) {
    return FromDuckDb(result.GetErrorObject(), StatusCode::kCorruption, "cannot read a result");
  }
  return Status::OK();
}

inline const char* CellSqlType(CellType type) {
  switch (type) {
    case CellType::kInt64:
      return "BIGINT";
    case CellType::kDouble:
      return "DOUBLE";
    case CellType::kBool:
      return "BOOLEAN";
    case CellType::kString:
      return "VARCHAR";
    case CellType::kBinary:
      return "BLOB";
    case CellType::kTimestamp:
      return "TIMESTAMPTZ";
  }
  return "VARCHAR";
}

// The DuckDB value of one cell; InvalidArgument when it does not fit `type`.
inline Result<duckdb::Value> CellValue(const Cell& cell, CellType type) {
  if (std::holds_alternative<std::monostate>(cell)) return duckdb::Value();
  switch (type) {
    case CellType::kInt64:
      if (auto* v = std::get_if<int64_t>(&cell)) return duckdb::Value::BIGINT(*v);
      break;
    case CellType::kTimestamp:
      if (auto* v = std::get_if<int64_t>(&cell)) {
        return duckdb::Value::TIMESTAMPTZ(duckdb::timestamp_tz_t(*v));
      }
      break;
    case CellType::kDouble:
      if (auto* v = std::get_if<double>(&cell)) return duckdb::Value::DOUBLE(*v);
      break;
    case CellType::kBool:
      if (auto* v = std::get_if<bool>(&cell)) return duckdb::Value::BOOLEAN(*v);
      break;
    case CellType::kString:
      if (auto* v = std::get_if<std::string>(&cell)) return duckdb::Value(*v);
      break;
    case CellType::kBinary:
      if (auto* v = std::get_if<std::string>(&cell)) {
        return duckdb::Value::BLOB(reinterpret_cast<duckdb::const_data_ptr_t>(v->data()),
                                   v->size());
      }
      break;
  }
  return Status::InvalidArgument("a cell does not match its column's type");
}

// The CREATE TABLE statement for a table `name` shaped like `batch` (no rows).
inline std::string CreateTableSql(const std::string& name, const RowBatch& batch, bool temporary) {
  std::string sql = std::string("CREATE OR REPLACE ") + (temporary ? "TEMP " : "") + "TABLE " +
                    SqlIdentifier(name) + " (";
  for (size_t c = 0; c < batch.columns.size(); ++c) {
    sql += (c ? ", " : "") + SqlIdentifier(batch.columns[c].name) + " " +
           CellSqlType(batch.columns[c].type);
  }
  return sql + ")";
}

// Appends `batch`'s rows to a table made by CreateTableSql. InvalidArgument
// when a row or a cell does not fit the columns.
// With `extra`, each row ends with one more cell, that value, and the
// appender stays open for more rows (the caller closes it).
inline Status AppendRows(duckdb::Appender& appender, const RowBatch& batch,
                         std::optional<int64_t> extra = std::nullopt) {
  for (const auto& row : batch.rows) {
    if (row.size() != batch.columns.size()) {
      return Status::InvalidArgument("a row has " + std::to_string(row.size()) + " cells for " +
                                     std::to_string(batch.columns.size()) + " columns");
    }
    appender.BeginRow();
    for (size_t c = 0; c < row.size(); ++c) {
      ASSIGN_OR_RETURN(duckdb::Value v, CellValue(row[c], batch.columns[c].type));
      appender.Append(v);
    }
    if (extra) appender.Append<int64_t>(*extra);
    appender.EndRow();
  }
  if (!extra) appender.Close();
  return Status::OK();
}

// Runs `write` against `dest_path + ".tmp"`, then renames it over
// `dest_path`: the destination is complete or absent, and no temporary file
// outlives a failure. `write` runs under Guard with `data_code`.
inline Status WriteThenRename(const std::string& dest_path, StatusCode data_code,
                              const std::string& context,
                              const std::function<Status(const std::string&)>& write) {
  const std::string tmp_path = dest_path + ".tmp";
  Status status = Guard(data_code, context, [&] { return write(tmp_path); });
  std::error_code ec;
  if (status.ok()) {
    std::filesystem::rename(tmp_path, dest_path, ec);
    if (ec) status = Status::IOError("cannot rename " + tmp_path + ": " + ec.message());
  }
  if (!status.ok()) std::filesystem::remove(tmp_path, ec);
  return status;
}

}  // namespace pond::parquet_internal
