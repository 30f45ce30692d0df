// ParquetEngine over an in-memory DuckDB database: the one translation unit in
// parquet/ that includes duckdb.hpp (it costs ~15 s to compile).
//
// Every DuckDB call sits behind a try/catch or a result error check, so no
// exception leaves this file; errors become a Status with one sentence.
#include <filesystem>
#include <regex>
#include <functional>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "duckdb.hpp"
#include "parquet/delta_types_internal.h"
#include "parquet/duckdb_util_internal.h"
#include "parquet/engine.h"
#include "parquet/module.h"

namespace pond {
namespace {

using parquet_internal::AppendCsvField;
using parquet_internal::AppendRows;
using parquet_internal::CreateTableSql;
using parquet_internal::ForEachRow;
using parquet_internal::FromDuckDb;
using parquet_internal::Guard;
using parquet_internal::PathList;
using parquet_internal::WriteOut;
using parquet_internal::WriteThenRename;

using parquet_internal::DeltaTypeToSql;
using parquet_internal::SqlIdentifier;
using parquet_internal::SqlString;

// The five action columns of a checkpoint, with the field each action cannot
// lack. Some writers store an absent action as a struct whose fields are all
// null rather than as a null struct, so "present" means the key field is set.
struct ActionColumn {
  const char* name;
  const char* key_field;
  const char* sql_type;  // the standard checkpoint schema, in Spark's field order
};
constexpr ActionColumn kActionColumns[] = {
    {"txn", "appId", "STRUCT(appId VARCHAR, version BIGINT, lastUpdated BIGINT)"},
    {"add", "path",
     "STRUCT(path VARCHAR, partitionValues MAP(VARCHAR, VARCHAR), size BIGINT, "
     "modificationTime BIGINT, dataChange BOOLEAN, stats VARCHAR, tags MAP(VARCHAR, VARCHAR))"},
    {"remove", "path",
     "STRUCT(path VARCHAR, deletionTimestamp BIGINT, dataChange BOOLEAN, "
     "extendedFileMetadata BOOLEAN, partitionValues MAP(VARCHAR, VARCHAR), size BIGINT)"},
    {"metaData", "id",
     "STRUCT(id VARCHAR, name VARCHAR, description VARCHAR, format STRUCT(provider VARCHAR, "
     "options MAP(VARCHAR, VARCHAR)), schemaString VARCHAR, partitionColumns VARCHAR[], "
     "configuration MAP(VARCHAR, VARCHAR), createdTime BIGINT)"},
    {"protocol", "minReaderVersion", "STRUCT(minReaderVersion INTEGER, minWriterVersion INTEGER)"},
};

// Scratch tables live in the engine's private in-memory database.
constexpr char kActionsTable[] = "pond_checkpoint_actions";
constexpr char kPartitionsTable[] = "pond_scan_partitions";
constexpr char kRowsTable[] = "pond_rows";
constexpr char kGroupColumn[] = "__pond_group";  // WriteRowGroups: the file of each row

// One sentence for a CSV file DuckDB could not import. DuckDB's errors say
// "CSV Error on Line: N" and, for a value that does not fit the type sampled
// from the rows before it, which column and value; they also name every
// option and path, which a person does not need.
Status CsvImportError(const std::string& message) {
  std::smatch m;
  std::string line;
  static const std::regex kLine(R"(CSV Error on Line: (\d+))");
  if (std::regex_search(message, m, kLine)) line = m[1].str();
  static const std::regex kConvert(
      R"re(converting column "([^"]*)"\. Could not convert string "([^"]*)" to '([^']*)')re");
  if (std::regex_search(message, m, kConvert)) {
    return Status::InvalidArgument((line.empty() ? std::string("a row") : "line " + line) +
                                   ", column '" + m[1].str() + "' holds '" + m[2].str() +
                                   "', which is not a " + m[3].str() +
                                   " like the rows before it");
  }
  std::string first = message.substr(0, message.find('\n'));
  if (!line.empty()) return Status::InvalidArgument("line " + line + ": " + first);
  return Status::InvalidArgument(first);
}

class DuckDbEngine final : public ParquetEngine {
 public:
  DuckDbEngine(std::unique_ptr<duckdb::DuckDB> db, std::unique_ptr<duckdb::Connection> con)
      : db_(std::move(db)), con_(std::move(con)) {}

