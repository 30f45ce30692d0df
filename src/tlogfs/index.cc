#include "tlogfs/index.h"

#include <sqlite3.h>

#include <filesystem>

namespace pond::tlogfs {
namespace {

// Bump when kSchema changes: an index of another version is rebuilt.
constexpr int kSchemaVersion = 1;

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS records(
  node_id TEXT NOT NULL, version INTEGER NOT NULL, part_id TEXT NOT NULL,
  entry_type TEXT NOT NULL, timestamp INTEGER NOT NULL, size INTEGER NOT NULL,
  sha256 TEXT, content BLOB, min_event_time INTEGER, max_event_time INTEGER,
  attributes TEXT, factory TEXT, txn_seq INTEGER NOT NULL);
CREATE UNIQUE INDEX IF NOT EXISTS records_by_node ON records(node_id, version);
CREATE INDEX IF NOT EXISTS records_by_txn ON records(txn_seq);
CREATE TABLE IF NOT EXISTS entries(
  dir_id TEXT NOT NULL, name TEXT NOT NULL, child_id TEXT NOT NULL, entry_type TEXT NOT NULL,
  txn_from INTEGER NOT NULL, txn_to INTEGER,
  PRIMARY KEY(dir_id, name, txn_from)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS txns(
  txn_seq INTEGER PRIMARY KEY, delta_version INTEGER NOT NULL, timestamp INTEGER NOT NULL,
  command TEXT NOT NULL, records INTEGER NOT NULL);
)sql";

// The columns of `records` in Record order, content excluded.
constexpr const char* kRecordColumns =
    "part_id, node_id, version, entry_type, timestamp, size, sha256, content IS NOT NULL, "
    "min_event_time, max_event_time, attributes, factory, txn_seq";

Status SqlError(sqlite3* db, const std::string& what) {
  return Status::IOError("the pond's index cannot " + what + ": " + sqlite3_errmsg(db));
}

// A prepared statement; finalized on destruction.
class Stmt {
 public:
  Stmt(sqlite3* db, const char* sql) : db_(db) {
    if (sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr) != SQLITE_OK) stmt_ = nullptr;
  }
  ~Stmt() { sqlite3_finalize(stmt_); }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;

