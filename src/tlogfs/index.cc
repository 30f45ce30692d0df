#include "tlogfs/index.h"

#include <sqlite3.h>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <filesystem>
#include <tuple>

namespace pond::tlogfs {
namespace {

// Bump when the schema changes: an index of another version is rebuilt.
constexpr int kSchemaVersion = 2;

const char* SqliteType(CellType type) {
  switch (type) {
    case CellType::kString:
      return "TEXT";
    case CellType::kBinary:
      return "BLOB";
    case CellType::kDouble:
      return "REAL";
    default:
      return "INTEGER";
  }
}

// The schema, with `records` derived from the oplog's one column table.
std::string SchemaSql() {
  std::string records = "CREATE TABLE IF NOT EXISTS records(";
  bool first = true;
  for (const oplog::Column& c : oplog::Columns()) {
    records += (first ? "" : ", ") + std::string(c.name) + " " + SqliteType(c.cell) +
               (c.nullable ? "" : " NOT NULL");
    first = false;
  }
  records += ");\n";
  return "CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT);\n" + records + R"sql(
CREATE UNIQUE INDEX IF NOT EXISTS records_by_node ON records(node_id, version);
CREATE INDEX IF NOT EXISTS records_by_txn ON records(txn_seq);
CREATE TABLE IF NOT EXISTS entries(
  dir_id TEXT NOT NULL, name TEXT NOT NULL, child_id TEXT NOT NULL, entry_type TEXT NOT NULL,
  txn_from INTEGER NOT NULL, txn_to INTEGER,
  PRIMARY KEY(dir_id, name, txn_from)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS entries_by_child ON entries(child_id);
CREATE TABLE IF NOT EXISTS txns(
  txn_seq INTEGER PRIMARY KEY, delta_version INTEGER NOT NULL, timestamp INTEGER NOT NULL,
  command TEXT NOT NULL, records INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS damaged(
  path TEXT PRIMARY KEY, part_id TEXT NOT NULL, delta_version INTEGER NOT NULL, reason TEXT);
)sql";
}

// The columns of `records` in Record order. Without content, a present
// content reads back as an empty blob (fetch the bytes with Index::Content).
std::string RecordColumns(bool with_content) {
  std::string out;
  for (const oplog::Column& c : oplog::Columns()) {
    if (!out.empty()) out += ", ";
    if (!with_content && std::string_view(c.name) == "content") {
      out += "CASE WHEN content IS NULL THEN NULL ELSE x'' END";
    } else {
      out += c.name;
    }
  }
  return out;
}

std::string InsertRecordSql() {
  std::string names, marks;
  for (const oplog::Column& c : oplog::Columns()) {
    names += (names.empty() ? "" : ", ") + std::string(c.name);
    marks += marks.empty() ? "?" : ",?";
  }
  return "INSERT INTO records(" + names + ") VALUES(" + marks + ")";
}

Status SqlError(sqlite3* db, const std::string& what) {
  std::string message = "the pond's index cannot " + what + ": " + sqlite3_errmsg(db);
  // A private index is a temporary database (it has no file name), which
  // keeps what does not fit in its cache in a file SQLite makes in $TMPDIR,
  // /var/tmp or /tmp.
  const char* file = sqlite3_db_filename(db, "main");
  const int code = sqlite3_errcode(db) & 0xff;
  if ((file == nullptr || *file == '\0') &&
      (code == SQLITE_IOERR || code == SQLITE_FULL || code == SQLITE_CANTOPEN)) {
    message +=
        " (this process keeps its own index, and what does not fit in memory goes to a file in "
        "$TMPDIR, /var/tmp or /tmp: point TMPDIR at a folder with room)";
  }
  return Status::IOError(message);
}

bool ParseInt64(const std::string& text, int64_t* out) {
  const char* end = text.data() + text.size();
  auto [p, ec] = std::from_chars(text.data(), end, *out);
  return ec == std::errc() && p == end && !text.empty();
}

// A prepared statement; finalized on destruction, or, when it is one the
// index keeps (Index::Cached), reset for its next use.
class Stmt {
 public:
  Stmt(sqlite3* db, const std::string& sql) : db_(db) {
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt_, nullptr) != SQLITE_OK) stmt_ = nullptr;
  }
  // Uses `kept`, which stays the caller's; `sql` is prepared afresh when
  // there is none, or when it is busy (a caller higher up is still stepping it).
  Stmt(sqlite3* db, sqlite3_stmt* kept, const char* sql) : db_(db) {
    if (kept != nullptr && !sqlite3_stmt_busy(kept)) {
      stmt_ = kept;
      kept_ = true;
    } else if (sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr) != SQLITE_OK) {
      stmt_ = nullptr;
    }
  }
  ~Stmt() {
    if (!kept_) {
      sqlite3_finalize(stmt_);
    } else {
      sqlite3_reset(stmt_);
      sqlite3_clear_bindings(stmt_);
    }
  }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;