  Status WriteCheckpoint(const std::vector<std::string>& actions,
                         const std::string& dest_path) override {
    Status status = WriteThenRename(
        dest_path, StatusCode::kInvalidArgument, "cannot write checkpoint " + dest_path,
        [&](const std::string& tmp) { return WriteCheckpointTo(actions, tmp); });
    DropScratchTable(kActionsTable);
    return status;
  }

  Result<std::vector<std::string>> ReadCheckpoint(const std::string& path) override {
    std::vector<std::string> actions;
    RETURN_IF_ERROR(Guard(StatusCode::kCorruption, path + " is not a readable checkpoint",
                          [&] { return ReadCheckpointInto(path, actions); }));
    return actions;
  }

  Status WriteRows(const RowBatch& batch, const std::string& dest_path) override {
    Status status = WriteThenRename(
        dest_path, StatusCode::kInvalidArgument, "cannot write Parquet file " + dest_path,
        [&](const std::string& tmp) { return WriteRowsTo(batch, tmp); });
    DropScratchTable(kRowsTable);
    return status;
  }

  Status WriteRowGroups(const std::vector<RowColumn>& columns,
                        const std::function<Result<RowBatch>(size_t)>& group,
                        const std::vector<std::string>& dest_paths) override {
    if (dest_paths.empty()) return Status::OK();
    const std::string folder = dest_paths.front() + ".groups";
    Status status = Guard(StatusCode::kInvalidArgument, "cannot write Parquet files",
                          [&] { return WriteGroupsTo(columns, group, folder, dest_paths); });
    DropScratchTable(kRowsTable);
    std::error_code ec;
    std::filesystem::remove_all(folder, ec);
    if (!status.ok()) {
      for (const std::string& path : dest_paths) std::filesystem::remove(path, ec);
    }
    return status;
  }

  Result<int64_t> MergeFiles(const std::vector<std::string>& paths,
                             const std::vector<RowColumn>& columns,
                             const std::string& dest_path) override {
    int64_t rows = 0;
    RETURN_IF_ERROR(WriteThenRename(
        dest_path, StatusCode::kCorruption, "cannot merge Parquet files into " + dest_path,
        [&](const std::string& tmp) { return MergeInto(paths, columns, tmp, rows); }));
    return rows;
  }

  Result<ParquetInfo> InspectParquet(const std::string& path,
                                     const std::vector<std::string>& time_columns) override {
    ParquetInfo info;
    RETURN_IF_ERROR(Guard(StatusCode::kInvalidArgument, path + " is not a readable Parquet file",
                          [&] { return Inspect(path, time_columns, info); }));
    return info;
  }

  Status CsvToParquet(const std::string& csv_path, char delimiter,
                      const std::string& parquet_path) override {
    std::string dialect = ", header = true, delim = " + SqlString(std::string(1, delimiter)) +
                          ", quote = '\"', escape = '\"', strict_mode = true";
    Status status = WriteThenRename(
        parquet_path, StatusCode::kInvalidArgument, "the CSV file cannot be read",
        [&](const std::string& tmp) {
          auto r = con_->Query("COPY (SELECT * FROM read_csv(" + SqlString(csv_path) + dialect +
                               ")) TO " + SqlString(tmp) + " (FORMAT parquet)");
          if (r->HasError()) return CsvImportError(r->GetErrorObject().RawMessage());
          return Status::OK();
        });
    return status;
  }