  bool ok() const { return stmt_ != nullptr; }
  Stmt& Bind(int i, const std::string& s) {
    sqlite3_bind_text(stmt_, i, s.data(), static_cast<int>(s.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Stmt& Bind(int i, int64_t v) {
    sqlite3_bind_int64(stmt_, i, v);
    return *this;
  }
  Stmt& BindBlob(int i, const std::optional<std::string>& b) {
    if (b) {
      sqlite3_bind_blob(stmt_, i, b->data(), static_cast<int>(b->size()), SQLITE_TRANSIENT);
    } else {
      sqlite3_bind_null(stmt_, i);
    }
    return *this;
  }
  Stmt& Bind(int i, const std::optional<int64_t>& v) {
    if (v) {
      sqlite3_bind_int64(stmt_, i, *v);
    } else {
      sqlite3_bind_null(stmt_, i);
    }
    return *this;
  }
  Stmt& BindOpt(int i, const std::optional<std::string>& s) {
    if (s) return Bind(i, *s);
    sqlite3_bind_null(stmt_, i);
    return *this;
  }
  // SQLITE_ROW: a row is ready; SQLITE_DONE: finished; anything else: error.
  int Step() { return sqlite3_step(stmt_); }
  Status Run(const std::string& what) {
    int rc = Step();
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
    return rc == SQLITE_DONE || rc == SQLITE_ROW ? Status::OK() : SqlError(db_, what);
  }
  int64_t Int(int c) const { return sqlite3_column_int64(stmt_, c); }
  bool IsNull(int c) const { return sqlite3_column_type(stmt_, c) == SQLITE_NULL; }
  std::string Text(int c) const {
    const void* p = sqlite3_column_blob(stmt_, c);
    int n = sqlite3_column_bytes(stmt_, c);
    return p ? std::string(static_cast<const char*>(p), static_cast<size_t>(n)) : std::string();
  }
  std::optional<int64_t> OptInt(int c) const {
    return IsNull(c) ? std::nullopt : std::optional<int64_t>(Int(c));
  }
  std::optional<std::string> OptText(int c) const {
    return IsNull(c) ? std::nullopt : std::optional<std::string>(Text(c));
  }

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
};

// Reads a row selected with kRecordColumns. Inline content is represented by
// an empty placeholder string (fetch it with Index::Content).
oplog::Record ReadRecord(const Stmt& s) {
  oplog::Record r;
  r.part_id = s.Text(0);
  r.node_id = s.Text(1);
  r.version = s.Int(2);
  r.entry_type = s.Text(3);
  r.timestamp = s.Int(4);
  r.size = s.Int(5);
  r.sha256 = s.IsNull(6) ? "" : s.Text(6);
  if (s.Int(7)) r.content = std::string();
  r.min_event_time = s.OptInt(8);
  r.max_event_time = s.OptInt(9);
  r.attributes = s.IsNull(10) ? "{}" : s.Text(10);
  r.factory = s.OptText(11);
  r.txn_seq = s.Int(12);
  return r;
}

Status Prepared(const Stmt& s, sqlite3* db) {
  return s.ok() ? Status::OK() : SqlError(db, "prepare a query");
}

}  // namespace

Result<std::unique_ptr<Index>> Index::Open(const std::string& path) {
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ec);
  for (int attempt = 0; attempt < 2; ++attempt) {
    sqlite3* db = nullptr;
    int rc =
        sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
    if (rc == SQLITE_OK) {
      sqlite3_busy_timeout(db, 30000);
      rc = sqlite3_exec(db, "PRAGMA synchronous=NORMAL", nullptr, nullptr, nullptr);
      // A new file gets WAL mode (it persists) and the schema once; every
      // later open skips both, which is most of what opening costs.
      int version = -1;
      sqlite3_stmt* stmt = nullptr;
      if (rc == SQLITE_OK &&
          sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &stmt, nullptr) == SQLITE_OK &&
          sqlite3_step(stmt) == SQLITE_ROW) {
        version = sqlite3_column_int(stmt, 0);
      }
      sqlite3_finalize(stmt);
      if (rc == SQLITE_OK && version != kSchemaVersion) {
        rc = sqlite3_exec(db, "PRAGMA journal_mode=WAL", nullptr, nullptr, nullptr);
        if (rc == SQLITE_OK) rc = sqlite3_exec(db, kSchema, nullptr, nullptr, nullptr);
        std::string set = "PRAGMA user_version=" + std::to_string(kSchemaVersion);
        if (rc == SQLITE_OK) rc = sqlite3_exec(db, set.c_str(), nullptr, nullptr, nullptr);
      }
    }
    if (rc == SQLITE_OK) return std::unique_ptr<Index>(new Index(db));
    std::string message = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED || attempt == 1) {
      return Status::IOError("cannot open the pond's index " + path + ": " + message);
    }
    // Not a usable database: it is a cache, so start it afresh.
    for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path + suffix, ec);
  }
  return Status::Internal("unreachable");
}

Index::~Index() { sqlite3_close(db_); }

Status Index::Exec(const char* sql) {
  if (sqlite3_exec(db_, sql, nullptr, nullptr, nullptr) != SQLITE_OK) {
    return SqlError(db_, "run '" + std::string(sql) + "'");
  }
  return Status::OK();
}

Result<IndexState> Index::State() {
  IndexState state;
  Stmt s(db_, "SELECT key, value FROM meta");
  RETURN_IF_ERROR(Prepared(s, db_));
  int rc;
  while ((rc = s.Step()) == SQLITE_ROW) {
    std::string key = s.Text(0), value = s.Text(1);
    if (key == "table_id") state.table_id = value;
    if (key == "delta_version") state.delta_version = std::stoll(value);
    if (key == "last_txn") state.last_txn = std::stoll(value);
  }
  if (rc != SQLITE_DONE) return SqlError(db_, "read its state");
  return state;
}

Status Index::Clear() {
  return Exec(
      "BEGIN IMMEDIATE; DELETE FROM meta; DELETE FROM records; DELETE FROM entries; "
      "DELETE FROM txns; COMMIT;");
}