  Status Prepared() const { return stmt_ ? Status::OK() : SqlError(db_, "prepare a query"); }
  Stmt& Bind(int i, const std::string& s) {
    sqlite3_bind_text(stmt_, i, s.data(), static_cast<int>(s.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Stmt& Bind(int i, int64_t v) {
    sqlite3_bind_int64(stmt_, i, v);
    return *this;
  }
  // A cell of an oplog column of type `type`.
  Stmt& BindCell(int i, const Cell& cell, CellType type) {
    if (const auto* v = std::get_if<int64_t>(&cell)) return Bind(i, *v);
    if (const auto* s = std::get_if<std::string>(&cell)) {
      if (type == CellType::kBinary) {
        sqlite3_bind_blob(stmt_, i, s->data(), static_cast<int>(s->size()), SQLITE_TRANSIENT);
        return *this;
      }
      return Bind(i, *s);
    }
    if (const auto* d = std::get_if<double>(&cell)) {
      sqlite3_bind_double(stmt_, i, *d);
      return *this;
    }
    if (const auto* b = std::get_if<bool>(&cell)) return Bind(i, int64_t{*b});
    sqlite3_bind_null(stmt_, i);
    return *this;
  }
  // SQLITE_ROW: a row is ready; SQLITE_DONE: finished; anything else: error.
  int Step() { return sqlite3_step(stmt_); }
  Status Run(const std::string& what) {
    int rc = Step();
    Status st = rc == SQLITE_DONE || rc == SQLITE_ROW ? Status::OK() : SqlError(db_, what);
    last_rc_ = rc;
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
    return st;
  }
  // The result of the last Run: SQLITE_CONSTRAINT for a duplicate key, say.
  int last_rc() const { return last_rc_ & 0xff; }
  int64_t Int(int c) const { return sqlite3_column_int64(stmt_, c); }
  int Columns() const { return sqlite3_column_count(stmt_); }
  sqlite3_stmt* raw() const { return stmt_; }
  bool IsNull(int c) const { return sqlite3_column_type(stmt_, c) == SQLITE_NULL; }
  std::string Text(int c) const {
    const void* p = sqlite3_column_blob(stmt_, c);
    int n = sqlite3_column_bytes(stmt_, c);
    return p ? std::string(static_cast<const char*>(p), static_cast<size_t>(n)) : std::string();
  }
  std::optional<std::string> OptText(int c) const {
    return IsNull(c) ? std::nullopt : std::optional<std::string>(Text(c));
  }
  // A cell of an oplog column of type `type`; nullopt when the value is not
  // stored as the index writes that type (a REAL version, a TEXT content):
  // SQLite would convert it, and a damaged row would read as a sound one.
  std::optional<Cell> CellAt(int c, CellType type) const {
    const int stored = sqlite3_column_type(stmt_, c);
    if (stored == SQLITE_NULL) return Cell(std::monostate());
    switch (type) {
      case CellType::kString:
        if (stored != SQLITE_TEXT) return std::nullopt;
        return Cell(Text(c));
      case CellType::kBinary:
        if (stored != SQLITE_BLOB) return std::nullopt;
        return Cell(Text(c));
      case CellType::kDouble:
        if (stored != SQLITE_FLOAT && stored != SQLITE_INTEGER) return std::nullopt;
        return Cell(sqlite3_column_double(stmt_, c));
      case CellType::kBool:
        if (stored != SQLITE_INTEGER) return std::nullopt;
        return Cell(Int(c) != 0);
      default:
        if (stored != SQLITE_INTEGER) return std::nullopt;
        return Cell(Int(c));
    }
  }

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
  bool kept_ = false;
  int last_rc_ = SQLITE_OK;
};

// Reads a row selected with RecordColumns(). A value of the wrong type (a
// damaged index) is Corruption.
Result<oplog::Record> ReadRecord(const Stmt& s) {
  oplog::Record r;
  const auto& columns = oplog::Columns();
  for (size_t i = 0; i < columns.size(); ++i) {
    std::optional<Cell> cell = s.CellAt(static_cast<int>(i), columns[i].cell);
    if (!cell || !columns[i].set(r, *cell)) {
      return Status::Corruption(std::string("the pond's index holds a bad ") + columns[i].name +
                                "; delete its cache folder to rebuild it");
    }
  }
  return r;
}

Result<std::vector<oplog::Record>> ReadRecords(Stmt& s, const char* what, sqlite3* db) {
  std::vector<oplog::Record> out;
  int rc;
  while ((rc = s.Step()) == SQLITE_ROW) {
    ASSIGN_OR_RETURN(oplog::Record r, ReadRecord(s));
    out.push_back(std::move(r));
  }
  if (rc != SQLITE_DONE) return SqlError(db, what);
  return out;
}

// Sets up a newly opened connection: pragmas, and the schema unless it is there.
int Prepare(sqlite3* db, bool wal) {
  sqlite3_busy_timeout(db, 30000);
  // A large transaction grows the write-ahead log to its size; once that is
  // checkpointed the file is cut back, not kept (a full disk needs the room).
  int rc = sqlite3_exec(db, "PRAGMA synchronous=NORMAL; PRAGMA journal_size_limit=8388608", nullptr,
                        nullptr, nullptr);
  int version = -1;
  sqlite3_stmt* stmt = nullptr;
  if (rc == SQLITE_OK) {
    rc = sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &stmt, nullptr);
    if (rc == SQLITE_OK) {
      rc = sqlite3_step(stmt);
      if (rc == SQLITE_ROW) {
        version = sqlite3_column_int(stmt, 0);
        rc = SQLITE_OK;
      }
    }
    sqlite3_finalize(stmt);
  }
  if (rc != SQLITE_OK || version == kSchemaVersion) return rc;
  // A new file, or one of another schema: start it afresh (it is only a cache).
  if (wal) rc = sqlite3_exec(db, "PRAGMA journal_mode=WAL", nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return rc;
  if (version != 0) {
    rc = sqlite3_exec(db,
                      "DROP TABLE IF EXISTS meta; DROP TABLE IF EXISTS records; "
                      "DROP TABLE IF EXISTS entries; DROP TABLE IF EXISTS txns; "
                      "DROP TABLE IF EXISTS damaged;",
                      nullptr, nullptr, nullptr);
    if (rc != SQLITE_OK) return rc;
  }
  rc = sqlite3_exec(db, SchemaSql().c_str(), nullptr, nullptr, nullptr);
  std::string set = "PRAGMA user_version=" + std::to_string(kSchemaVersion);
  if (rc == SQLITE_OK) rc = sqlite3_exec(db, set.c_str(), nullptr, nullptr, nullptr);
  return rc;
}

// SQLite's default page cache starts each connection by carving a block for
// 20 pages and writing a header into every one of them: 20 fresh pages of
// memory, each a page fault, before the first lookup has read one page. A
// command reads a handful, so each page is allocated when it is first read.
void ConfigureSqliteOnce() {
  static const int once = sqlite3_config(SQLITE_CONFIG_PAGECACHE, nullptr, 0, 0);
  (void)once;  // SQLITE_MISUSE if SQLite was already in use: the default stays.
}

bool IsPermissionProblem(int rc) {
  int primary = rc & 0xff;
  return primary == SQLITE_READONLY || primary == SQLITE_CANTOPEN || primary == SQLITE_PERM ||
         primary == SQLITE_AUTH;
}

}  // namespace

Result<std::unique_ptr<Index>> Index::OpenFile(const std::string& path) {
  ConfigureSqliteOnce();
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ec);
  if (ec) {
    return Status::NotSupported("cannot create the index folder for " + path + ": " + ec.message());
  }
  for (int attempt = 0; attempt < 2; ++attempt) {
    sqlite3* db = nullptr;
    int rc =
        sqlite3_open_v2(path.c_str(), &db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOFOLLOW, nullptr);
    if (rc == SQLITE_OK && sqlite3_db_readonly(db, "main") == 1) rc = SQLITE_READONLY;
    if (rc == SQLITE_OK) rc = Prepare(db, /*wal=*/true);
    if (rc == SQLITE_OK) return std::unique_ptr<Index>(new Index(db, false));
    std::string message = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    if (IsPermissionProblem(rc)) {
      return Status::NotSupported("cannot write the pond's index " + path + ": " + message);
    }
    if ((rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED || attempt == 1) {
      return Status::IOError("cannot open the pond's index " + path + ": " + message);
    }
    // Not a usable database: it is a cache, so start it afresh.
    for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path + suffix, ec);
  }
  return Status::Internal("unreachable");
}

Result<std::unique_ptr<Index>> Index::OpenCopy(const std::string& path) {
  ConfigureSqliteOnce();
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    return Status::NotFound("there is no index at " + path);
  }
  ASSIGN_OR_RETURN(auto copy, OpenPrivate());
  sqlite3* src = nullptr;
  int rc =
      sqlite3_open_v2(path.c_str(), &src, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOFOLLOW, nullptr);
  if (rc == SQLITE_OK) {
    sqlite3_busy_timeout(src, 5000);
    sqlite3_backup* backup = sqlite3_backup_init(copy->db_, "main", src, "main");
    if (backup == nullptr) {
      rc = sqlite3_errcode(copy->db_);
    } else {
      rc = sqlite3_backup_step(backup, -1);
      int finish = sqlite3_backup_finish(backup);
      rc = rc == SQLITE_DONE ? finish : rc;
    }
  }
  sqlite3_close(src);
  if (rc != SQLITE_OK) return Status::Corruption("cannot copy the index " + path);
  // The copy must have this schema; anything else is rebuilt by the caller.
  Stmt s(copy->db_, "PRAGMA user_version");
  RETURN_IF_ERROR(s.Prepared());
  if (s.Step() != SQLITE_ROW || s.Int(0) != kSchemaVersion) {
    return Status::Corruption("the index " + path + " has another schema");
  }
  copy->copy_ = true;
  return copy;
}

