// The pond's index: a SQLite database under $POND/cache/ that holds every
// operation-log row in a form that answers point queries fast (a directory
// entry by name, a node's versions, a small file's bytes) without starting
// DuckDB or replaying history.
//
// It is a cache: everything in it is derived from the Delta table under data/,
// and it records the Delta version it reflects. Transactions are applied in
// Delta version order, each exactly once: Apply() takes only the version after
// the one recorded, inside one SQLite transaction that also checks and moves
// the recorded version, so racing processes can never skip or repeat one.
// Replace() swaps the whole content (a rebuild) in one SQLite transaction, so a
// reader sees the old index or the new, never a half-cleared one.
//
// Directory membership is kept with its validity interval of transactions
// [txn_from, txn_to), so reading as of any past transaction is a range query.
//
// Thread safety: one thread at a time. Several processes may open one index
// file: SQLite's locking serializes writers, and readers see committed state.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "oplog/record.h"
#include "tinyfs/node.h"
#include "util/status.h"

struct sqlite3;
struct sqlite3_stmt;

namespace pond::tlogfs {

// A read view: everything committed up to and including transaction `as_of`.
inline constexpr int64_t kLatest = INT64_MAX;

struct TxnRow {
  int64_t txn_seq = 0;
  int64_t delta_version = 0;
  int64_t timestamp = 0;  // micros
  std::string command;
  int64_t records = 0;  // rows the transaction wrote
};

struct IndexState {
  std::string table_id;        // the Delta table's metaData.id ("" when empty)
  int64_t delta_version = -1;  // last Delta version applied (-1: none)
  int64_t last_txn = 0;        // last pond transaction applied (0: none)
  // SHA-256 of the commit file of `delta_version` as applied ("" when not
  // known): a reader that finds that file unchanged and no commit after it
  // knows the index is current without listing the log.
  std::string commit_sha;
};

// A data file of the log that could not be read when the index was built.
struct DamagedFile {
  std::string path;  // the Delta path, part_id=<id>/<name>.parquet
  std::string part_id;
  int64_t delta_version = 0;  // the commit that added it
  std::string reason;
};

// One transaction's rows, for Replace().
struct TxnRecords {
  TxnRow txn;
  std::vector<oplog::Record> records;
};

class Index {
 public:
  // Opens (creating if needed) the index file at `path` for reading and
  // writing. A file that is not a usable index is replaced by an empty one (it
  // is only a cache). NotSupported when the file or its folder cannot be
  // written (read-only media, another user's pond): the caller then works from
  // a private copy (OpenCopy) or a fresh index (OpenPrivate).
  static Result<std::unique_ptr<Index>> OpenFile(const std::string& path);
  // A private copy of the index file at `path`, read without writing anything
  // there. NotFound or Corruption when there is none to copy.
  static Result<std::unique_ptr<Index>> OpenCopy(const std::string& path);
  // An empty private index, seen by this process alone: SQLite's temporary
  // database, held in memory up to 16 MiB and beyond that in an
  // unlinked file under $TMPDIR, so its memory does not grow with the pond.
  static Result<std::unique_ptr<Index>> OpenPrivate();
  ~Index();
  Index(const Index&) = delete;
  Index& operator=(const Index&) = delete;

  bool is_private() const { return private_; }
  // A private index that began as a copy of an index file (OpenCopy).
  bool is_copy() const { return copy_; }

  // The recorded state. A state that does not parse comes back empty
  // (delta_version -1), which makes the caller rebuild.
  Result<IndexState> State();

  // Applies Delta version `txn.delta_version` of table `table_id`: its rows,
  // the directory changes they carry, its txn row, and the new state, all in
  // one SQLite transaction; `commit_sha` is the hash of its commit file. A
  // version at or below the recorded one was applied
  // already (by another process): OK, nothing changes. Conflict when the index
  // belongs to another table or is more than one version behind.
  Status Apply(const TxnRow& txn, const std::vector<oplog::Record>& records,
               const std::string& table_id, const std::string& commit_sha,
               const std::vector<DamagedFile>& damaged = {});

