// Names of the files in a Delta table's _delta_log/ and what a listing of it holds.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "storage/object_store.h"
#include "util/status.h"

namespace pond::delta {

inline constexpr const char* kLogDir = "_delta_log/";
inline constexpr const char* kLastCheckpointKey = "_delta_log/_last_checkpoint";

// "_delta_log/00000000000000000007.json"
std::string CommitKey(int64_t version);
// "_delta_log/00000000000000000010.checkpoint.parquet"
std::string CheckpointKey(int64_t version);
// "_delta_log/00000000000000000010.checkpoint.0000000001.0000000003.parquet"
std::string CheckpointPartKey(int64_t version, int part, int num_parts);

// A checkpoint at one version: a single file, or parts 1..n of a multi-part one.
struct CheckpointFiles {
  int64_t version = 0;
  int num_parts = 1;
  std::map<int, std::string> parts;  // part number -> key (1-based)
  bool complete() const { return static_cast<int>(parts.size()) == num_parts; }
  std::vector<std::string> keys() const;
};

// What _delta_log/ holds, from one listing.
struct LogListing {
  std::map<int64_t, std::string> commits;          // version -> key
  std::map<int64_t, CheckpointFiles> checkpoints;  // version -> files
  std::optional<int64_t> latest_version() const;
};

// Lists _delta_log/ once. Files it does not recognise (.crc, temp files) are
// ignored, and so are commits and checkpoints before `min_version` (a reader
// that starts from a known checkpoint needs nothing older).
Result<LogListing> ListLog(ObjectStore& store, int64_t min_version = 0);

// What `_last_checkpoint` names: nullopt when it is missing or unreadable (it is
// only a hint; the listing is the truth).
std::optional<CheckpointFiles> ReadLastCheckpointHint(ObjectStore& store);

// Writes `_last_checkpoint` for `checkpoint`, with `num_actions` as its size.
Status WriteLastCheckpoint(ObjectStore& store, const CheckpointFiles& checkpoint,
                           int64_t num_actions);

}  // namespace pond::delta