  Result<RowBatch> ReadRows(const std::vector<std::string>& paths,
                            const std::vector<RowColumn>& columns, bool with_file_index) override {
    RowBatch batch;
    RETURN_IF_ERROR(Guard(StatusCode::kCorruption, "cannot read Parquet rows",
                          [&] { return ReadRowsInto(paths, columns, with_file_index, batch); }));
    return batch;
  }

  Status ScanToCsv(const ScanSpec& spec, std::ostream& out) override {
    Status status = Guard(StatusCode::kCorruption, "cannot scan the table's Parquet files",
                          [&] { return Scan(spec, out); });
    DropScratchTable(kPartitionsTable);
    return status;
  }

 private:
  // Runs `sql` to completion; errors become a Status as in FromDuckDb.
  Result<std::unique_ptr<duckdb::MaterializedQueryResult>> Run(const std::string& sql,
                                                               StatusCode data_code,
                                                               const std::string& context) {
    auto result = con_->Query(sql);
    if (result->HasError()) return FromDuckDb(result->GetErrorObject(), data_code, context);
    return result;
  }

  // Runs `sql` for its effect only.
  Status Exec(const std::string& sql, StatusCode data_code, const std::string& context) {
    return Run(sql, data_code, context).status();
  }

  void DropScratchTable(const char* table) {
    try {
      con_->Query(std::string("DROP TABLE IF EXISTS ") + table);
    } catch (const std::exception&) {
      // Best effort: a leftover scratch table is replaced by the next call.
    }
  }

  // Loads the action texts into a scratch table and lets DuckDB's JSON reader
  // build the structs: far faster than building nested Values one by one.
  Status WriteCheckpointTo(const std::vector<std::string>& actions, const std::string& tmp_path) {
    const std::string context = "cannot write checkpoint " + tmp_path;
    RETURN_IF_ERROR(
        Exec(std::string("CREATE OR REPLACE TABLE ") + kActionsTable + " (i BIGINT, line VARCHAR)",
             StatusCode::kInternal, context));
    {
      duckdb::Appender appender(*con_, kActionsTable);
      for (size_t i = 0; i < actions.size(); ++i) {
        appender.BeginRow();
        appender.Append<int64_t>(static_cast<int64_t>(i));
        appender.Append(actions[i].data(), static_cast<uint32_t>(actions[i].size()));
        appender.EndRow();
      }
      appender.Close();
    }

    // Every action must be an object with exactly one key naming a kind we
    // know, whose value is an object. CASE keeps the JSON functions away from
    // text that is not valid JSON.
    std::string kinds = "'commitInfo'";
    for (const ActionColumn& column : kActionColumns) kinds += ", " + SqlString(column.name);
    ASSIGN_OR_RETURN(auto invalid,
                     Run(std::string("SELECT i FROM ") + kActionsTable +
                             " WHERE NOT CASE WHEN json_valid(line) AND json_type(line) = 'OBJECT' "
                             "THEN CASE WHEN len(json_keys(line)) = 1 AND json_keys(line)[1] IN (" +
                             kinds +
                             ") THEN json_type(json_extract(line, json_keys(line)[1])) = 'OBJECT' "
                             "ELSE false END ELSE false END ORDER BY i LIMIT 1",
                         StatusCode::kInvalidArgument, context));
    if (invalid->RowCount() > 0) {
      const int64_t index = invalid->GetValue(0, 0).GetValue<int64_t>();
      return Status::InvalidArgument("checkpoint action #" + std::to_string(index) +
                                     " is not a txn, add, remove, metaData, protocol or "
                                     "commitInfo object: " +
                                     actions[index].substr(0, 200));
    }

    std::string structure = "{";
    std::string columns;
    for (const ActionColumn& column : kActionColumns) {
      if (structure.size() > 1) {
        structure += ",";
        columns += ", ";
      }
      structure += "\"" + std::string(column.name) + "\":\"" + column.sql_type + "\"";
      columns += "a." + SqlIdentifier(column.name) + " AS " + SqlIdentifier(column.name);
    }
    structure += "}";
    // from_json, unlike a JSON cast, ignores fields the schema lacks (e.g. a
    // deletionVector), which a checkpoint of this schema cannot hold anyway.
    return Exec("COPY (SELECT " + columns + " FROM (SELECT i, from_json(line, " +
                    SqlString(structure) + ") AS a FROM " + kActionsTable +
                    " WHERE json_keys(line)[1] <> 'commitInfo') ORDER BY i) TO " +
                    SqlString(tmp_path) + " (FORMAT parquet)",
                StatusCode::kInvalidArgument, context);
  }

