#include "oplog/record.h"

#include <nlohmann/json.hpp>

#include "delta/schema.h"
#include "util/id.h"

namespace pond::oplog {

using nlohmann::json;

std::string BlobKey(const std::string& sha256_hex) { return "_large_files/sha256=" + sha256_hex; }

std::optional<std::string> BlobHashOfKey(std::string_view key) {
  constexpr std::string_view kPrefix = "_large_files/sha256=";
  if (!key.starts_with(kPrefix) || key.size() != kPrefix.size() + 64) return std::nullopt;
  std::string_view hex = key.substr(kPrefix.size());
  for (char c : hex) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return std::nullopt;
  }
  return std::string(hex);
}

namespace {

Cell OptCell(const std::optional<int64_t>& v) { return v ? Cell(*v) : Cell(std::monostate()); }
Cell OptCell(const std::optional<std::string>& v) { return v ? Cell(*v) : Cell(std::monostate()); }

template <typename T>
bool SetRequired(T& field, const Cell& cell) {
  const T* v = std::get_if<T>(&cell);
  if (!v) return false;
  field = *v;
  return true;
}

template <typename T>
bool SetOptional(std::optional<T>& field, const Cell& cell) {
  if (std::holds_alternative<std::monostate>(cell)) {
    field.reset();
    return true;
  }
  const T* v = std::get_if<T>(&cell);
  if (!v) return false;
  field = *v;
  return true;
}

// A nullable string column whose absence is stored in the Record as `empty`.
bool SetOrDefault(std::string& field, const Cell& cell, const char* empty) {
  if (std::holds_alternative<std::monostate>(cell)) {
    field = empty;
    return true;
  }
  return SetRequired(field, cell);
}

}  // namespace

const std::vector<Column>& Columns() {
  using C = CellType;
  static const std::vector<Column> kColumns = {
      {"part_id", "string", C::kString, false, [](const Record& r) { return Cell(r.part_id); },
       [](Record& r, const Cell& c) { return SetRequired(r.part_id, c); }},
      {"node_id", "string", C::kString, false, [](const Record& r) { return Cell(r.node_id); },
       [](Record& r, const Cell& c) { return SetRequired(r.node_id, c); }},
      {"version", "long", C::kInt64, false, [](const Record& r) { return Cell(r.version); },
       [](Record& r, const Cell& c) { return SetRequired(r.version, c); }},
      {"entry_type", "string", C::kString, false,
       [](const Record& r) { return Cell(r.entry_type); },
       [](Record& r, const Cell& c) { return SetRequired(r.entry_type, c); }},
      {"timestamp", "timestamp", C::kTimestamp, false,
       [](const Record& r) { return Cell(r.timestamp); },
       [](Record& r, const Cell& c) { return SetRequired(r.timestamp, c); }},
      {"size", "long", C::kInt64, false, [](const Record& r) { return Cell(r.size); },
       [](Record& r, const Cell& c) { return SetRequired(r.size, c); }},
      {"sha256", "string", C::kString, true,
       [](const Record& r) { return r.sha256.empty() ? Cell(std::monostate()) : Cell(r.sha256); },
       [](Record& r, const Cell& c) { return SetOrDefault(r.sha256, c, ""); }},
      {"content", "binary", C::kBinary, true, [](const Record& r) { return OptCell(r.content); },
       [](Record& r, const Cell& c) { return SetOptional(r.content, c); }},
      {"min_event_time", "timestamp", C::kTimestamp, true,
       [](const Record& r) { return OptCell(r.min_event_time); },
       [](Record& r, const Cell& c) { return SetOptional(r.min_event_time, c); }},
      {"max_event_time", "timestamp", C::kTimestamp, true,
       [](const Record& r) { return OptCell(r.max_event_time); },
       [](Record& r, const Cell& c) { return SetOptional(r.max_event_time, c); }},
      {"attributes", "string", C::kString, true,
       [](const Record& r) { return Cell(r.attributes); },
       [](Record& r, const Cell& c) { return SetOrDefault(r.attributes, c, "{}"); }},
      {"factory", "string", C::kString, true, [](const Record& r) { return OptCell(r.factory); },
       [](Record& r, const Cell& c) { return SetOptional(r.factory, c); }},
      {"txn_seq", "long", C::kInt64, false, [](const Record& r) { return Cell(r.txn_seq); },
       [](Record& r, const Cell& c) { return SetRequired(r.txn_seq, c); }},
  };
  return kColumns;
}

