// Helpers shared by the translation units of the DuckDB module
// (libpond_duckdb.so): error mapping, CSV fields, result iteration. Includes
// duckdb.hpp: never include this outside parquet/ and sql/ module sources.
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
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

// The DuckDB type of a column of `type`.
inline duckdb::LogicalType CellLogicalType(CellType type) {
  switch (type) {
    case CellType::kInt64:
      return duckdb::LogicalType::BIGINT;
    case CellType::kDouble:
      return duckdb::LogicalType::DOUBLE;
    case CellType::kBool:
      return duckdb::LogicalType::BOOLEAN;
    case CellType::kString:
      return duckdb::LogicalType::VARCHAR;
    case CellType::kBinary:
      return duckdb::LogicalType::BLOB;
    case CellType::kTimestamp:
      return duckdb::LogicalType::TIMESTAMP_TZ;
  }
  return duckdb::LogicalType::VARCHAR;
}

// Writes `cell` into row `row` of `vector`, a flat vector of
// CellLogicalType(type); InvalidArgument when it does not fit `type`.
inline Status SetCell(duckdb::Vector& vector, duckdb::idx_t row, const Cell& cell, CellType type) {
  if (std::holds_alternative<std::monostate>(cell)) {
    duckdb::FlatVector::SetNull(vector, row, true);
    return Status::OK();
  }
  switch (type) {
    case CellType::kInt64:
      if (auto* v = std::get_if<int64_t>(&cell)) {
        duckdb::FlatVector::GetData<int64_t>(vector)[row] = *v;
        return Status::OK();
      }
      break;
    case CellType::kTimestamp:
      if (auto* v = std::get_if<int64_t>(&cell)) {
        duckdb::FlatVector::GetData<duckdb::timestamp_tz_t>(vector)[row] =
            duckdb::timestamp_tz_t(*v);
        return Status::OK();
      }
      break;
    case CellType::kDouble:
      if (auto* v = std::get_if<double>(&cell)) {
        duckdb::FlatVector::GetData<double>(vector)[row] = *v;
        return Status::OK();
      }
      break;
    case CellType::kBool:
      if (auto* v = std::get_if<bool>(&cell)) {
        duckdb::FlatVector::GetData<bool>(vector)[row] = *v;
        return Status::OK();
      }
      break;
    case CellType::kString:
    case CellType::kBinary:
      if (auto* v = std::get_if<std::string>(&cell)) {
        duckdb::FlatVector::GetData<duckdb::string_t>(vector)[row] =
            duckdb::StringVector::AddStringOrBlob(vector, v->data(), v->size());
        return Status::OK();
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
           CellLogicalType(batch.columns[c].type).ToString();
  }
  return sql + ")";
}

// Appends `batch`'s rows to a table made by CreateTableSql. InvalidArgument
// when a row or a cell does not fit the columns.
// With `extra`, each row ends with one more cell, that value, and the
// appender stays open for more rows (the caller closes it).
// The cells go straight into the vectors of a chunk of up to 2,048 rows, which
// is appended whole: no duckdb::Value (an allocation per string) per cell.
inline Status AppendRows(duckdb::Appender& appender, const RowBatch& batch,
                         std::optional<int64_t> extra = std::nullopt) {
  const size_t width = batch.columns.size();
  duckdb::vector<duckdb::LogicalType> types;
  for (const RowColumn& column : batch.columns) types.push_back(CellLogicalType(column.type));
  if (extra) types.push_back(duckdb::LogicalType::BIGINT);
  duckdb::DataChunk chunk;
  chunk.Initialize(duckdb::Allocator::DefaultAllocator(), types);
  duckdb::idx_t filled = 0;
  auto append = [&] {
    chunk.SetCardinality(filled);
    appender.AppendDataChunk(chunk);
    chunk.Reset();
    filled = 0;
  };
  for (const auto& row : batch.rows) {
    if (row.size() != width) {
      return Status::InvalidArgument("a row has " + std::to_string(row.size()) + " cells for " +
                                     std::to_string(width) + " columns");
    }
    for (size_t c = 0; c < width; ++c) {
      RETURN_IF_ERROR(SetCell(chunk.data[c], filled, row[c], batch.columns[c].type));
    }
    if (extra) duckdb::FlatVector::GetData<int64_t>(chunk.data[width])[filled] = *extra;
    if (++filled == STANDARD_VECTOR_SIZE) append();
  }
  if (filled > 0) append();
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