Result<std::unique_ptr<Index>> Index::OpenPrivate() {
  ConfigureSqliteOnce();
  sqlite3* db = nullptr;
  // "": a temporary database, which SQLite keeps in its page cache until the
  // cache is full and then spills to a file it has already unlinked.
  int rc = sqlite3_open_v2("", &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
  if (rc == SQLITE_OK) rc = sqlite3_exec(db, "PRAGMA cache_size=-16384", nullptr, nullptr, nullptr);
  if (rc == SQLITE_OK) rc = Prepare(db, /*wal=*/false);
  if (rc != SQLITE_OK) {
    std::string message = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    return Status::IOError("cannot create a private index: " + message);
  }
  return std::unique_ptr<Index>(new Index(db, true));
}

Index::~Index() {
  CancelApply();
  for (auto& [sql, stmt] : cached_) sqlite3_finalize(stmt);
  sqlite3_close(db_);
}

sqlite3_stmt* Index::Cached(const char* sql) {
  auto it = cached_.find(sql);
  if (it != cached_.end()) return it->second;
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, nullptr) != SQLITE_OK) {
    return nullptr;
  }
  cached_.emplace(sql, stmt);
  return stmt;
}

Status Index::Exec(const char* sql) {
  if (sqlite3_exec(db_, sql, nullptr, nullptr, nullptr) != SQLITE_OK) {
    return SqlError(db_, "run '" + std::string(sql) + "'");
  }
  return Status::OK();
}