  Status ReadCheckpointInto(const std::string& path, std::vector<std::string>& actions) {
    const std::string context = path + " is not a readable checkpoint";
    const std::string source = "read_parquet(" + SqlString(path) + ")";
    ASSIGN_OR_RETURN(auto probe,
                     Run("SELECT * FROM " + source + " LIMIT 0", StatusCode::kCorruption, context));

    // One JSON text per action column the file has. The *_parsed fields
    // (stats_parsed, partitionValues_parsed) repeat the text fields in typed
    // form and have no place in a commit-file action.
    std::vector<std::string> selects;
    for (const ActionColumn& column : kActionColumns) {
      size_t index = 0;
      while (index < probe->names.size() && probe->names[index] != column.name) ++index;
      if (index == probe->names.size()) continue;
      const duckdb::LogicalType& type = probe->types[index];
      if (type.id() != duckdb::LogicalTypeId::STRUCT) {
        return Status::Corruption(context + ": column " + column.name + " is not a struct");
      }
      const std::string name = SqlIdentifier(column.name);
      std::string fields;
      std::string condition = name + " IS NOT NULL";
      for (const auto& [field, field_type] : duckdb::StructType::GetChildTypes(type)) {
        if (field.ends_with("_parsed")) continue;
        if (field == column.key_field) {
          condition += " AND struct_extract(" + name + ", " + SqlString(field) + ") IS NOT NULL";
        }
        fields += (fields.empty() ? "" : ", ") + SqlIdentifier(field) + " := struct_extract(" +
                  name + ", " + SqlString(field) + ")";
      }
      if (fields.empty()) continue;
      selects.push_back("CASE WHEN " + condition + " THEN " +
                        SqlString("{\"" + std::string(column.name) + "\":") +
                        " || CAST(to_json(struct_pack(" + fields + ")) AS VARCHAR) || '}' END");
    }
    if (selects.empty()) return Status::OK();

    std::string sql = "SELECT ";
    for (size_t i = 0; i < selects.size(); ++i) sql += (i ? ", " : "") + selects[i];
    ASSIGN_OR_RETURN(auto result, Run(sql + " FROM " + source, StatusCode::kCorruption, context));
    // Row order, then column order within a row: the order a reader of the
    // file would see the actions in.
    return ForEachRow(
        *result, [&](const std::vector<const char*>& values, const std::vector<uint32_t>& sizes) {
          for (size_t c = 0; c < values.size(); ++c) {
            if (values[c]) actions.emplace_back(values[c], sizes[c]);
          }
        });
  }

  Status WriteRowsTo(const RowBatch& batch, const std::string& tmp_path) {
    const std::string context = "cannot write Parquet file " + tmp_path;
    RETURN_IF_ERROR(Exec(CreateTableSql(kRowsTable, batch, false), StatusCode::kInternal, context));
    duckdb::Appender appender(*con_, kRowsTable);
    RETURN_IF_ERROR(AppendRows(appender, batch));
    return Exec(std::string("COPY ") + kRowsTable + " TO " + SqlString(tmp_path) +
                    " (FORMAT parquet, COMPRESSION zstd)",
                StatusCode::kInvalidArgument, context);
  }

