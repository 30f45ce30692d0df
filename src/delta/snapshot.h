// A snapshot: the state of a Delta table at one version, as log replay yields it.
//
// Loading lists _delta_log/ once, starts from the newest complete checkpoint
// at or before the version, then applies the JSON commits after it in order.
// A checkpoint that cannot be read is skipped for an older one (or for the
// commits from 0) when the commits after that are all there; the snapshot then
// says so in `warnings`. Versions must be contiguous from the base: a gap, a
// missing protocol or metaData, a reader version above 1, or an unreadable
// commit is an error with one sentence that names the file or version.
//
// Thread safety: a Snapshot is an immutable value once loaded.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "delta/actions.h"
#include "parquet/engine.h"
#include "storage/object_store.h"
#include "util/status.h"

namespace pond::delta {

// Opens the Parquet engine on first use, so replay that needs no checkpoint
// never loads DuckDB.
class LazyParquetEngine {
 public:
  Result<ParquetEngine*> Get();
  bool opened() const { return engine_ != nullptr; }

 private:
  std::unique_ptr<ParquetEngine> engine_;
};

struct Snapshot {
  int64_t version = -1;
  Protocol protocol;
  Metadata metadata;
  std::map<std::string, AddFile> files;          // live files, by decoded path
  std::map<std::string, RemoveFile> tombstones;  // removed files, by decoded path
  std::map<std::string, int64_t> app_versions;   // txn appId -> version
  // How the snapshot was built, for tests and --verbose counters.
  std::optional<int64_t> checkpoint_version;
  int commits_replayed = 0;
  // Damaged checkpoints that were skipped (the log was replayed instead), one
  // sentence each.
  std::vector<std::string> warnings;

  // The actions a checkpoint of this snapshot holds: protocol, metaData, txns,
  // live adds, and the tombstones deleted after `min_tombstone_millis`.
  std::vector<Action> CheckpointActions(int64_t min_tombstone_millis) const;
};

// Loads the snapshot at `version` (the latest when nullopt). NotFound when the
// store holds no Delta table or the version does not exist.
Result<Snapshot> LoadSnapshot(ObjectStore& store, LazyParquetEngine& engine,
                              std::optional<int64_t> version = std::nullopt);

// The newest version of the table, from a listing of _delta_log/ (no replay).
// NotFound when there is no table.
Result<int64_t> LatestVersion(ObjectStore& store);

// OK when this engine may write to a table with `protocol` (writer version <= 2).
Status CheckWritable(const Protocol& protocol);

// Runs `fn` with a host path holding the object `key`: the object's own file
// for a local store, otherwise a temporary copy removed afterwards.
Status WithHostFile(ObjectStore& store, const std::string& key,
                    const std::function<Status(const std::string&)>& fn);

}  // namespace pond::delta