Status Index::Apply(const TxnRow& txn, const std::vector<oplog::Record>& records,
                    const std::string& table_id) {
  RETURN_IF_ERROR(Exec("BEGIN IMMEDIATE"));
  Status st = [&]() -> Status {
    // Another process may have applied this transaction already.
    ASSIGN_OR_RETURN(IndexState state, State());
    if (state.delta_version >= txn.delta_version && state.table_id == table_id) {
      return Status::OK();
    }
    Stmt insert(db_,
                "INSERT INTO records(part_id, node_id, version, entry_type, timestamp, size, "
                "sha256, content, min_event_time, max_event_time, attributes, factory, txn_seq) "
                "VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?)");
    Stmt add(db_,
             "INSERT INTO entries(dir_id, name, child_id, entry_type, txn_from) VALUES(?,?,?,?,?)");
    Stmt remove(db_,
                "UPDATE entries SET txn_to = ? WHERE dir_id = ? AND name = ? AND txn_to IS NULL");
    RETURN_IF_ERROR(Prepared(insert, db_));
    RETURN_IF_ERROR(Prepared(add, db_));
    RETURN_IF_ERROR(Prepared(remove, db_));
    for (const oplog::Record& r : records) {
      insert.Bind(1, r.part_id).Bind(2, r.node_id).Bind(3, r.version).Bind(4, r.entry_type);
      insert.Bind(5, r.timestamp).Bind(6, r.size);
      insert.BindOpt(7, r.sha256.empty() ? std::nullopt : std::optional<std::string>(r.sha256));
      insert.BindBlob(8, r.content).Bind(9, r.min_event_time).Bind(10, r.max_event_time);
      insert.Bind(11, r.attributes).BindOpt(12, r.factory).Bind(13, r.txn_seq);
      RETURN_IF_ERROR(insert.Run("store a record"));
      if (r.entry_type != "directory" || !r.content) continue;
      ASSIGN_OR_RETURN(auto changes, oplog::DecodeDirChanges(*r.content));
      for (const oplog::DirChange& c : changes) {
        if (c.op == oplog::DirChange::Op::kRemove) {
          remove.Bind(1, r.txn_seq).Bind(2, r.node_id).Bind(3, c.name);
          RETURN_IF_ERROR(remove.Run("remove an entry"));
        } else {
          add.Bind(1, r.node_id).Bind(2, c.name).Bind(3, c.child).Bind(4, c.entry_type);
          add.Bind(5, r.txn_seq);
          RETURN_IF_ERROR(add.Run("add an entry"));
        }
      }
    }
    Stmt t(db_, "INSERT OR REPLACE INTO txns VALUES(?,?,?,?,?)");
    RETURN_IF_ERROR(Prepared(t, db_));
    t.Bind(1, txn.txn_seq).Bind(2, txn.delta_version).Bind(3, txn.timestamp).Bind(4, txn.command);
    t.Bind(5, txn.records);
    RETURN_IF_ERROR(t.Run("record a transaction"));
    Stmt m(db_, "INSERT OR REPLACE INTO meta VALUES(?, ?)");
    RETURN_IF_ERROR(Prepared(m, db_));
    RETURN_IF_ERROR(m.Bind(1, std::string("table_id")).Bind(2, table_id).Run("save its state"));
    RETURN_IF_ERROR(m.Bind(1, std::string("delta_version"))
                        .Bind(2, std::to_string(txn.delta_version))
                        .Run("save its state"));
    return m.Bind(1, std::string("last_txn"))
        .Bind(2, std::to_string(std::max(txn.txn_seq, state.last_txn)))
        .Run("save its state");
  }();
  if (!st.ok()) {
    (void)Exec("ROLLBACK");
    return st;
  }
  return Exec("COMMIT");
}

Result<std::optional<tinyfs::DirEntry>> Index::Lookup(const std::string& dir,
                                                      const std::string& name, int64_t as_of) {
  Stmt s(db_,
         "SELECT child_id, entry_type FROM entries WHERE dir_id = ? AND name = ? AND "
         "txn_from <= ? AND (txn_to IS NULL OR txn_to > ?)");
  RETURN_IF_ERROR(Prepared(s, db_));
  s.Bind(1, dir).Bind(2, name).Bind(3, as_of).Bind(4, as_of);
  int rc = s.Step();
  if (rc == SQLITE_DONE) return std::optional<tinyfs::DirEntry>();
  if (rc != SQLITE_ROW) return SqlError(db_, "look up an entry");
  ASSIGN_OR_RETURN(tinyfs::EntryType type, tinyfs::ParseEntryType(s.Text(1)));
  return std::optional<tinyfs::DirEntry>(tinyfs::DirEntry{name, s.Text(0), type});
}