  // One table of every group's rows with a group column, and one COPY
  // partitioned by it: DuckDB writes the files together, on every thread.
  Status WriteGroupsTo(const std::vector<RowColumn>& columns,
                       const std::function<Result<RowBatch>(size_t)>& group,
                       const std::string& folder, const std::vector<std::string>& dest_paths) {
    const std::string context = "cannot write Parquet files in " + folder;
    RowBatch shape;
    shape.columns = columns;
    std::string create = CreateTableSql(kRowsTable, shape, false);
    create.pop_back();  // the closing parenthesis
    create += ", " + std::string(kGroupColumn) + " BIGINT)";
    RETURN_IF_ERROR(Exec(create, StatusCode::kInternal, context));
    {
      duckdb::Appender appender(*con_, kRowsTable);
      for (size_t g = 0; g < dest_paths.size(); ++g) {
        ASSIGN_OR_RETURN(RowBatch batch, group(g));
        if (batch.columns.size() != columns.size()) {
          return Status::Internal("a group's rows have other columns");
        }
        RETURN_IF_ERROR(AppendRows(appender, batch, static_cast<int64_t>(g)));
      }
      appender.Close();
    }
    RETURN_IF_ERROR(Exec(std::string("COPY ") + kRowsTable + " TO " + SqlString(folder) +
                             " (FORMAT parquet, COMPRESSION zstd, PARTITION_BY (" + kGroupColumn +
                             "))",
                         StatusCode::kInvalidArgument, context));
    for (size_t g = 0; g < dest_paths.size(); ++g) {
      const std::string dir = folder + "/" + kGroupColumn + "=" + std::to_string(g);
      std::vector<std::string> files;
      std::error_code ec;
      for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
        files.push_back(entry.path().string());
      }
      if (files.size() == 1) {
        std::filesystem::rename(files.front(), dest_paths[g], ec);
        if (ec) return Status::IOError("cannot rename " + files.front() + ": " + ec.message());
        continue;
      }
      // DuckDB split this group (or wrote none of an empty one): write it alone.
      RETURN_IF_ERROR(Exec("COPY (SELECT * EXCLUDE (" + std::string(kGroupColumn) + ") FROM " +
                               kRowsTable + " WHERE " + kGroupColumn + " = " + std::to_string(g) +
                               ") TO " + SqlString(dest_paths[g]) +
                               " (FORMAT parquet, COMPRESSION zstd)",
                           StatusCode::kInvalidArgument, context));
    }
    return Status::OK();
  }

  Status MergeInto(const std::vector<std::string>& paths, const std::vector<RowColumn>& columns,
                   const std::string& tmp_path, int64_t& rows) {
    const std::string context = "cannot merge Parquet files";
    if (paths.empty() || columns.empty()) return Status::InvalidArgument(context + ": none given");
    std::string names;
    for (const RowColumn& c : columns) names += (names.empty() ? "" : ", ") + SqlIdentifier(c.name);
    const std::string inputs = "read_parquet(" + PathList(paths) +
                               ", hive_partitioning = false, union_by_name = true, "
                               "file_row_number = true)";
    RETURN_IF_ERROR(Exec("COPY (SELECT " + names + " FROM " + inputs +
                             " ORDER BY file_index, file_row_number) TO " + SqlString(tmp_path) +
                             " (FORMAT parquet, COMPRESSION zstd)",
                         StatusCode::kCorruption, context));
    // The new file must hold the same rows: as many, and the same multiset
    // (the sum of a hash of each row; a lost, doubled or changed row moves it).
    const std::string digest = "SELECT count(*), CAST(coalesce(sum(hash(" + names +
                               ")), 0) AS VARCHAR) FROM ";
    ASSIGN_OR_RETURN(auto in, Run(digest + inputs, StatusCode::kCorruption, context));
    ASSIGN_OR_RETURN(auto out, Run(digest + "read_parquet(" + SqlString(tmp_path) + ")",
                                   StatusCode::kCorruption, context));
    rows = in->GetValue(0, 0).GetValue<int64_t>();
    if (out->GetValue(0, 0).GetValue<int64_t>() != rows ||
        in->GetValue(1, 0).ToString() != out->GetValue(1, 0).ToString()) {
      return Status::Corruption(context + ": the merged file does not read back as its inputs");
    }
    return Status::OK();
  }