Status Index::InWriteTransaction(const std::function<Status()>& body) {
  RETURN_IF_ERROR(Exec("BEGIN IMMEDIATE"));
  Status st = body();
  if (!st.ok()) {
    (void)Exec("ROLLBACK");
    return st;
  }
  st = Exec("COMMIT");
  if (!st.ok()) (void)Exec("ROLLBACK");
  return st;
}

Result<IndexState> Index::State() {
  IndexState state;
  Stmt s(db_, "SELECT key, value FROM meta");
  RETURN_IF_ERROR(s.Prepared());
  int rc;
  bool valid = true;
  bool has_version = false;
  while ((rc = s.Step()) == SQLITE_ROW) {
    std::string key = s.Text(0), value = s.Text(1);
    if (key == "table_id") state.table_id = value;
    if (key == "delta_version") {
      valid = valid && ParseInt64(value, &state.delta_version) && state.delta_version >= 0;
      has_version = true;
    }
    if (key == "last_txn") valid = valid && ParseInt64(value, &state.last_txn);
    if (key == "commit_sha") state.commit_sha = value;
  }
  if (rc != SQLITE_DONE) return SqlError(db_, "read its state");
  if (!valid || !has_version || state.table_id.empty()) return IndexState{};  // rebuild
  return state;
}

Status Index::SaveState(const IndexState& state) {
  Stmt m(db_, "INSERT OR REPLACE INTO meta VALUES(?, ?)");
  RETURN_IF_ERROR(m.Prepared());
  RETURN_IF_ERROR(m.Bind(1, std::string("table_id")).Bind(2, state.table_id).Run("save its state"));
  RETURN_IF_ERROR(m.Bind(1, std::string("delta_version"))
                      .Bind(2, std::to_string(state.delta_version))
                      .Run("save its state"));
  RETURN_IF_ERROR(
      m.Bind(1, std::string("commit_sha")).Bind(2, state.commit_sha).Run("save its state"));
  return m.Bind(1, std::string("last_txn"))
      .Bind(2, std::to_string(state.last_txn))
      .Run("save its state");
}

Status Index::Insert(const TxnRow& txn, const std::vector<oplog::Record>& records) {
  RETURN_IF_ERROR(InsertRows(records));
  return InsertTxn(txn);
}

Status Index::InsertTxn(const TxnRow& txn) {
  if (txn.txn_seq == 0) return Status::OK();  // a foreign commit: no pond transaction
  Stmt t(db_, "INSERT OR REPLACE INTO txns VALUES(?,?,?,?,?)");
  RETURN_IF_ERROR(t.Prepared());
  t.Bind(1, txn.txn_seq).Bind(2, txn.delta_version).Bind(3, txn.timestamp).Bind(4, txn.command);
  t.Bind(5, txn.records);
  return t.Run("record a transaction");
}

namespace {

// Writes the directory entries a directory record's changes make.
class EntryWriter {
 public:
  explicit EntryWriter(sqlite3* db)
      : add_(db,
             "INSERT INTO entries(dir_id, name, child_id, entry_type, txn_from) VALUES(?,?,?,?,?)"),
        remove_(db,
                "UPDATE entries SET txn_to = ? WHERE dir_id = ? AND name = ? AND txn_to IS NULL"),
        // An entry added earlier in the same transaction (a directory it
        // wrote twice) was never seen by any reader: it goes.
        forget_(db,
                "DELETE FROM entries WHERE dir_id = ? AND name = ? AND txn_to IS NULL AND "
                "txn_from = ?") {}
  Status Prepared() const {
    RETURN_IF_ERROR(add_.Prepared());
    RETURN_IF_ERROR(remove_.Prepared());
    return forget_.Prepared();
  }
  // Directories must come in transaction order, and within a transaction in
  // (node_id, version) order.
  Status Apply(const std::string& dir, int64_t txn_seq, const std::string& content) {
    ASSIGN_OR_RETURN(auto changes, oplog::DecodeDirChanges(content));
    for (const oplog::DirChange& c : changes) {
      if (c.op == oplog::DirChange::Op::kRemove) {
        forget_.Bind(1, dir).Bind(2, c.name).Bind(3, txn_seq);
        RETURN_IF_ERROR(forget_.Run("remove an entry"));
        remove_.Bind(1, txn_seq).Bind(2, dir).Bind(3, c.name);
        RETURN_IF_ERROR(remove_.Run("remove an entry"));
      } else {
        add_.Bind(1, dir).Bind(2, c.name).Bind(3, c.child).Bind(4, c.entry_type);
        add_.Bind(5, txn_seq);
        RETURN_IF_ERROR(add_.Run("add an entry"));
      }
    }
    return Status::OK();
  }

 private:
  Stmt add_, remove_, forget_;
};

}  // namespace

