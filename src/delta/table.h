// A Delta table: create, commit, checkpoint. Reading is LoadSnapshot (snapshot.h).
//
// A commit is one `_delta_log/<version>.json` written with put-if-absent, so two
// writers can never both own a version: the loser gets Conflict, or, for a
// blind append whose rival commits changed no protocol or metadata, retries at
// the next version. Every `checkpoint_interval` versions a checkpoint and
// `_last_checkpoint` are written; a failed checkpoint never fails the commit
// (the log stays correct without it) and is kept in last_checkpoint_status().
//
// Thread safety: one DeltaTable is used by one thread at a time; separate
// processes coordinate only through put-if-absent.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "delta/actions.h"
#include "delta/snapshot.h"
#include "storage/object_store.h"

namespace pond::delta {

struct TableOptions {
  // Write a checkpoint at every version that is a multiple of this (0: never).
  int64_t checkpoint_interval = 10;
  // Tombstones younger than this stay in checkpoints (Delta's default: one week).
  int64_t tombstone_retention_millis = 7LL * 24 * 3600 * 1000;
};

struct CommitOptions {
  std::string operation = "WRITE";
  // Extra commitInfo fields, as the text of a JSON object (may be empty).
  std::string extra_commit_info;
  // Only add actions: safe to move past rival commits that change no metadata.
  bool blind_append = false;
  int max_retries = 16;
};

class DeltaTable {
 public:
  // REQUIRES: `store` outlives the table.
  DeltaTable(ObjectStore& store, TableOptions options = {});
  DeltaTable(const DeltaTable&) = delete;
  DeltaTable& operator=(const DeltaTable&) = delete;

  // Creates the table: version 0 with protocol (reader 1, writer 2), `metadata`
  // and `actions`. AlreadyExists when a table is there (or another creator won).
  Result<int64_t> Create(const Metadata& metadata, std::vector<Action> actions,
                         const CommitOptions& options = {});

  // Commits `actions` as the version after `read_version` (the version the
  // caller's reads saw). Returns the committed version. Conflict when another
  // writer took that version and retrying is not safe; IOError when the store
  // fails (the table is then at the previous version or at the new one, never
  // in between).
  Result<int64_t> Commit(int64_t read_version, std::vector<Action> actions,
                         const CommitOptions& options = {});

  // Loads the snapshot at `version`, or the latest.
  Result<Snapshot> LoadSnapshot(std::optional<int64_t> version = std::nullopt);

  // Writes a checkpoint of `snapshot` and points `_last_checkpoint` at it.
  Status WriteCheckpoint(const Snapshot& snapshot);

  const Status& last_checkpoint_status() const { return last_checkpoint_status_; }
  // The snapshot that a commit's checkpoint at `version` was just written
  // from, handed over once so that the caller need not replay the log again
  // (nullopt when this table wrote no checkpoint there). It is kept until
  // taken or until the next checkpoint.
  std::optional<Snapshot> TakeCheckpointSnapshot(int64_t version);
  ObjectStore& store() { return store_; }
  LazyParquetEngine& engine() { return engine_; }

 private:
  Result<int64_t> CommitAt(int64_t version, std::vector<Action> actions,
                           const CommitOptions& options);
  void MaybeCheckpoint(int64_t version);

  ObjectStore& store_;
  TableOptions options_;
  LazyParquetEngine engine_;
  Status last_checkpoint_status_;
  std::optional<Snapshot> checkpoint_snapshot_;  // see TakeCheckpointSnapshot
};

}  // namespace pond::delta