  Status Inspect(const std::string& path, const std::vector<std::string>& time_columns,
                 ParquetInfo& info) {
    const std::string context = "'" + path + "' is not a Parquet file";
    const std::string source = "read_parquet(" + SqlString(path) + ")";
    ASSIGN_OR_RETURN(auto probe, Run("SELECT * FROM " + source + " LIMIT 0",
                                     StatusCode::kInvalidArgument, context));
    for (size_t i = 0; i < probe->names.size(); ++i) {
      info.columns.emplace_back(probe->names[i], probe->types[i].ToString());
    }
    std::string sql = "SELECT count(*)";
    for (const std::string& want : time_columns) {
      for (size_t i = 0; i < probe->names.size() && !info.time_column; ++i) {
        if (probe->names[i] != want) continue;
        auto id = probe->types[i].id();
        if (id != duckdb::LogicalTypeId::TIMESTAMP && id != duckdb::LogicalTypeId::TIMESTAMP_TZ &&
            id != duckdb::LogicalTypeId::DATE && id != duckdb::LogicalTypeId::TIMESTAMP_MS &&
            id != duckdb::LogicalTypeId::TIMESTAMP_SEC &&
            id != duckdb::LogicalTypeId::TIMESTAMP_NS) {
          return Status::InvalidArgument("column '" + want + "' of '" + path + "' is a " +
                                         probe->types[i].ToString() + ", not a timestamp");
        }
        info.time_column = want;
        std::string col = "CAST(" + SqlIdentifier(want) + " AS TIMESTAMP)";
        sql += ", epoch_us(min(" + col + ")), epoch_us(max(" + col + "))";
      }
      if (info.time_column) break;
    }
    ASSIGN_OR_RETURN(auto result,
                     Run(sql + " FROM " + source, StatusCode::kInvalidArgument, context));
    info.num_rows = result->GetValue(0, 0).GetValue<int64_t>();
    if (info.time_column) {
      auto lo = result->GetValue(1, 0), hi = result->GetValue(2, 0);
      if (!lo.IsNull()) info.min_time = lo.GetValue<int64_t>();
      if (!hi.IsNull()) info.max_time = hi.GetValue<int64_t>();
    }
    return Status::OK();
  }

  Status ReadRowsInto(const std::vector<std::string>& paths, const std::vector<RowColumn>& columns,
                      bool with_file_index, RowBatch& batch) {
    batch.columns.clear();
    if (with_file_index) batch.columns.push_back({"file_index", CellType::kInt64});
    for (const RowColumn& c : columns) batch.columns.push_back(c);
    if (paths.empty()) return Status::OK();
    std::string sql = "SELECT ";
    if (with_file_index) sql += "CAST(file_index AS BIGINT), ";
    for (size_t c = 0; c < columns.size(); ++c) {
      std::string name = SqlIdentifier(columns[c].name);
      sql += (c ? ", " : "") +
             (columns[c].type == CellType::kTimestamp ? "epoch_us(" + name + ")" : name);
    }
    sql += " FROM read_parquet(" + PathList(paths) + ", file_row_number = true)";
    sql += " ORDER BY file_index, file_row_number";
    ASSIGN_OR_RETURN(auto result, Run(sql, StatusCode::kCorruption, "cannot read Parquet rows"));
    const auto& types = batch.columns;
    for (duckdb::idx_t r = 0; r < result->RowCount(); ++r) {
      std::vector<Cell> row;
      row.reserve(types.size());
      for (size_t c = 0; c < types.size(); ++c) {
        duckdb::Value v = result->GetValue(c, r);
        if (v.IsNull()) {
          row.emplace_back(std::monostate());
          continue;
        }
        switch (types[c].type) {
          case CellType::kInt64:
          case CellType::kTimestamp:
            row.emplace_back(v.GetValue<int64_t>());
            break;
          case CellType::kDouble:
            row.emplace_back(v.GetValue<double>());
            break;
          case CellType::kBool:
            row.emplace_back(v.GetValue<bool>());
            break;
          case CellType::kString:
          case CellType::kBinary:
            row.emplace_back(duckdb::StringValue::Get(v));
            break;
        }
      }
      batch.rows.push_back(std::move(row));
    }
    return Status::OK();
  }

