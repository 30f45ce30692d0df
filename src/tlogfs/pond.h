// A pond on disk: the persistence interface implemented on the operation log
// (a Delta table) with a derived index.
//
//   $POND/data/    the Delta table: authoritative (any ObjectStore)
//   $POND/cache/   the SQLite index (index.h) and its lock, rebuilt when needed
//   $POND/lock     the writer lock (flock)
//
// Opening lists the log once and brings the index up to date with it
// (index_sync.h), then pins the read view: every read of this Pond sees the
// pond as of one transaction (the newest at open, or --as-of), however many
// writers commit meanwhile. A reader that cannot write the index (read-only
// media, another user's pond, a busy rebuild past the lock wait) works from a
// private in-memory copy caught up from the log.
//
// A transaction is one Delta commit. Begin() takes the writer lock (waiting up
// to PondOptions::lock_timeout_ms, then failing with Conflict) and brings the
// index up to date; writes stay in memory (content over the inline limit is
// streamed to a content-addressed blob at once); Commit() writes one Parquet
// file per touched partition through the store (durable by name before the
// commit names it), then the Delta commit with put-if-absent. That commit is
// the commit point: from there on Commit() reports success, and a failure to
// update the index is only a warning (the next open catches up). A crash
// before it leaves only unreferenced files, which `pond gc` removes.
//
// A large transaction (a `copy -r` of many files) does not hold everything
// until the commit: every few megabytes of changes are written out as the
// commit would write them (data files not yet named by any commit) and their
// rows go into the index inside one SQLite transaction that stays open, under
// the index lock, until the commit applies the rest and commits it. Until then
// only this Pond sees them (it reads as of its own transaction number); an
// abort, a failed commit or a crash rolls the index back and leaves the data
// files to `pond gc`. Memory stays bounded whatever the transaction's size;
// the price is a second data file in partitions it writes across a flush.
//
// Everything read is checked: content against its SHA-256 and size, the log
// for missing or unreadable commits and data files. Damage is an error in one
// sentence naming the file (and the pond paths it holds); parts of the pond it
// does not touch stay readable, and writes are refused until it is repaired.
//
// Thread safety: one thread at a time; many processes may share a pond.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "delta/table.h"
#include "oplog/record.h"
#include "storage/host_files.h"
#include "storage/object_store.h"
#include "tinyfs/persistence.h"
#include "tlogfs/file_lock.h"
#include "tlogfs/index.h"

namespace pond::tlogfs {

struct PondOptions {
  // Read the pond as it was at this transaction (read-only).
  std::optional<int64_t> as_of;
  // How long a writer waits for another writer, and a reader for an index
  // rebuild, before giving up (the reader then reads the log itself).
  int lock_timeout_ms = 5000;
  int64_t checkpoint_interval = 10;
  // Open a pond whose log is damaged and read what is intact (for fsck).
  bool allow_damage = false;
};

// Compaction (maintain.cc). Every transaction adds one small data file per
// partition it touches; maintenance merges a partition's small files into one.
//
// The table property that sets automatic maintenance: after a commit at a
// checkpoint version, every partition holding at least this many small files
// is compacted ("0" turns it off).
inline constexpr char kAutoMaintainProperty[] = "pond.autoMaintain.minFiles";
inline constexpr int64_t kDefaultAutoMaintainFiles = 50;
// Files at least this large are left as they are.
inline constexpr int64_t kSmallDataFileBytes = 32LL << 20;

struct MaintainOptions {
  // Compact a partition that holds at least this many small files (>= 2).
  int64_t min_files = 2;
  bool dry_run = false;
};

// One partition's compaction.
struct PartitionCompaction {
  std::string part_id;
  int64_t files = 0;      // small files merged
  int64_t bytes = 0;      // their bytes
  int64_t rows = 0;       // operation-log rows they hold
  int64_t new_bytes = 0;  // the merged file's bytes (0 for a dry run)
};

struct MaintainReport {
  // The table's live data files before and after, and how many partitions.
  int64_t files_before = 0;
  int64_t bytes_before = 0;
  int64_t files_after = 0;
  int64_t bytes_after = 0;
  int64_t partitions = 0;
  std::vector<PartitionCompaction> compacted;
  int64_t delta_version = -1;  // the maintenance commit (-1: none)
  int64_t auto_threshold = 0;  // the automatic-maintenance threshold in force (0: off)
};

class Pond final : public tinyfs::Persistence {
 public:
  // Creates a pond in host folder `dir` with its root directory, as
  // transaction 1. AlreadyExists when `dir` holds a pond; InvalidArgument when
  // it holds anything else, or lies inside another pond.
  static Result<std::unique_ptr<Pond>> Init(const std::string& dir, const std::string& command,
                                            PondOptions options = {});
  // Opens the pond in `dir`. NotFound when there is none.
  static Result<std::unique_ptr<Pond>> Open(const std::string& dir, PondOptions options = {});
  // The same on a pond whose data lives in `store` (any ObjectStore), with its
  // lock and cache under the host folder `local_dir`.
  static Result<std::unique_ptr<Pond>> InitOn(std::unique_ptr<ObjectStore> store,
                                              const std::string& local_dir,
                                              const std::string& command, PondOptions options = {});
  static Result<std::unique_ptr<Pond>> OpenOn(std::unique_ptr<ObjectStore> store,
                                              const std::string& local_dir,
                                              PondOptions options = {});
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
  Status WriteNewFile(const tinyfs::NodeId& node, const tinyfs::NodeId& part,
                      tinyfs::EntryType type, const tinyfs::ContentRef& content,
                      const tinyfs::VersionMeta& meta) override;
  Status CreateDirectory(const tinyfs::NodeId& dir) override;
  Status InsertEntry(const tinyfs::NodeId& dir, const tinyfs::DirEntry& entry) override;
  Status RemoveEntry(const tinyfs::NodeId& dir, std::string_view name) override;
  Status Begin(const std::string& command) override;
  Result<int64_t> Commit() override;
  void Abort() override;
  bool InTransaction() const override { return txn_ != nullptr; }