Status Index::InsertRecordRows(std::span<const oplog::Record> records) {
  Stmt insert(db_, InsertRecordSql());
  RETURN_IF_ERROR(insert.Prepared());
  const auto& columns = oplog::Columns();
  for (const oplog::Record& r : records) {
    for (size_t i = 0; i < columns.size(); ++i) {
      insert.BindCell(static_cast<int>(i + 1), columns[i].get(r), columns[i].cell);
    }
    Status st = insert.Run("store a record");
    if (!st.ok() && insert.last_rc() != SQLITE_CONSTRAINT) return st;  // a full disk, say
    if (!st.ok()) {
      return Status::Corruption("the log holds node " + r.node_id + " version " +
                                std::to_string(r.version) + " twice (transaction " +
                                std::to_string(r.txn_seq) + ")");
    }
  }
  return Status::OK();
}

Status Index::InsertRows(std::span<const oplog::Record> records) {
  RETURN_IF_ERROR(InsertRecordRows(records));
  std::vector<const oplog::Record*> dirs;
  for (const oplog::Record& r : records) {
    if (r.entry_type == "directory" && r.content) dirs.push_back(&r);
  }
  // A large transaction may write a directory more than once (in data files
  // of its own): its changes apply in version order, whatever the files' order.
  std::stable_sort(dirs.begin(), dirs.end(), [](const oplog::Record* a, const oplog::Record* b) {
    return std::tie(a->node_id, a->version) < std::tie(b->node_id, b->version);
  });
  EntryWriter entries(db_);
  RETURN_IF_ERROR(entries.Prepared());
  for (const oplog::Record* r : dirs) {
    RETURN_IF_ERROR(entries.Apply(r->node_id, r->txn_seq, *r->content));
  }
  return Status::OK();
}

Status Index::Bulk::AddRecords(std::span<const oplog::Record> records) {
  return index_.InsertRecordRows(records);
}

Status Index::Bulk::DeriveEntries() {
  // The order InsertRows applies a transaction's directories in, transaction
  // after transaction, read from the records table instead of memory.
  Stmt dirs(index_.db_,
            "SELECT node_id, txn_seq, content FROM records WHERE entry_type = 'directory' AND "
            "content IS NOT NULL ORDER BY txn_seq, node_id, version");
  RETURN_IF_ERROR(dirs.Prepared());
  EntryWriter entries(index_.db_);
  RETURN_IF_ERROR(entries.Prepared());
  int rc;
  while ((rc = dirs.Step()) == SQLITE_ROW) {
    RETURN_IF_ERROR(entries.Apply(dirs.Text(0), dirs.Int(1), dirs.Text(2)));
  }
  if (rc != SQLITE_DONE) return SqlError(index_.db_, "read directory records");
  return Status::OK();
}

Status Index::Bulk::ForEachTxn(
    const std::function<Status(int64_t txn_seq, int64_t records, int64_t first_timestamp)>& each) {
  // A bare column beside min(): SQLite takes `timestamp` from the row with the least rowid.
  Stmt s(index_.db_,
         "SELECT txn_seq, count(*), timestamp, min(rowid) FROM records GROUP BY txn_seq ORDER BY "
         "txn_seq");
  RETURN_IF_ERROR(s.Prepared());
  int rc;
  while ((rc = s.Step()) == SQLITE_ROW) RETURN_IF_ERROR(each(s.Int(0), s.Int(1), s.Int(2)));
  if (rc != SQLITE_DONE) return SqlError(index_.db_, "count the records of each transaction");
  return Status::OK();
}

Status Index::Bulk::AddTxn(const TxnRow& txn) { return index_.InsertTxn(txn); }

Status Index::Bulk::AddDamaged(const std::vector<DamagedFile>& damaged) {
  return index_.InsertDamaged(damaged);
}

Status Index::Bulk::SaveState(const IndexState& state) { return index_.SaveState(state); }

Status Index::ReplaceInBulk(const std::string& table_id, int64_t delta_version,
                            const std::function<Status(Bulk&)>& fill) {
  // One transaction writes the whole index: with SQLite's default 2 MB of
  // cache it spills pages to the write-ahead log and reads them back (a third
  // of a rebuild's time). 16 MiB while it runs, then the cache it had.
  int64_t cache_size = -2000;
  {
    Stmt size(db_, "PRAGMA cache_size");
    RETURN_IF_ERROR(size.Prepared());
    if (size.Step() == SQLITE_ROW) cache_size = size.Int(0);
  }
  RETURN_IF_ERROR(Exec("PRAGMA cache_size=-16384"));
  Status st = InWriteTransaction([&]() -> Status {
    ASSIGN_OR_RETURN(IndexState current, State());
    if (current.table_id == table_id && current.delta_version >= delta_version) {
      return Status::OK();  // another process got further first
    }
    RETURN_IF_ERROR(
        Exec("DELETE FROM meta; DELETE FROM records; DELETE FROM entries; DELETE FROM txns; "
             "DELETE FROM damaged;"));
    Bulk bulk(*this);
    return fill(bulk);
  });
  std::string restore = "PRAGMA cache_size=" + std::to_string(cache_size);
  Status restored = Exec(restore.c_str());
  return st.ok() ? restored : st;
}

Status Index::InsertDamaged(const std::vector<DamagedFile>& damaged) {
  Stmt d(db_, "INSERT OR REPLACE INTO damaged VALUES(?,?,?,?)");
  RETURN_IF_ERROR(d.Prepared());
  for (const DamagedFile& f : damaged) {
    d.Bind(1, f.path).Bind(2, f.part_id).Bind(3, f.delta_version).Bind(4, f.reason);
    RETURN_IF_ERROR(d.Run("record a damaged file"));
  }
  return Status::OK();
}