  Status Scan(const ScanSpec& spec, std::ostream& out) {
    // Map every type first so that a bad schema fails before any I/O.
    std::vector<std::string> sql_types;
    std::string header;
    for (const ColumnSpec& column : spec.columns) {
      auto type = DeltaTypeToSql(column.delta_type);
      if (!type.ok()) return type.status().WithContext("column " + column.name);
      sql_types.push_back(*type);
      if (!header.empty()) header += ',';
      AppendCsvField(column.name, header);
    }
    header += '\n';
    if (spec.files.empty()) return WriteOut(header, out);

    const std::string context = "cannot scan the table's Parquet files";
    std::vector<std::string> paths;
    for (const ScanFile& file : spec.files) paths.push_back(file.path);
    const std::string source = "read_parquet(" + PathList(paths) + ", union_by_name = true) AS d";
    ASSIGN_OR_RETURN(auto probe,
                     Run("SELECT * FROM " + source + " LIMIT 0", StatusCode::kCorruption, context));
    // DuckDB binds names case-insensitively, so the presence test does too.
    auto in_files = [&](const std::string& name) {
      for (const std::string& have : probe->names) {
        if (duckdb::StringUtil::CIEquals(have, name)) return true;
      }
      return false;
    };
    // Only now, when every file has opened as Parquet, does output begin.
    RETURN_IF_ERROR(WriteOut(header, out));

    // Partition values join by the file's position in the list, through a
    // scratch table: one row per file, one text column per partition column.
    std::vector<std::string> exprs;
    std::vector<const ColumnSpec*> partition_columns;
    for (size_t c = 0; c < spec.columns.size(); ++c) {
      const ColumnSpec& column = spec.columns[c];
      std::string value;
      if (column.is_partition) {
        // Delta writers use "" as well as null for a null partition value.
        value = "NULLIF(p.p" + std::to_string(partition_columns.size()) + ", '')";
        // A binary partition value is the bytes themselves as text, while a
        // text-to-BLOB cast would expect \xNN escapes.
        if (sql_types[c] == "BLOB") value = "encode(" + value + ")";
        partition_columns.push_back(&column);
      } else if (in_files(column.name)) {
        value = "d." + SqlIdentifier(column.name);
      } else {
        value = "NULL";
      }
      exprs.push_back("CAST(CAST(" + value + " AS " + sql_types[c] + ") AS VARCHAR)");
    }
    std::string sql = "SELECT ";
    for (size_t i = 0; i < exprs.size(); ++i) sql += (i ? ", " : "") + exprs[i];
    if (exprs.empty()) sql += "NULL";
    sql += " FROM " + source;
    if (!partition_columns.empty()) {
      RETURN_IF_ERROR(FillPartitionTable(spec.files, partition_columns, context));
      sql += std::string(" JOIN ") + kPartitionsTable + " AS p ON d.file_index = p.file_index";
    }

    auto result = con_->SendQuery(sql);
    if (result->HasError()) {
      return FromDuckDb(result->GetErrorObject(), StatusCode::kCorruption, context);
    }
    std::string line;
    RETURN_IF_ERROR(ForEachRow(
        *result, [&](const std::vector<const char*>& values, const std::vector<uint32_t>& sizes) {
          if (exprs.empty()) return;  // no columns: nothing to print for the row
          line.clear();
          for (size_t c = 0; c < values.size(); ++c) {
            if (c) line += ',';
            if (values[c]) AppendCsvField(std::string_view(values[c], sizes[c]), line);
          }
          line += '\n';
          out.write(line.data(), static_cast<std::streamsize>(line.size()));
        }));
    return out ? Status::OK() : Status::IOError("cannot write the CSV output");
  }

