// A pond on disk: the persistence interface implemented on the operation log
// (a Delta table under $POND/data) with a derived index under $POND/cache.
//
//   $POND/data/    the Delta table: authoritative
//   $POND/cache/   the SQLite index (index.h), rebuilt from data/ when needed
//   $POND/lock     the writer lock (flock)
//
// A transaction is one Delta commit. Begin() takes the writer lock (waiting up
// to PondOptions::lock_timeout_ms, then failing with Conflict) and brings the
// index up to date; writes stay in memory (content over the inline limit is
// streamed to a content-addressed blob at once); Commit() writes one Parquet
// file per touched partition, then the Delta commit with put-if-absent, then
// applies the rows to the index. A crash before the Delta commit leaves only
// unreferenced files; a crash after it is repaired by the next open, which
// catches the index up from the log. Readers never take the lock.
//
// Thread safety: one thread at a time; many processes may share a pond.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "delta/table.h"
#include "oplog/record.h"
#include "storage/object_store.h"
#include "tinyfs/persistence.h"
#include "tlogfs/index.h"

namespace pond::tlogfs {

struct PondOptions {
  // Read the pond as it was at this transaction (read-only).
  std::optional<int64_t> as_of;
  // How long a writer waits for another writer before giving up.
  int lock_timeout_ms = 5000;
  int64_t checkpoint_interval = 10;
};

class Pond final : public tinyfs::Persistence {
 public:
  // Creates a pond in `dir` (created if missing) with its root directory, as
  // transaction 1. AlreadyExists when `dir` already holds a pond.
  static Result<std::unique_ptr<Pond>> Init(const std::string& dir, const std::string& command,
                                            PondOptions options = {});
  // Opens the pond in `dir`. NotFound when there is none.
  static Result<std::unique_ptr<Pond>> Open(const std::string& dir, PondOptions options = {});
  ~Pond() override;

  // --- Persistence ---
  Result<std::vector<tinyfs::NodeVersion>> Versions(const tinyfs::NodeId& node) override;
  Result<std::optional<tinyfs::DirEntry>> Lookup(const tinyfs::NodeId& dir,
                                                 std::string_view name) override;
  Result<std::vector<tinyfs::DirEntry>> ListDirectory(const tinyfs::NodeId& dir) override;
  Result<std::unique_ptr<ReadStream>> OpenContent(const tinyfs::NodeId& node,
                                                  int64_t version) override;
  Result<std::unique_ptr<tinyfs::ContentWriter>> NewContent() override;
  Status WriteFile(const tinyfs::NodeId& node, const tinyfs::NodeId& part, tinyfs::EntryType type,
                   const tinyfs::ContentRef& content, const tinyfs::VersionMeta& meta) override;
  Status CreateDirectory(const tinyfs::NodeId& dir) override;
  Status InsertEntry(const tinyfs::NodeId& dir, const tinyfs::DirEntry& entry) override;
  Status RemoveEntry(const tinyfs::NodeId& dir, std::string_view name) override;
  Status Begin(const std::string& command) override;
  Result<int64_t> Commit() override;
  void Abort() override;
  bool InTransaction() const override { return txn_ != nullptr; }

  // --- for the CLI ---
  const std::string& dir() const { return dir_; }
  Index& index() { return *index_; }
  ObjectStore& store() { return *store_; }
  delta::DeltaTable& table() { return *table_; }
  // The transaction reads see (the latest, or --as-of).
  int64_t read_view() const { return view_; }
  int64_t last_txn() const { return state_.last_txn; }
  // A host path holding the content of a blob-stored version, for scanning in place.
  std::optional<std::string> BlobPath(const std::string& sha256) const;

 private:
  struct Txn;
  Pond(std::string dir, PondOptions options, std::unique_ptr<ObjectStore> store,
       std::unique_ptr<Index> index);
  // Brings the index up to the newest Delta version (rebuilding it when it
  // belongs to another table).
  Status Sync();
  Status ApplyCommits(int64_t from_version, const std::string& table_id);
  Status AcquireLock();
  void ReleaseLock();
  Result<std::vector<oplog::Record>> PendingRecords();
  Status WritePartitionFile(const std::string& part_id, const std::vector<oplog::Record>& rows,
                            delta::AddFile* add);
  Result<int64_t> LatestVersionNumber(const tinyfs::NodeId& node);

  std::string dir_;
  PondOptions options_;
  std::unique_ptr<ObjectStore> store_;
  std::unique_ptr<Index> index_;
  std::unique_ptr<delta::DeltaTable> table_;
  IndexState state_;
  int64_t view_ = kLatest;
  int lock_fd_ = -1;
  std::unique_ptr<Txn> txn_;  // set while a transaction is open
};

}  // namespace pond::tlogfs