  // The same in pieces, for a transaction too large to hold in memory until
  // its commit. BeginApply opens the SQLite transaction (taking SQLite's write
  // lock until FinishApply or CancelApply) when the index is at Delta version
  // `after_version` of `table_id`, and fails with Conflict otherwise.
  // AddRecords stores rows of the coming transaction: queries of this
  // connection as of its txn_seq see them, other connections do not.
  // FinishApply adds the last rows, the txn row and the state, as Apply, and
  // commits; CancelApply rolls everything back.
  Status BeginApply(const std::string& table_id, int64_t after_version);
  Status AddRecords(std::span<const oplog::Record> records);
  Status FinishApply(const TxnRow& txn, const std::vector<oplog::Record>& records,
                     const std::string& table_id, const std::string& commit_sha);
  void CancelApply();

  // Replaces everything with `txns` (applied in order) and `state`, in one
  // SQLite transaction. When the index already holds `state.table_id` at
  // `state.delta_version` or later, it keeps its newer content instead.
  Status Replace(const IndexState& state, const std::vector<TxnRecords>& txns,
                 const std::vector<DamagedFile>& damaged);

  // Records `commit_sha` as the hash of the commit file of `version`, if the
  // index is at that version (a no-op otherwise).
  Status SetCommitSha(int64_t version, const std::string& commit_sha);

  // Forgets the recorded state so that the next open rebuilds the index.
  Status Invalidate();

  // --- queries, as of a transaction ---
  Result<std::optional<tinyfs::DirEntry>> Lookup(const std::string& dir, const std::string& name,
                                                 int64_t as_of);
  Result<std::vector<tinyfs::DirEntry>> List(const std::string& dir, int64_t as_of);
  // Versions of a node, oldest first, without content. Empty when none.
  Result<std::vector<oplog::Record>> Versions(const std::string& node, int64_t as_of);
  // Where one version's bytes are: its SHA-256 and size and, unless it is a
  // blob, the inline bytes. nullopt when the node has no such version.
  struct StoredContent {
    std::string part_id;
    std::string sha256;
    int64_t size = 0;
    std::optional<std::string> inline_bytes;
  };
  Result<std::optional<StoredContent>> Content(const std::string& node, int64_t version,
                                               int64_t as_of);
  // The entry naming `child` as of `as_of` (its parent directory and name), for
  // turning a node id into a path. nullopt when no directory holds it.
  struct ParentLink {
    std::string dir;
    std::string name;
  };
  Result<std::optional<ParentLink>> ParentOf(const std::string& child, int64_t as_of);

  Result<std::vector<TxnRow>> Transactions(int64_t as_of, int64_t limit);
  // The newest transaction committed at or before Delta version `version` (0: none).
  Result<int64_t> LastTxnAtVersion(int64_t version);
  // Rows for `pond show`, oldest first; empty `part_id` means every partition.
  Result<std::vector<oplog::Record>> Records(const std::string& part_id, int64_t since_micros,
                                             int64_t until_micros, int64_t as_of, int64_t limit);
  // Every node version up to as_of, with inline content.
  Result<std::vector<oplog::Record>> AllRecords(int64_t as_of);
  // The same records one at a time, ordered by (node_id, version) with
  // node ids compared byte by byte: memory stays flat however large the pond.
  class RecordScan {
   public:
    virtual ~RecordScan() = default;
    // The next record; nullopt after the last.
    virtual Result<std::optional<oplog::Record>> Next() = 0;
  };
  Result<std::unique_ptr<RecordScan>> ScanRecords(int64_t as_of);
  // Replace() for a whole log, without holding it in memory: the old content
  // goes and `fill` writes the new through a Bulk, all in one SQLite
  // transaction. Nothing is written when another process has recorded
  // `delta_version` of `table_id` or a later one.
  class Bulk {
   public:
    // Records of any transactions, in the order their data files are read.
    Status AddRecords(std::span<const oplog::Record> records);
    // Once every record is in: the directory entries, from the directory
    // records in (txn_seq, node_id, version) order, as Apply derives them
    // transaction by transaction.
    Status DeriveEntries();
    // Each transaction the records name, in order, with its number of
    // records and the time of its first record (the first added).
    Status ForEachTxn(const std::function<Status(int64_t txn_seq, int64_t records,
                                                 int64_t first_timestamp)>& each);
    Status AddTxn(const TxnRow& txn);
    Status AddDamaged(const std::vector<DamagedFile>& damaged);
    Status SaveState(const IndexState& state);

