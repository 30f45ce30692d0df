#include "oplog/record.h"

#include <nlohmann/json.hpp>

#include "delta/schema.h"
#include "util/id.h"

namespace pond::oplog {

using nlohmann::json;

std::string BlobKey(const std::string& sha256_hex) { return "_large_files/sha256=" + sha256_hex; }

delta::Metadata TableMetadata() {
  delta::Metadata m;
  m.id = NewUuidV7();
  m.name = "pond";
  m.description = "DuckPond operation log: one row per node version";
  m.schema_string = delta::SchemaString({
      {"part_id", "string", false},
      {"node_id", "string", false},
      {"version", "long", false},
      {"entry_type", "string", false},
      {"timestamp", "timestamp", false},
      {"size", "long", false},
      {"sha256", "string", true},
      {"content", "binary", true},
      {"min_event_time", "timestamp", true},
      {"max_event_time", "timestamp", true},
      {"attributes", "string", true},
      {"factory", "string", true},
      {"txn_seq", "long", false},
  });
  m.partition_columns = {"part_id"};
  return m;
}

const std::vector<RowColumn>& DataColumns() {
  static const std::vector<RowColumn> kColumns = {
      {"node_id", CellType::kString},
      {"version", CellType::kInt64},
      {"entry_type", CellType::kString},
      {"timestamp", CellType::kTimestamp},
      {"size", CellType::kInt64},
      {"sha256", CellType::kString},
      {"content", CellType::kBinary},
      {"min_event_time", CellType::kTimestamp},
      {"max_event_time", CellType::kTimestamp},
      {"attributes", CellType::kString},
      {"factory", CellType::kString},
      {"txn_seq", CellType::kInt64},
  };
  return kColumns;
}

namespace {

Cell Opt(const std::optional<int64_t>& v) { return v ? Cell(*v) : Cell(std::monostate()); }
Cell Opt(const std::optional<std::string>& v) { return v ? Cell(*v) : Cell(std::monostate()); }

}  // namespace

RowBatch ToRowBatch(const std::vector<Record>& records) {
  RowBatch b;
  b.columns = DataColumns();
  b.rows.reserve(records.size());
  for (const Record& r : records) {
    b.rows.push_back({r.node_id, r.version, r.entry_type, r.timestamp, r.size,
                      r.sha256.empty() ? Cell(std::monostate()) : Cell(r.sha256), Opt(r.content),
                      Opt(r.min_event_time), Opt(r.max_event_time), r.attributes, Opt(r.factory),
                      r.txn_seq});
  }
  return b;
}

Result<std::vector<Record>> FromRowBatch(const RowBatch& batch, size_t first_column,
                                         const std::string& part_id) {
  std::vector<Record> out;
  out.reserve(batch.rows.size());
  auto bad = [] { return Status::Corruption("an operation log row has a missing or wrong field"); };
  for (const auto& row : batch.rows) {
    if (row.size() < first_column + DataColumns().size()) return bad();
    auto cell = [&](size_t i) -> const Cell& { return row[first_column + i]; };
    auto str = [&](size_t i) { return std::get_if<std::string>(&cell(i)); };
    auto num = [&](size_t i) { return std::get_if<int64_t>(&cell(i)); };
    Record r;
    r.part_id = part_id;
    if (!str(0) || !num(1) || !str(2) || !num(3) || !num(4) || !num(11)) return bad();
    r.node_id = *str(0);
    r.version = *num(1);
    r.entry_type = *str(2);
    r.timestamp = *num(3);
    r.size = *num(4);
    if (str(5)) r.sha256 = *str(5);
    if (str(6)) r.content = *str(6);
    if (num(7)) r.min_event_time = *num(7);
    if (num(8)) r.max_event_time = *num(8);
    if (str(9)) r.attributes = *str(9);
    if (str(10)) r.factory = *str(10);
    r.txn_seq = *num(11);
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