  Status FillPartitionTable(const std::vector<ScanFile>& files,
                            const std::vector<const ColumnSpec*>& partition_columns,
                            const std::string& context) {
    std::string create =
        std::string("CREATE OR REPLACE TABLE ") + kPartitionsTable + " (file_index UBIGINT";
    for (size_t i = 0; i < partition_columns.size(); ++i) {
      create += ", p" + std::to_string(i) + " VARCHAR";
    }
    RETURN_IF_ERROR(Exec(create + ")", StatusCode::kInternal, context));
    duckdb::Appender appender(*con_, kPartitionsTable);
    for (size_t f = 0; f < files.size(); ++f) {
      appender.BeginRow();
      appender.Append<uint64_t>(f);
      for (const ColumnSpec* column : partition_columns) {
        auto it = files[f].partition_values.find(column->name);
        if (it == files[f].partition_values.end() || !it->second) {
          appender.Append<std::nullptr_t>(nullptr);
        } else {
          appender.Append(it->second->data(), static_cast<uint32_t>(it->second->size()));
        }
      }
      appender.EndRow();
    }
    appender.Close();
    return Status::OK();
  }

  std::unique_ptr<duckdb::DuckDB> db_;
  std::unique_ptr<duckdb::Connection> con_;
};

}  // namespace

Result<std::unique_ptr<ParquetEngine>> OpenDuckDbEngine() {
  std::unique_ptr<ParquetEngine> engine;
  RETURN_IF_ERROR(Guard(StatusCode::kInternal, "cannot open the Parquet engine", [&] {
    // Nothing may be fetched at run time: the extensions we use are built in.
    duckdb::DBConfig config;
    config.SetOptionByName("autoinstall_known_extensions", duckdb::Value::BOOLEAN(false));
    config.SetOptionByName("autoload_known_extensions", duckdb::Value::BOOLEAN(false));
    config.SetOptionByName("allow_community_extensions", duckdb::Value::BOOLEAN(false));
    // The pond's files are local and the kernel caches them already; DuckDB's
    // own copy of every file it read made a rebuild's memory grow with the
    // number of data files in the log.
    config.SetOptionByName("enable_external_file_cache", duckdb::Value::BOOLEAN(false));
    auto db = std::make_unique<duckdb::DuckDB>(nullptr, &config);
    auto con = std::make_unique<duckdb::Connection>(*db);
    // UTC so that TIMESTAMPTZ text does not depend on the host; then freeze the
    // settings so that no SQL we build can loosen them.
    for (const char* setting : {"SET TimeZone = 'UTC'", "SET enable_progress_bar = false",
                                "SET lock_configuration = true"}) {
      auto result = con->Query(setting);
      if (result->HasError()) {
        return FromDuckDb(result->GetErrorObject(), StatusCode::kInternal,
                          "cannot configure the Parquet engine");
      }
    }
    engine = std::make_unique<DuckDbEngine>(std::move(db), std::move(con));
    return Status::OK();
  }));
  return engine;
}

}  // namespace pond

// The module's entry points, found by the loader with dlsym (engine_loader.cc).
extern "C" __attribute__((visibility("default"))) const char* pond_module_abi() {
  return pond::kDuckDbModuleAbi;
}

extern "C" __attribute__((visibility("default"))) pond::ParquetEngine* pond_open_parquet_engine(
    std::string* error) {
  auto engine = pond::OpenDuckDbEngine();
  if (!engine.ok()) {
    *error = engine.status().message();
    return nullptr;
  }
  return std::move(engine).value().release();
}