   private:
    friend class Index;
    explicit Bulk(Index& index) : index_(index) {}
    Index& index_;
  };
  Status ReplaceInBulk(const std::string& table_id, int64_t delta_version,
                       const std::function<Status(Bulk&)>& fill);

  // The rows of a table the index derives from the records, each value encoded
  // with its SQLite storage type, in primary-key order: fsck compares them
  // with those of an index rebuilt from the log.
  enum class Derived { kEntries, kTxns };
  class RowScan {
   public:
    virtual ~RowScan() = default;
    // The next row's values; nullopt after the last.
    virtual Result<std::optional<std::vector<std::string>>> Next() = 0;
  };
  // kEntries: dir_id, name, child_id, entry_type, txn_from, txn_to.
  // kTxns: txn_seq, delta_version, timestamp, command, records.
  // Each as of transaction `as_of`.
  Result<std::unique_ptr<RowScan>> ScanDerived(Derived table, int64_t as_of);
  // Each blob that node versions up to as_of use, once, in hash order, with
  // the size its first user recorded.
  Status ForEachBlob(int64_t as_of,
                     const std::function<Status(const std::string& sha256, int64_t size)>& each);
  // The node versions up to as_of whose content is the blob `sha256`, without content.
  Result<std::vector<oplog::Record>> BlobUsers(const std::string& sha256, int64_t as_of);
  // The hashes of every blob any node version (as of any transaction) uses.
  Result<std::vector<std::string>> BlobHashes();
  // Data files that could not be read when the index was built.
  Result<std::vector<DamagedFile>> Damaged();

 private:
  Index(sqlite3* db, bool is_private) : db_(db), private_(is_private) {}
  Status Exec(const char* sql);
  // Within an open SQLite transaction: the rows of one Delta version.
  Status Insert(const TxnRow& txn, const std::vector<oplog::Record>& records);
  // Its rows (and the directory entries they change) without the txn row.
  Status InsertRows(std::span<const oplog::Record> records);
  // The rows alone: no directory entries.
  Status InsertRecordRows(std::span<const oplog::Record> records);
  Status InsertTxn(const TxnRow& txn);
  // The checks of Apply against the recorded state: false when `version` is
  // applied already.
  Result<bool> CanTake(const std::string& table_id, int64_t version);
  // Within an open SQLite transaction, after CanTake: the version's rows, its
  // txn row, `damaged`, and the new state.
  Status Take(const TxnRow& txn, const std::vector<oplog::Record>& records,
              const std::string& table_id, const std::string& commit_sha,
              const std::vector<DamagedFile>& damaged);
  Status InsertDamaged(const std::vector<DamagedFile>& damaged);
  Status SaveState(const IndexState& state);
  // Runs `body` in BEGIN IMMEDIATE ... COMMIT, rolling back when it fails.
  Status InWriteTransaction(const std::function<Status()>& body);

  // The prepared statement for `sql`, kept for the next call (a copy looks
  // up every name it writes); nullptr when it cannot be prepared.
  sqlite3_stmt* Cached(const char* sql);

  sqlite3* db_;
  bool private_;
  bool copy_ = false;
  std::map<const char*, sqlite3_stmt*> cached_;  // by the address of a literal
  bool applying_ = false;  // between BeginApply and FinishApply or CancelApply
};

}  // namespace pond::tlogfs