Result<bool> Index::CanTake(const std::string& table_id, int64_t version) {
  ASSIGN_OR_RETURN(IndexState state, State());
  if (state.delta_version >= 0 && state.table_id != table_id) {
    return Status::Conflict("the pond's index belongs to another table");
  }
  if (state.delta_version >= version) return false;  // applied already
  if (state.delta_version + 1 != version) {
    return Status::Conflict("the pond's index is at version " +
                            std::to_string(state.delta_version) + " and cannot take version " +
                            std::to_string(version));
  }
  return true;
}

Status Index::Take(const TxnRow& txn, const std::vector<oplog::Record>& records,
                   const std::string& table_id, const std::string& commit_sha,
                   const std::vector<DamagedFile>& damaged) {
  ASSIGN_OR_RETURN(IndexState state, State());
  RETURN_IF_ERROR(Insert(txn, records));
  RETURN_IF_ERROR(InsertDamaged(damaged));
  return SaveState(
      {table_id, txn.delta_version, std::max(txn.txn_seq, state.last_txn), commit_sha});
}

Status Index::Apply(const TxnRow& txn, const std::vector<oplog::Record>& records,
                    const std::string& table_id, const std::string& commit_sha,
                    const std::vector<DamagedFile>& damaged) {
  return InWriteTransaction([&]() -> Status {
    ASSIGN_OR_RETURN(bool take, CanTake(table_id, txn.delta_version));
    if (!take) return Status::OK();
    return Take(txn, records, table_id, commit_sha, damaged);
  });
}

Status Index::BeginApply(const std::string& table_id, int64_t after_version) {
  if (applying_) return Status::Internal("the index is already taking a transaction");
  RETURN_IF_ERROR(Exec("BEGIN IMMEDIATE"));
  auto take = CanTake(table_id, after_version + 1);
  if (!take.ok() || !*take) {
    (void)Exec("ROLLBACK");
    if (!take.ok()) return take.status();
    return Status::Conflict("the pond's index is ahead of version " +
                            std::to_string(after_version));
  }
  applying_ = true;
  return Status::OK();
}

Status Index::AddRecords(std::span<const oplog::Record> records) {
  if (!applying_) return Status::Internal("the index is not taking a transaction");
  return InsertRows(records);
}

Status Index::FinishApply(const TxnRow& txn, const std::vector<oplog::Record>& records,
                          const std::string& table_id, const std::string& commit_sha) {
  if (!applying_) return Status::Internal("the index is not taking a transaction");
  // BeginApply checked the state, and SQLite's write lock has kept it since.
  Status st = Take(txn, records, table_id, commit_sha, {});
  if (st.ok()) st = Exec("COMMIT");
  if (!st.ok()) (void)Exec("ROLLBACK");
  applying_ = false;
  return st;
}

void Index::CancelApply() {
  if (!applying_) return;
  (void)Exec("ROLLBACK");
  applying_ = false;
}

Status Index::Replace(const IndexState& state, const std::vector<TxnRecords>& txns,
                      const std::vector<DamagedFile>& damaged) {
  return ReplaceInBulk(state.table_id, state.delta_version, [&](Bulk& bulk) -> Status {
    for (const TxnRecords& t : txns) RETURN_IF_ERROR(Insert(t.txn, t.records));
    RETURN_IF_ERROR(bulk.AddDamaged(damaged));
    return bulk.SaveState(state);
  });
}

Status Index::Invalidate() { return Exec("DELETE FROM meta"); }

Status Index::SetCommitSha(int64_t version, const std::string& commit_sha) {
  return InWriteTransaction([&]() -> Status {
    ASSIGN_OR_RETURN(IndexState state, State());
    if (state.delta_version != version || state.commit_sha == commit_sha) return Status::OK();
    state.commit_sha = commit_sha;
    return SaveState(state);
  });
}

// The statements a lookup of a path runs, kept prepared (Index::Cached).
constexpr char kLookupSql[] =
    "SELECT child_id, entry_type FROM entries WHERE dir_id = ? AND name = ? AND "
    "txn_from <= ? AND (txn_to IS NULL OR txn_to > ?)";
constexpr char kListSql[] =
    "SELECT name, child_id, entry_type FROM entries WHERE dir_id = ? AND txn_from <= ? AND "
    "(txn_to IS NULL OR txn_to > ?) ORDER BY name";
constexpr char kContentSql[] =
    "SELECT part_id, sha256, size, content FROM records WHERE node_id = ? AND version = ? "
    "AND txn_seq <= ?";

Result<std::optional<tinyfs::DirEntry>> Index::Lookup(const std::string& dir,
                                                      const std::string& name, int64_t as_of) {
  Stmt s(db_, Cached(kLookupSql), kLookupSql);
  RETURN_IF_ERROR(s.Prepared());
  s.Bind(1, dir).Bind(2, name).Bind(3, as_of).Bind(4, as_of);
  int rc = s.Step();
  if (rc == SQLITE_DONE) return std::optional<tinyfs::DirEntry>();
  if (rc != SQLITE_ROW) return SqlError(db_, "look up an entry");
  ASSIGN_OR_RETURN(tinyfs::EntryType type, tinyfs::ParseEntryType(s.Text(1)));
  return std::optional<tinyfs::DirEntry>(tinyfs::DirEntry{name, s.Text(0), type});
}