Result<std::vector<tinyfs::DirEntry>> Index::List(const std::string& dir, int64_t as_of) {
  Stmt s(db_,
         "SELECT name, child_id, entry_type FROM entries WHERE dir_id = ? AND txn_from <= ? AND "
         "(txn_to IS NULL OR txn_to > ?) ORDER BY name");
  RETURN_IF_ERROR(Prepared(s, db_));
  s.Bind(1, dir).Bind(2, as_of).Bind(3, as_of);
  std::vector<tinyfs::DirEntry> out;
  int rc;
  while ((rc = s.Step()) == SQLITE_ROW) {
    ASSIGN_OR_RETURN(tinyfs::EntryType type, tinyfs::ParseEntryType(s.Text(2)));
    out.push_back({s.Text(0), s.Text(1), type});
  }
  if (rc != SQLITE_DONE) return SqlError(db_, "list a directory");
  return out;
}

Result<std::vector<oplog::Record>> Index::Versions(const std::string& node, int64_t as_of) {
  std::string sql = std::string("SELECT ") + kRecordColumns +
                    " FROM records WHERE node_id = ? AND txn_seq <= ? ORDER BY version";
  Stmt s(db_, sql.c_str());
  RETURN_IF_ERROR(Prepared(s, db_));
  s.Bind(1, node).Bind(2, as_of);
  std::vector<oplog::Record> out;
  int rc;
  while ((rc = s.Step()) == SQLITE_ROW) out.push_back(ReadRecord(s));
  if (rc != SQLITE_DONE) return SqlError(db_, "read a node's versions");
  return out;
}

Result<std::optional<Index::StoredContent>> Index::Content(const std::string& node, int64_t version,
                                                           int64_t as_of) {
  Stmt s(db_,
         "SELECT sha256, content FROM records WHERE node_id = ? AND version = ? AND txn_seq <= ?");
  RETURN_IF_ERROR(Prepared(s, db_));
  s.Bind(1, node).Bind(2, version).Bind(3, as_of);
  int rc = s.Step();
  if (rc == SQLITE_DONE) return std::optional<StoredContent>();
  if (rc != SQLITE_ROW) return SqlError(db_, "read content");
  return std::optional<StoredContent>(StoredContent{s.IsNull(0) ? "" : s.Text(0), s.OptText(1)});
}

Result<std::vector<TxnRow>> Index::Transactions(int64_t as_of, int64_t limit) {
  Stmt s(db_,
         "SELECT txn_seq, delta_version, timestamp, command, records FROM txns WHERE txn_seq <= ? "
         "ORDER BY txn_seq DESC LIMIT ?");
  RETURN_IF_ERROR(Prepared(s, db_));
  s.Bind(1, as_of).Bind(2, limit);
  std::vector<TxnRow> out;
  int rc;
  while ((rc = s.Step()) == SQLITE_ROW) {
    out.push_back({s.Int(0), s.Int(1), s.Int(2), s.Text(3), s.Int(4)});
  }
  if (rc != SQLITE_DONE) return SqlError(db_, "list transactions");
  return out;
}

Result<std::vector<oplog::Record>> Index::Records(const std::string& part_id, int64_t since_micros,
                                                  int64_t until_micros, int64_t as_of,
                                                  int64_t limit) {
  std::string sql = std::string("SELECT ") + kRecordColumns +
                    ", content FROM records WHERE (? = '' OR part_id = ?) AND timestamp >= ? AND "
                    "timestamp <= ? AND txn_seq <= ? ORDER BY txn_seq, rowid LIMIT ?";
  Stmt s(db_, sql.c_str());
  RETURN_IF_ERROR(Prepared(s, db_));
  s.Bind(1, part_id).Bind(2, part_id).Bind(3, since_micros).Bind(4, until_micros);
  s.Bind(5, as_of).Bind(6, limit);
  std::vector<oplog::Record> out;
  int rc;
  while ((rc = s.Step()) == SQLITE_ROW) {
    oplog::Record r = ReadRecord(s);
    r.content = s.OptText(13);
    out.push_back(std::move(r));
  }
  if (rc != SQLITE_DONE) return SqlError(db_, "read records");
  return out;
}

Result<std::vector<oplog::Record>> Index::AllRecords(int64_t as_of) {
  return Records("", INT64_MIN, INT64_MAX, as_of, INT64_MAX);
}

}  // namespace pond::tlogfs
