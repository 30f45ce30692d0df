// The pond's operation log: one row per version of one node, in a Delta table
// partitioned by part_id (see DESIGN.md, "On disk").
//
// A directory's row holds, as its content, the changes that one transaction
// made to its entries (DirChange, JSON-encoded): adding one file to a directory
// of 100,000 entries writes one small row, not the whole listing.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "delta/actions.h"
#include "parquet/engine.h"
#include "util/status.h"

namespace pond::oplog {

// Content larger than this goes to a content-addressed blob.
inline constexpr uint64_t kInlineLimit = 64 * 1024;

// One row of the operation log.
struct Record {
  std::string part_id;
  std::string node_id;
  int64_t version = 0;
  std::string entry_type;  // tinyfs::EntryTypeName
  int64_t timestamp = 0;   // micros since the epoch
  int64_t size = 0;
  std::string sha256;                  // "" for directories
  std::optional<std::string> content;  // inline bytes; nullopt for blobs
  std::optional<int64_t> min_event_time;
  std::optional<int64_t> max_event_time;
  std::string attributes = "{}";
  std::optional<std::string> factory;
  int64_t txn_seq = 0;
};

// "_large_files/sha256=<hex>": where content over kInlineLimit lives.
std::string BlobKey(const std::string& sha256_hex);
// The hex hash in a blob key; nullopt when `key` is not one.
std::optional<std::string> BlobHashOfKey(std::string_view key);

// One column of the operation log. This table is the schema's only definition:
// the Delta schema, the data files' columns and the index's SQL all derive
// from it, and `get`/`set` move a column between a Record and a Cell.
struct Column {
  const char* name;
  const char* delta_type;  // Delta (Spark JSON) primitive type
  CellType cell;
  bool nullable;
  Cell (*get)(const Record&);
  // False when `cell` does not have the column's type (or is NULL where it may not be).
  bool (*set)(Record&, const Cell&);
};

// Every column, in schema order; part_id (the partition column) first.
const std::vector<Column>& Columns();

// The Delta metadata of a new pond's table (schema, part_id partitioning).
delta::Metadata TableMetadata();

// The columns of a data file (every column but part_id, which Delta keeps in
// the add action's partition values).
const std::vector<RowColumn>& DataColumns();

// Rows of one partition as a batch of DataColumns().
RowBatch ToRowBatch(std::span<const Record> records);
inline RowBatch ToRowBatch(const std::vector<Record>& records) {
  return ToRowBatch(std::span<const Record>(records));
}
// Records from a batch read with DataColumns() (plus nothing else), in `part_id`.
// Corruption when a row does not have the shape the schema promises.
Result<std::vector<Record>> FromRowBatch(const RowBatch& batch, size_t first_column,
                                         const std::string& part_id);

// A change to one entry of a directory, as its row records it.
struct DirChange {
  enum class Op { kAdd, kRemove };
  Op op = Op::kAdd;
  std::string name;
  std::string child;       // node id (kAdd)
  std::string entry_type;  // (kAdd)
};

std::string EncodeDirChanges(const std::vector<DirChange>& changes);
// Corruption when `text` is not what EncodeDirChanges writes.
Result<std::vector<DirChange>> DecodeDirChanges(std::string_view text);

// What a pond transaction records in its Delta commitInfo (under "pond").
struct TxnInfo {
  int64_t txn_seq = 0;
  std::string command;
  int64_t timestamp = 0;  // micros
};
std::string CommitInfoJson(const TxnInfo& info);  // a JSON object for CommitOptions
// The TxnInfo in a commitInfo action's JSON; nullopt when it has none.
std::optional<TxnInfo> ParseTxnInfo(const std::string& commit_info_json);

}  // namespace pond::oplog