Result<std::vector<tinyfs::DirEntry>> Index::List(const std::string& dir, int64_t as_of) {
  Stmt s(db_, Cached(kListSql), kListSql);
  RETURN_IF_ERROR(s.Prepared());
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
  Stmt s(db_, "SELECT " + RecordColumns(false) +
                  " FROM records WHERE node_id = ? AND txn_seq <= ? ORDER BY version");
  RETURN_IF_ERROR(s.Prepared());
  s.Bind(1, node).Bind(2, as_of);
  return ReadRecords(s, "read a node's versions", db_);
}

Result<std::optional<Index::StoredContent>> Index::Content(const std::string& node, int64_t version,
                                                           int64_t as_of) {
  Stmt s(db_, Cached(kContentSql), kContentSql);
  RETURN_IF_ERROR(s.Prepared());
  s.Bind(1, node).Bind(2, version).Bind(3, as_of);
  int rc = s.Step();
  if (rc == SQLITE_DONE) return std::optional<StoredContent>();
  if (rc != SQLITE_ROW) return SqlError(db_, "read content");
  return std::optional<StoredContent>(
      StoredContent{s.Text(0), s.IsNull(1) ? "" : s.Text(1), s.Int(2), s.OptText(3)});
}

Result<std::optional<Index::ParentLink>> Index::ParentOf(const std::string& child, int64_t as_of) {
  Stmt s(db_,
         "SELECT dir_id, name FROM entries WHERE child_id = ? AND txn_from <= ? AND "
         "(txn_to IS NULL OR txn_to > ?) ORDER BY txn_from DESC LIMIT 1");
  RETURN_IF_ERROR(s.Prepared());
  s.Bind(1, child).Bind(2, as_of).Bind(3, as_of);
  int rc = s.Step();
  if (rc == SQLITE_DONE) return std::optional<ParentLink>();
  if (rc != SQLITE_ROW) return SqlError(db_, "find a node's directory");
  return std::optional<ParentLink>(ParentLink{s.Text(0), s.Text(1)});
}

Result<std::vector<TxnRow>> Index::Transactions(int64_t as_of, int64_t limit) {
  Stmt s(db_,
         "SELECT txn_seq, delta_version, timestamp, command, records FROM txns WHERE txn_seq <= ? "
         "ORDER BY txn_seq DESC LIMIT ?");
  RETURN_IF_ERROR(s.Prepared());
  s.Bind(1, as_of).Bind(2, limit);
  std::vector<TxnRow> out;
  int rc;
  while ((rc = s.Step()) == SQLITE_ROW) {
    out.push_back({s.Int(0), s.Int(1), s.Int(2), s.Text(3), s.Int(4)});
  }
  if (rc != SQLITE_DONE) return SqlError(db_, "list transactions");
  return out;
}

Result<int64_t> Index::LastTxnAtVersion(int64_t version) {
  Stmt s(db_, "SELECT coalesce(max(txn_seq), 0) FROM txns WHERE delta_version <= ?");
  RETURN_IF_ERROR(s.Prepared());
  s.Bind(1, version);
  if (s.Step() != SQLITE_ROW) return SqlError(db_, "find a transaction");
  return s.Int(0);
}

Result<std::vector<oplog::Record>> Index::Records(const std::string& part_id, int64_t since_micros,
                                                  int64_t until_micros, int64_t as_of,
                                                  int64_t limit) {
  Stmt s(db_, "SELECT " + RecordColumns(true) +
                  " FROM records WHERE (? = '' OR part_id = ?) AND timestamp >= ? AND "
                  "timestamp <= ? AND txn_seq <= ? ORDER BY txn_seq, rowid LIMIT ?");
  RETURN_IF_ERROR(s.Prepared());
  s.Bind(1, part_id).Bind(2, part_id).Bind(3, since_micros).Bind(4, until_micros);
  s.Bind(5, as_of).Bind(6, limit);
  return ReadRecords(s, "read records", db_);
}

Result<std::vector<oplog::Record>> Index::AllRecords(int64_t as_of) {
  return Records("", INT64_MIN, INT64_MAX, as_of, INT64_MAX);
}

namespace {

class StmtRecordScan : public Index::RecordScan {
 public:
  StmtRecordScan(sqlite3* db, int64_t as_of)
      : db_(db),
        s_(db, "SELECT " + RecordColumns(true) +
                   " FROM records WHERE txn_seq <= ? ORDER BY node_id, version") {
    if (s_.Prepared().ok()) s_.Bind(1, as_of);
  }
  Status Prepared() const { return s_.Prepared(); }
  Result<std::optional<oplog::Record>> Next() override {
    int rc = s_.Step();
    if (rc == SQLITE_DONE) return std::optional<oplog::Record>();
    if (rc != SQLITE_ROW) return SqlError(db_, "read records");
    ASSIGN_OR_RETURN(oplog::Record r, ReadRecord(s_));
    return std::optional<oplog::Record>(std::move(r));
  }

