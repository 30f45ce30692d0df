// The pond's index: a SQLite database under $POND/cache/ that holds every
// operation-log row in a form that answers point queries fast (a directory
// entry by name, a node's versions, a small file's bytes) without starting
// DuckDB or replaying history.
//
// It is a cache: everything in it is derived from the Delta table under data/,
// and it records the Delta version it reflects. When it is missing, behind, or
// belongs to another table, the pond rebuilds or catches it up from the log.
// Directory membership is kept with its validity interval of transactions
// [txn_from, txn_to), so reading as of any past transaction is a range query.
//
// Thread safety: one thread at a time. Several processes may open one index:
// SQLite's locking serializes writers, and readers see committed state.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "oplog/record.h"
#include "tinyfs/node.h"
#include "util/status.h"

struct sqlite3;

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
};

class Index {
 public:
  // Opens (creating if needed) the index at `path`. A file that is not a
  // usable index is replaced by an empty one: it is only a cache.
  static Result<std::unique_ptr<Index>> Open(const std::string& path);
  ~Index();
  Index(const Index&) = delete;
  Index& operator=(const Index&) = delete;

  Result<IndexState> State();

  // Applies one transaction atomically: its rows, the directory changes they
  // carry, its txn row, and the new state.
  Status Apply(const TxnRow& txn, const std::vector<oplog::Record>& records,
               const std::string& table_id);

  // Forgets everything (for a rebuild).
  Status Clear();

  // --- queries, as of a transaction ---
  Result<std::optional<tinyfs::DirEntry>> Lookup(const std::string& dir, const std::string& name,
                                                 int64_t as_of);
  Result<std::vector<tinyfs::DirEntry>> List(const std::string& dir, int64_t as_of);
  // Versions of a node, oldest first, without content. Empty when none.
  Result<std::vector<oplog::Record>> Versions(const std::string& node, int64_t as_of);
  // Where one version's bytes are: its SHA-256 and, unless it is a blob, the
  // inline bytes. nullopt when the node has no such version as of `as_of`.
  struct StoredContent {
    std::string sha256;
    std::optional<std::string> inline_bytes;
  };
  Result<std::optional<StoredContent>> Content(const std::string& node, int64_t version,
                                               int64_t as_of);

  Result<std::vector<TxnRow>> Transactions(int64_t as_of, int64_t limit);
  // Rows for `pond show`, oldest first; empty `part_id` means every partition.
  Result<std::vector<oplog::Record>> Records(const std::string& part_id, int64_t since_micros,
                                             int64_t until_micros, int64_t as_of, int64_t limit);
  // Every (path-less) node version for system tables: all rows up to as_of.
  Result<std::vector<oplog::Record>> AllRecords(int64_t as_of);

 private:
  explicit Index(sqlite3* db) : db_(db) {}
  Status Exec(const char* sql);
  sqlite3* db_;
};

}  // namespace pond::tlogfs