  // --- maintenance (maintain.cc) ---
  // Compacts each partition with at least options.min_files small data files
  // into one file, in one Delta commit of removes and adds with dataChange
  // false (Delta's OPTIMIZE): every row stays as it was, so history, --as-of
  // and the index are unchanged, and the commit takes no pond transaction
  // number. Each merged file is read back and checked against its inputs
  // before it is committed. REQUIRES: InTransaction(), with nothing written.
  Result<MaintainReport> Maintain(const MaintainOptions& options);
  // Sets the automatic-maintenance threshold (kAutoMaintainProperty; 0: off)
  // in the table's metadata, in its own commit. REQUIRES: InTransaction().
  Status SetAutoMaintain(int64_t min_files);

  // --- for the CLI ---
  const std::string& dir() const { return dir_; }
  Index& index() { return *index_; }
  ObjectStore& store() { return *store_; }
  delta::DeltaTable& table() { return *table_; }
  // The transaction reads see (pinned at open; moved by Begin and Commit).
  int64_t read_view() const { return view_; }
  int64_t last_txn() const { return state_.last_txn; }
  // The log's health at open: OK, or Corruption naming the damage.
  const Status& log_health() const { return log_health_; }
  // Data files the index could not read, and whether the index was rebuilt.
  const std::vector<DamagedFile>& damaged_files() const { return damaged_; }
  // A host file holding blob content `sha256` of `size` bytes, checked against
  // both before it is returned, for readers that scan files in place (DuckDB).
  // Corruption naming the blob when it is missing or damaged.
  Result<std::string> BlobHostPath(const std::string& sha256, uint64_t size);
  // The path of node `node` in the read view ("" when no directory holds it).
  std::string PathOf(const tinyfs::NodeId& node);

 private:
  struct Txn;
  Pond(std::string dir, PondOptions options, std::unique_ptr<ObjectStore> store);
  // Brings the index up to date with the log (see above). Unless `full`, an
  // index whose newest commit is unchanged with none after it is taken as
  // current without listing the log (O(1) for readers); writers list always.
  Status Load(bool full);
  Result<bool> QuickCheck();
  Status LoadDamaged();
  Status UsePrivateIndex();
  Status CheckReadable() const;
  // Corruption when partition `part` has a damaged data file.
  Status CheckPartition(const std::string& part);
  // Takes the transaction's changes held in memory as records: its file
  // versions, and a new version of each directory it changed.
  Result<std::vector<oplog::Record>> PendingRecords();
  Status WritePartitionFile(const std::string& part_id, std::span<const oplog::Record> rows,
                            delta::AddFile* add);
  Status PublishDataFile(const std::string& part_id, const std::string& host_path, size_t rows,
                         delta::AddFile* add);
  // One data file per partition of `records` (grouped by partition), written
  // together; the add action of each file published is appended to `adds`,
  // also when a later one fails.
  Status WriteDataFiles(const std::vector<oplog::Record>& records,
                        std::vector<delta::Action>* adds);
  Result<int64_t> LatestVersionNumber(const tinyfs::NodeId& node);
  // The transaction the index is read as of: the read view, or the open
  // transaction's own once some of its changes are written out (staged).
  int64_t TxnView() const;
  // Writes the transaction's changes out (data files, and rows staged in the
  // index) once they hold kFlushBytes or more.
  Status FlushChanges();
  // Ends the open transaction (committed or not): the index's staged rows are
  // rolled back unless the commit applied them, and the locks are released.
  void EndTxn();
  // Commits `actions` that change no rows (maintenance, table properties) and
  // records the new version in the index.
  Result<int64_t> CommitWithoutRows(std::vector<delta::Action> actions,
                                    const std::string& operation,
                                    const std::string& extra_commit_info);
  // After a commit at a checkpoint version: compacts what the threshold asks.
  void AutoMaintain();
  // Maintain() on `snapshot`, the table at the current version.
  Result<MaintainReport> MaintainSnapshot(const delta::Snapshot& snapshot,
                                          const MaintainOptions& options);
  // The open transaction's command line, and whether it has written anything.
  const std::string& TxnCommand() const;
  bool TxnHasWrites() const;
  void AddVersion(const tinyfs::NodeId& node, const tinyfs::NodeId& part, int64_t version,
                  tinyfs::EntryType type, const tinyfs::ContentRef& content,
                  const tinyfs::VersionMeta& meta);
  void ApplyCommitToIndex(const TxnRow& row, const std::vector<oplog::Record>& records,
                          const std::string& commit_sha);

  std::string dir_;  // the host folder of the lock and the cache
  PondOptions options_;
  std::unique_ptr<ObjectStore> store_;
  std::unique_ptr<delta::DeltaTable> table_;
  HostFiles host_files_;  // scratch files, and fetched copies for stores not on this host
  std::unique_ptr<Index> index_;
  IndexState state_;
  std::string table_id_;
  int64_t view_ = 0;
  Status log_health_;
  bool index_complete_ = true;  // the index holds every version of the log
  int64_t intact_txn_ = 0;      // the newest transaction the log holds intact
  std::vector<DamagedFile> damaged_;
  std::map<std::string, const DamagedFile*> damaged_by_part_;
  std::map<std::string, std::string> verified_blobs_;  // sha256 -> host path
  std::unique_ptr<FileLock> writer_lock_;
  std::unique_ptr<Txn> txn_;  // set while a transaction is open
};

}  // namespace pond::tlogfs