 private:
  sqlite3* db_;
  Stmt s_;
};

// A value with its storage type, so that 2 and '2' and 2.0 differ.
std::string EncodeValue(sqlite3_stmt* stmt, int c) {
  switch (sqlite3_column_type(stmt, c)) {
    case SQLITE_NULL:
      return "null";
    case SQLITE_INTEGER:
      return "int " + std::to_string(sqlite3_column_int64(stmt, c));
    case SQLITE_FLOAT: {
      char buf[40];
      std::snprintf(buf, sizeof(buf), "real %.17g", sqlite3_column_double(stmt, c));
      return buf;
    }
    default: {
      const char* tag = sqlite3_column_type(stmt, c) == SQLITE_TEXT ? "text " : "blob ";
      const void* p = sqlite3_column_blob(stmt, c);
      int n = sqlite3_column_bytes(stmt, c);
      return tag + (p ? std::string(static_cast<const char*>(p), static_cast<size_t>(n)) : "");
    }
  }
}

class StmtRowScan : public Index::RowScan {
 public:
  StmtRowScan(sqlite3* db, const char* sql, int64_t as_of) : db_(db), s_(db, sql) {
    if (s_.Prepared().ok()) s_.Bind(1, as_of);
  }
  Status Prepared() const { return s_.Prepared(); }
  Result<std::optional<std::vector<std::string>>> Next() override {
    int rc = s_.Step();
    if (rc == SQLITE_DONE) return std::optional<std::vector<std::string>>();
    if (rc != SQLITE_ROW) return SqlError(db_, "read the index");
    std::vector<std::string> row;
    for (int c = 0; c < s_.Columns(); ++c) row.push_back(EncodeValue(s_.raw(), c));
    return std::optional<std::vector<std::string>>(std::move(row));
  }

 private:
  sqlite3* db_;
  Stmt s_;
};

}  // namespace

Result<std::unique_ptr<Index::RowScan>> Index::ScanDerived(Derived table, int64_t as_of) {
  // As of `as_of`: an entry removed later reads as not removed.
  const char* sql =
      table == Derived::kEntries
          ? "SELECT dir_id, name, child_id, entry_type, txn_from, CASE WHEN txn_to > ?1 THEN NULL "
            "ELSE txn_to END FROM entries WHERE txn_from <= ?1 ORDER BY dir_id, name, txn_from"
          : "SELECT txn_seq, delta_version, timestamp, command, records FROM txns "
            "WHERE txn_seq <= ?1 ORDER BY txn_seq";
  auto scan = std::make_unique<StmtRowScan>(db_, sql, as_of);
  RETURN_IF_ERROR(scan->Prepared());
  return std::unique_ptr<RowScan>(std::move(scan));
}

Result<std::unique_ptr<Index::RecordScan>> Index::ScanRecords(int64_t as_of) {
  auto scan = std::make_unique<StmtRecordScan>(db_, as_of);
  RETURN_IF_ERROR(scan->Prepared());
  return std::unique_ptr<RecordScan>(std::move(scan));
}

Status Index::ForEachBlob(
    int64_t as_of, const std::function<Status(const std::string& sha256, int64_t size)>& each) {
  // A bare column beside min(): SQLite takes `size` from the row with the least rowid.
  Stmt s(db_,
         "SELECT sha256, size, min(rowid) FROM records WHERE content IS NULL AND sha256 IS NOT "
         "NULL AND entry_type <> 'directory' AND txn_seq <= ? GROUP BY sha256 ORDER BY sha256");
  RETURN_IF_ERROR(s.Prepared());
  s.Bind(1, as_of);
  int rc;
  while ((rc = s.Step()) == SQLITE_ROW) RETURN_IF_ERROR(each(s.Text(0), s.Int(1)));
  if (rc != SQLITE_DONE) return SqlError(db_, "list blobs");
  return Status::OK();
}

Result<std::vector<oplog::Record>> Index::BlobUsers(const std::string& sha256, int64_t as_of) {
  Stmt s(db_, "SELECT " + RecordColumns(false) +
                  " FROM records WHERE sha256 = ? AND content IS NULL AND entry_type <> "
                  "'directory' AND txn_seq <= ? ORDER BY txn_seq, rowid");
  RETURN_IF_ERROR(s.Prepared());
  s.Bind(1, sha256).Bind(2, as_of);
  return ReadRecords(s, "read the users of a blob", db_);
}

Result<std::vector<std::string>> Index::BlobHashes() {
  Stmt s(db_,
         "SELECT DISTINCT sha256 FROM records WHERE content IS NULL AND sha256 IS NOT NULL AND "
         "entry_type <> 'directory'");
  RETURN_IF_ERROR(s.Prepared());
  std::vector<std::string> out;
  int rc;
  while ((rc = s.Step()) == SQLITE_ROW) out.push_back(s.Text(0));
  if (rc != SQLITE_DONE) return SqlError(db_, "list blobs");
  return out;
}

Result<std::vector<DamagedFile>> Index::Damaged() {
  Stmt s(db_, "SELECT path, part_id, delta_version, reason FROM damaged ORDER BY path");
  RETURN_IF_ERROR(s.Prepared());
  std::vector<DamagedFile> out;
  int rc;
  while ((rc = s.Step()) == SQLITE_ROW) {
    out.push_back({s.Text(0), s.Text(1), s.Int(2), s.Text(3)});
  }
  if (rc != SQLITE_DONE) return SqlError(db_, "list damaged files");
  return out;
}

}  // namespace pond::tlogfs
