// The filesystem's vocabulary: node ids, entry types, directory entries and
// node versions. Shared by tinyfs, its persistence implementations and the CLI.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "util/status.h"

namespace pond::tinyfs {

// A node's identity: a UUIDv7 in text form. The root directory's id is fixed.
using NodeId = std::string;
inline const NodeId kRootId = "00000000-0000-7000-8000-000000000000";

// Stored kinds, then dynamic ones: a dynamic node stores a factory's name and
// its config, and its content (entries, rows) is computed when it is read.
enum class EntryType {
  kDirectory,
  kSymlink,
  kFileData,
  kFileTable,
  kFileSeries,
  kDynamicDirectory,  // a read-only directory a factory computes
  kDynamicTable,      // a table a factory computes
  kDynamicSeries,     // a series a factory computes
  kDynamicData,       // a config node: an executable (`pond run`) or a transform
};

// "directory", "symlink", "file:data", "file:table", "file:series",
// "directory:dynamic", "file:table:dynamic", "file:series:dynamic", "file:data:dynamic".
const char* EntryTypeName(EntryType type);
// The inverse of EntryTypeName; InvalidArgument for an unknown name.
Result<EntryType> ParseEntryType(std::string_view name);
// A stored file: its content is what was written.
inline bool IsFile(EntryType t) {
  return t == EntryType::kFileData || t == EntryType::kFileTable || t == EntryType::kFileSeries;
}
// A node whose stored content is a factory's config.
inline bool IsDynamic(EntryType t) {
  return t == EntryType::kDynamicDirectory || t == EntryType::kDynamicTable ||
         t == EntryType::kDynamicSeries || t == EntryType::kDynamicData;
}
inline bool IsDirectory(EntryType t) {
  return t == EntryType::kDirectory || t == EntryType::kDynamicDirectory;
}
// Rows to read: a table or series, stored or computed.
inline bool IsTabular(EntryType t) {
  return t == EntryType::kFileTable || t == EntryType::kFileSeries ||
         t == EntryType::kDynamicTable || t == EntryType::kDynamicSeries;
}
inline bool IsSeries(EntryType t) {
  return t == EntryType::kFileSeries || t == EntryType::kDynamicSeries;
}

// One name in a directory.
struct DirEntry {
  std::string name;
  NodeId child;
  EntryType type = EntryType::kFileData;
  bool operator==(const DirEntry&) const = default;
};

// What a new version of a file or symlink holds. Content up to the inline
// limit travels in `inline_bytes`; larger content was already written to a
// content-addressed blob by a ContentWriter, and only its size and hash travel.
struct ContentRef {
  uint64_t size = 0;
  std::string sha256;  // lowercase hex
  std::optional<std::string> inline_bytes;
};

// Metadata written with a version besides its content.
struct VersionMeta {
  std::optional<int64_t> min_event_time;  // micros since the epoch (series)
  std::optional<int64_t> max_event_time;
  std::string attributes = "{}";       // a JSON object
  std::optional<std::string> factory;  // dynamic nodes: the factory's name
};

// One stored version of one node.
struct NodeVersion {
  NodeId node_id;
  NodeId part_id;       // a directory's own id; a file's or symlink's parent directory
  int64_t version = 0;  // 1, 2, ... per node
  EntryType type = EntryType::kFileData;
  int64_t timestamp = 0;  // micros since the epoch, when the transaction wrote it
  uint64_t size = 0;      // content bytes (for a directory: bytes of its encoded changes)
  std::string sha256;     // of the content; empty for directories
  VersionMeta meta;
  int64_t txn_seq = 0;   // the transaction that wrote it
  bool is_blob = false;  // content lives in a large-file blob, not inline
};

}  // namespace pond::tinyfs