delta::Metadata TableMetadata() {
  delta::Metadata m;
  m.id = NewUuidV7();
  m.name = "pond";
  m.description = "DuckPond operation log: one row per node version";
  std::vector<delta::Field> fields;
  for (const Column& c : Columns()) fields.push_back({c.name, c.delta_type, c.nullable});
  m.schema_string = delta::SchemaString(fields);
  m.partition_columns = {Columns().front().name};
  return m;
}

const std::vector<RowColumn>& DataColumns() {
  static const std::vector<RowColumn> kData = [] {
    std::vector<RowColumn> out;
    for (size_t i = 1; i < Columns().size(); ++i) out.push_back({Columns()[i].name, Columns()[i].cell});
    return out;
  }();
  return kData;
}

RowBatch ToRowBatch(std::span<const Record> records) {
  RowBatch b;
  b.columns = DataColumns();
  b.rows.reserve(records.size());
  const auto& columns = Columns();
  for (const Record& r : records) {
    std::vector<Cell> row;
    row.reserve(columns.size() - 1);
    for (size_t i = 1; i < columns.size(); ++i) row.push_back(columns[i].get(r));
    b.rows.push_back(std::move(row));
  }
  return b;
}

Result<std::vector<Record>> FromRowBatch(const RowBatch& batch, size_t first_column,
                                         const std::string& part_id) {
  std::vector<Record> out;
  out.reserve(batch.rows.size());
  const auto& columns = Columns();
  for (const auto& row : batch.rows) {
    if (row.size() < first_column + columns.size() - 1) {
      return Status::Corruption("an operation log row has too few columns");
    }
    Record r;
    r.part_id = part_id;
    for (size_t i = 1; i < columns.size(); ++i) {
      if (!columns[i].set(r, row[first_column + i - 1])) {
        return Status::Corruption(std::string("an operation log row has a missing or wrong ") +
                                  columns[i].name);
      }
    }
    out.push_back(std::move(r));
  }
  return out;
}

std::string EncodeDirChanges(const std::vector<DirChange>& changes) {
  json arr = json::array();
  for (const DirChange& c : changes) {
    if (c.op == DirChange::Op::kAdd) {
      arr.push_back(
          {{"op", "add"}, {"name", c.name}, {"node_id", c.child}, {"type", c.entry_type}});
    } else {
      arr.push_back({{"op", "remove"}, {"name", c.name}});
    }
  }
  return arr.dump();
}

Result<std::vector<DirChange>> DecodeDirChanges(std::string_view text) {
  json arr = json::parse(text, nullptr, false);
  if (arr.is_discarded() || !arr.is_array()) {
    return Status::Corruption("a directory record's content is not a JSON array");
  }
  std::vector<DirChange> out;
  for (const json& c : arr) {
    if (!c.is_object() || !c.contains("op") || !c.contains("name") || !c["name"].is_string()) {
      return Status::Corruption("a directory change has no op or name");
    }
    DirChange change;
    change.name = c["name"].get<std::string>();
    std::string op = c["op"].is_string() ? c["op"].get<std::string>() : "";
    if (op == "add") {
      if (!c.contains("node_id") || !c["node_id"].is_string() || !c.contains("type") ||
          !c["type"].is_string()) {
        return Status::Corruption("a directory change adds '" + change.name + "' without a node");
      }
      change.op = DirChange::Op::kAdd;
      change.child = c["node_id"].get<std::string>();
      change.entry_type = c["type"].get<std::string>();
    } else if (op == "remove") {
      change.op = DirChange::Op::kRemove;
    } else {
      return Status::Corruption("a directory change has an unknown op '" + op + "'");
    }
    out.push_back(std::move(change));
  }
  return out;
}

std::string CommitInfoJson(const TxnInfo& info) {
  return json{
      {"pond",
       {{"txn_seq", info.txn_seq}, {"command", info.command}, {"timestamp_us", info.timestamp}}}}
      .dump();
}

std::optional<TxnInfo> ParseTxnInfo(const std::string& commit_info_json) {
  json j = json::parse(commit_info_json, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("pond") || !j["pond"].is_object()) {
    return std::nullopt;
  }
  const json& p = j["pond"];
  if (!p.contains("txn_seq") || !p["txn_seq"].is_number_integer()) return std::nullopt;
  TxnInfo info;
  info.txn_seq = p["txn_seq"].get<int64_t>();
  if (p.contains("command") && p["command"].is_string())
    info.command = p["command"].get<std::string>();
  if (p.contains("timestamp_us") && p["timestamp_us"].is_number_integer()) {
    info.timestamp = p["timestamp_us"].get<int64_t>();
  }
  return info;
}

}  // namespace pond::oplog
