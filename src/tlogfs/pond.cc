#include "tlogfs/pond.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <unordered_map>

#include "delta/log_files.h"
#include "tlogfs/content.h"
#include "tlogfs/index_sync.h"
#include "tlogfs/log_reader.h"
#include "util/counters.h"
#include "util/fd_read.h"
#include "util/hash.h"
#include "util/id.h"
#include "util/time.h"
#include "util/warnings.h"

namespace pond::tlogfs {

using tinyfs::DirEntry;
using tinyfs::EntryType;
using tinyfs::NodeId;

namespace hostfs = std::filesystem;

// What an open transaction holds until Commit().
struct Pond::Txn {
  oplog::TxnInfo info;
  // New versions of files and symlinks, in write order.
  std::vector<oplog::Record> versions;
  // node -> the indexes in `versions` of its new versions, oldest first.
  std::unordered_map<NodeId, std::vector<size_t>> by_node;
  // Directory changes: name -> entry, or nullopt for a removal.
  std::map<NodeId, std::map<std::string, std::optional<DirEntry>, std::less<>>> dirs;
  std::vector<NodeId> dir_order;   // touched directories, in first-touch order
  std::map<NodeId, bool> created;  // directories created by this transaction
  // The bytes of `versions` and `dirs`, counted as in WriteDataFiles.
  uint64_t pending_bytes = 0;
  // A transaction larger than kFlushBytes writes its changes out as it goes
  // (FlushChanges): their data files are added by the commit, and their rows
  // wait in the index's open SQLite transaction (Index::BeginApply), where this
  // process reads them as of this transaction's number. A directory changed
  // again after a flush gets another version in the same transaction.
  std::vector<delta::Action> written;  // the data files written so far
  int64_t flushed_records = 0;
  std::unique_ptr<FileLock> index_lock;  // held while the index is staging rows
  bool staging = false;
  bool cannot_stage = false;  // the index lock was busy: everything stays in memory
  // Set before the Delta commit is tried: from then on a data file written
  // out may be named by a commit that landed, whatever the reply said.
  bool commit_tried = false;
};

namespace {

constexpr const char* kDataDir = "/data";
constexpr const char* kIndexFile = "/cache/index.sqlite";
constexpr const char* kIndexLock = "/cache/index.lock";
constexpr const char* kLockFile = "/lock";
// Data files are written this many bytes of records at a time (DuckDB holds
// about four times a call's rows in memory), counting each record as its
// content plus this.
constexpr uint64_t kDataFileBatchBytes = 1 << 20;
constexpr uint64_t kRecordOverheadBytes = 256;
// A transaction's changes are written out once they hold this many bytes (as
// counted above, and a directory change as kDirChangeBytes), so that memory
// does not grow with its size. Smaller flushes cost time: more data files,
// each made durable on its own.
constexpr uint64_t kFlushBytes = 2 << 20;
constexpr uint64_t kDirChangeBytes = 128;

tinyfs::NodeVersion ToNodeVersion(const oplog::Record& r) {
  tinyfs::NodeVersion v;
  v.node_id = r.node_id;
  v.part_id = r.part_id;
  v.version = r.version;
  v.type = tinyfs::ParseEntryType(r.entry_type).ValueOr(EntryType::kFileData);
  v.timestamp = r.timestamp;
  v.size = static_cast<uint64_t>(r.size);
  v.sha256 = r.sha256;
  v.meta = {r.min_event_time, r.max_event_time, r.attributes, r.factory};
  v.txn_seq = r.txn_seq;
  v.is_blob = !r.content.has_value() && r.entry_type != "directory";
  return v;
}

std::string SysMessage(int err) { return std::strerror(err); }

// Orders records by partition, for one data file per partition.
bool ByPartition(const oplog::Record& a, const oplog::Record& b) { return a.part_id < b.part_id; }

// The folder of a pond whose own folder is `dir` or one of its ancestors
// (not `dir` itself); nullopt when there is none.
std::optional<std::string> EnclosingPond(const std::string& dir) {
  std::error_code ec;
  hostfs::path p = hostfs::weakly_canonical(hostfs::absolute(dir, ec), ec);
  if (ec) return std::nullopt;
  for (hostfs::path up = p.parent_path(); !up.empty(); up = up.parent_path()) {
    if (hostfs::exists(up / "data" / "_delta_log" / "00000000000000000000.json", ec)) {
      return up.string();
    }
    if (up == up.root_path()) break;
  }
  return std::nullopt;
}

// The names in host folder `dir` (never throws; false when it cannot be read).
bool Names(const hostfs::path& dir, std::vector<std::string>* names) {
  std::error_code ec;
  hostfs::directory_iterator it(dir, ec);
  for (; !ec && it != hostfs::directory_iterator(); it.increment(ec)) {
    names->push_back(it->path().filename().string());
  }
  return !ec;
}

// What a pond folder may hold before its first commit (what a crashed init leaves).
bool IsLeftOfAnInit(const hostfs::path& dir) {
  std::vector<std::string> names;
  if (!Names(dir, &names)) return false;
  for (const std::string& name : names) {
    if (name == "cache" || name == "lock") continue;
    std::error_code ec;
    if (name != "data" || !hostfs::is_directory(dir / name, ec)) return false;
    std::vector<std::string> inner;
    if (!Names(dir / name, &inner)) return false;
    for (const std::string& n : inner) {
      if (n != "_delta_log" && n != "_large_files" && !n.starts_with("part_id=")) return false;
    }
  }
  return true;
}

}  // namespace

Pond::Pond(std::string dir, PondOptions options, std::unique_ptr<ObjectStore> store)
    : dir_(std::move(dir)),
      options_(options),
      store_(std::move(store)),
      table_(std::make_unique<delta::DeltaTable>(
          *store_, delta::TableOptions{.checkpoint_interval = options.checkpoint_interval})),
      host_files_(*store_) {}

Pond::~Pond() {
  if (txn_) Abort();
}

// --- creating and opening ---

Result<std::unique_ptr<Pond>> Pond::Init(const std::string& dir, const std::string& command,
                                         PondOptions options) {
  if (auto outer = EnclosingPond(dir)) {
    return Status::InvalidArgument("'" + dir + "' is inside the pond at '" + *outer +
                                   "'; a pond cannot hold another");
  }
  std::error_code ec;
  struct stat st;
  if (::stat(dir.c_str(), &st) == 0) {
    if (!S_ISDIR(st.st_mode)) {
      return Status::InvalidArgument("'" + dir + "' exists and is not a directory");
    }
    if (hostfs::exists(hostfs::path(dir) / "data" / "_delta_log" / "00000000000000000000.json",
                       ec)) {
      return Status::AlreadyExists("a pond already exists in " + dir);
    }
    if (!IsLeftOfAnInit(dir)) {
      return Status::InvalidArgument("refusing to create a pond in '" + dir +
                                     "': it is not empty and holds no pond");
    }
  } else if (errno != ENOENT) {
    return Status::IOError("cannot use '" + dir + "': " + SysMessage(errno));
  }
  hostfs::create_directories(dir, ec);
  if (ec) return Status::IOError("cannot create " + dir + ": " + ec.message());
  ASSIGN_OR_RETURN(auto store, OpenLocalStore(dir + kDataDir));
  return InitOn(std::move(store), dir, command, options);
}

Result<std::unique_ptr<Pond>> Pond::InitOn(std::unique_ptr<ObjectStore> store,
                                           const std::string& local_dir,
                                           const std::string& command, PondOptions options) {
  std::error_code ec;
  hostfs::create_directories(local_dir, ec);
  if (ec) return Status::IOError("cannot create " + local_dir + ": " + ec.message());
  std::unique_ptr<Pond> pond(new Pond(local_dir, options, std::move(store)));
  ASSIGN_OR_RETURN(pond->writer_lock_,
                   FileLock::Acquire(local_dir + kLockFile, options.lock_timeout_ms,
                                     "another pond command is creating a pond in " + local_dir));
  ASSIGN_OR_RETURN(delta::LogListing listing, delta::ListLog(*pond->store_));
  if (listing.latest_version()) return Status::AlreadyExists("a pond already exists in " + local_dir);

  oplog::TxnInfo info{1, command, NowMicros()};
  oplog::Record root;
  root.part_id = tinyfs::kRootId;
  root.node_id = tinyfs::kRootId;
  root.version = 1;
  root.entry_type = "directory";
  root.timestamp = info.timestamp;
  root.content = oplog::EncodeDirChanges({});
  root.size = static_cast<int64_t>(root.content->size());
  root.txn_seq = 1;
  delta::AddFile add;
  RETURN_IF_ERROR(
      pond->WritePartitionFile(root.part_id, std::span<const oplog::Record>(&root, 1), &add));
  delta::Metadata metadata = oplog::TableMetadata();
  auto created =
      pond->table_->Create(metadata, {delta::Action::Of(add)},
                           delta::CommitOptions{.operation = "CREATE TABLE",
                                                .extra_commit_info = oplog::CommitInfoJson(info)});
  if (created.status().IsAlreadyExists()) {
    return Status::AlreadyExists("a pond already exists in " + local_dir);
  }
  RETURN_IF_ERROR(created.status());
  GlobalCounters().delta_commits++;
  pond->table_id_ = metadata.id;
  auto first = pond->store_->Get(delta::CommitKey(0));
  pond->state_ = {metadata.id, 0, 1, first.ok() ? CommitFingerprint(*first) : ""};
  pond->view_ = 1;
  TxnRow row{1, 0, info.timestamp, command, 1};
  // A stale cache from an earlier pond here is replaced, not trusted.
  auto index = Index::OpenFile(local_dir + kIndexFile);
  if (index.ok()) {
    pond->index_ = std::move(*index);
  } else {
    ASSIGN_OR_RETURN(pond->index_, Index::OpenPrivate());
  }
  Status st = pond->index_->Replace(pond->state_, {{row, {root}}}, {});
  if (!st.ok()) {
    Warn("the pond's index was not written (" + st.message() +
         "); the next command builds it from the log");
    ASSIGN_OR_RETURN(pond->index_, Index::OpenPrivate());
    RETURN_IF_ERROR(pond->index_->Replace(pond->state_, {{row, {root}}}, {}));
  }
  pond->writer_lock_.reset();
  return pond;
}

Result<std::unique_ptr<Pond>> Pond::Open(const std::string& dir, PondOptions options) {
  struct stat st;
  if (::stat(dir.c_str(), &st) != 0) {
    if (errno == ENOENT || errno == ENOTDIR) {
      return Status::NotFound("there is no pond in " + dir + " (create one with pond init)");
    }
    return Status::IOError("cannot open the pond in " + dir + ": " + SysMessage(errno));
  }
  if (!S_ISDIR(st.st_mode)) return Status::InvalidArgument("'" + dir + "' is not a directory");
  std::string data = dir + kDataDir;
  if (::stat(data.c_str(), &st) != 0) {
    if (errno == ENOENT) {
      return Status::NotFound("there is no pond in " + dir + " (create one with pond init)");
    }
    return Status::IOError("cannot open the pond in " + dir + ": " + SysMessage(errno));
  }
  ASSIGN_OR_RETURN(auto store, OpenLocalStore(data, /*create_if_missing=*/false));
  return OpenOn(std::move(store), dir, options);
}

Result<std::unique_ptr<Pond>> Pond::OpenOn(std::unique_ptr<ObjectStore> store,
                                           const std::string& local_dir, PondOptions options) {
  std::unique_ptr<Pond> pond(new Pond(local_dir, options, std::move(store)));
  RETURN_IF_ERROR(pond->Load(/*full=*/false));
  if (options.as_of && *options.as_of > pond->state_.last_txn) {
    return Status::NotFound("the pond has no transaction " + std::to_string(*options.as_of) +
                            " (its latest is " + std::to_string(pond->state_.last_txn) + ")");
  }
  RETURN_IF_ERROR(pond->CheckReadable());
  pond->view_ = options.as_of.value_or(pond->state_.last_txn);
  return pond;
}

Status Pond::UsePrivateIndex() {
  auto copy = Index::OpenCopy(dir_ + kIndexFile);
  if (copy.ok()) {
    index_ = std::move(*copy);
    return Status::OK();
  }
  ASSIGN_OR_RETURN(index_, Index::OpenPrivate());
  return Status::OK();
}

Result<bool> Pond::QuickCheck() {
  ASSIGN_OR_RETURN(IndexState state, index_->State());
  if (state.delta_version < 0 || state.commit_sha.empty()) return false;
  auto fingerprint = StoredCommitFingerprint(*store_, state.delta_version);
  if (!fingerprint.ok() || *fingerprint != state.commit_sha) return false;
  // A newer commit, or any doubt about it: the full check decides.
  if (!store_->Stat(delta::CommitKey(state.delta_version + 1)).status().IsNotFound()) return false;
  table_id_ = state.table_id;
  state_ = std::move(state);
  log_health_ = Status::OK();
  index_complete_ = true;
  intact_txn_ = state_.last_txn;
  RETURN_IF_ERROR(LoadDamaged());
  return true;
}

Status Pond::LoadDamaged() {
  ASSIGN_OR_RETURN(damaged_, index_->Damaged());
  damaged_by_part_.clear();
  for (const DamagedFile& f : damaged_) damaged_by_part_.emplace(f.part_id, &f);
  return Status::OK();
}

Status Pond::Load(bool full) {
  if (!index_) {
    auto file = Index::OpenFile(dir_ + kIndexFile);
    if (file.ok()) {
      index_ = std::move(*file);
    } else {
      RETURN_IF_ERROR(UsePrivateIndex());
    }
  }
  if (!full && !index_->is_private()) {
    ASSIGN_OR_RETURN(bool current, QuickCheck());
    if (current) return Status::OK();
  }
  auto view = ReadLogView(*store_, table_->engine());
  if (view.status().IsNotFound()) {
    return Status::NotFound("there is no pond in " + dir_ + " (create one with pond init)");
  }
  RETURN_IF_ERROR(view.status());
  table_id_ = view->table_id;
  ASSIGN_OR_RETURN(IndexState state, index_->State());
  SyncOutcome outcome;
  outcome.intact_version = view->latest;
  if (!IsCurrent(state, *view)) {
    std::unique_ptr<FileLock> lock;
    if (!index_->is_private()) {
      auto locked = FileLock::Acquire(dir_ + kIndexLock, options_.lock_timeout_ms, "busy");
      // A rebuild that takes too long, or a cache we may not write: read the log ourselves.
      if (locked.ok()) {
        lock = std::move(*locked);
      } else {
        RETURN_IF_ERROR(UsePrivateIndex());
      }
    }
    auto synced = SyncIndex(*index_, *store_, table_->engine(), *view);
    if (!synced.ok() && !index_->is_private()) {
      RETURN_IF_ERROR(UsePrivateIndex());
      synced = SyncIndex(*index_, *store_, table_->engine(), *view);
    }
    RETURN_IF_ERROR(synced.status());
    outcome = std::move(*synced);
  }
  log_health_ = outcome.health;
  if (log_health_.ok()) {
    // A gap after the newest checkpoint is damage even when the index needs
    // nothing from it: no other reader could read this table.
    int64_t base = -1;
    for (auto it = view->listing.checkpoints.rbegin(); it != view->listing.checkpoints.rend();
         ++it) {
      if (it->second.complete()) {
        base = it->first;
        break;
      }
    }
    for (int64_t v = base + 1; v <= view->latest; ++v) {
      if (!view->listing.commits.count(v)) {
        log_health_ = Status::Corruption("the pond's log is damaged: " + delta::CommitKey(v) +
                                         " is missing");
        break;
      }
    }
    // The newest commit is the one a torn write would damage; the index may
    // hold it already, so read it once more (a few microseconds).
    std::string newest_sha;
    if (log_health_.ok() && view->listing.commits.count(view->latest)) {
      auto newest = ReadCommit(*store_, view->latest);
      if (newest.status().code() == StatusCode::kCorruption) {
        log_health_ = Status::Corruption("the pond's log is damaged: " + newest.status().message());
      } else if (newest.ok()) {
        newest_sha = newest->fingerprint;
      }
    }
    // Let the next reader take the quick path (an index from before it, or
    // one a rebuild left without the hash).
    // Only if the index lock is free right now: a reader never waits for it.
    if (!newest_sha.empty() && !index_->is_private()) {
      auto locked = FileLock::Acquire(dir_ + kIndexLock, 0, "busy");
      if (locked.ok()) (void)index_->SetCommitSha(view->latest, newest_sha);
    }
  }
  ASSIGN_OR_RETURN(state_, index_->State());
  // The index may be ahead of the listing (a writer committed meanwhile): that
  // is complete too. Only damage stops it short.
  index_complete_ = outcome.intact_version >= view->latest;
  if (index_complete_) {
    intact_txn_ = state_.last_txn;
  } else {
    ASSIGN_OR_RETURN(intact_txn_, index_->LastTxnAtVersion(outcome.intact_version));
  }
  return LoadDamaged();
}

Status Pond::CheckReadable() const {
  if (log_health_.ok() || options_.allow_damage) return Status::OK();
  if (!index_complete_ && (!options_.as_of || *options_.as_of > intact_txn_)) {
    return Status::Corruption(log_health_.message() + "; transactions up to " +
                              std::to_string(intact_txn_) +
                              " are intact (read them with --as-of), and pond fsck lists the "
                              "damage");
  }
  if (index_complete_) {
    Warn(log_health_.message() + "; reads come from the index, and writes are refused until "
         "the log is repaired (see pond fsck)");
  }
  return Status::OK();
}

Status Pond::CheckPartition(const std::string& part) {
  if (damaged_by_part_.empty()) return Status::OK();
  auto it = damaged_by_part_.find(part);
  if (it == damaged_by_part_.end()) return Status::OK();
  std::string dir = PathOf(part);
  return Status::Corruption("data file " + it->second->path + ", which holds the entries of " +
                            (dir.empty() ? "directory " + part : "'" + dir + "'") +
                            " and the versions of files created in it, " + it->second->reason);
}

std::string Pond::PathOf(const NodeId& node) {
  if (node == tinyfs::kRootId) return "/";
  std::string path;
  NodeId cur = node;
  for (int depth = 0; depth < 4096 && cur != tinyfs::kRootId; ++depth) {
    auto link = index_->ParentOf(cur, view_ == 0 ? kLatest : view_);
    if (!link.ok() || !*link) return "";
    path = "/" + (*link)->name + path;
    cur = (*link)->dir;
  }
  return cur == tinyfs::kRootId ? path : "";
}

Result<std::string> Pond::BlobHostPath(const std::string& sha256, uint64_t size) {
  auto known = verified_blobs_.find(sha256);
  if (known != verified_blobs_.end()) return known->second;
  const std::string key = oplog::BlobKey(sha256);
  auto info = store_->Stat(key);
  if (info.status().IsNotFound()) return Status::Corruption("its blob " + key + " is missing");
  RETURN_IF_ERROR(info.status());
  if (info->size != size) {
    return Status::Corruption("its blob " + key + " is damaged: it has " +
                              std::to_string(info->size) + " bytes where " +
                              std::to_string(size) + " were stored");
  }
  ASSIGN_OR_RETURN(std::string path, host_files_.Path(key));
  {
    // The whole blob is read once and hashed, so DuckDB never scans damaged bytes.
    ASSIGN_OR_RETURN(auto stream, store_->OpenRead(key));
    auto verified = NewVerifyingStream(std::move(stream), sha256, size, "its blob " + key);
    IoBuffer buf;
    while (true) {
      ASSIGN_OR_RETURN(size_t n, verified->Read(buf.data(), buf.size()));
      if (n == 0) break;
    }
  }
  verified_blobs_[sha256] = path;
  return path;
}

// --- reading ---

int64_t Pond::TxnView() const { return txn_ && txn_->staging ? view_ + 1 : view_; }

Result<std::vector<tinyfs::NodeVersion>> Pond::Versions(const NodeId& node) {
  ASSIGN_OR_RETURN(auto records, index_->Versions(node, TxnView()));
  if (!records.empty()) RETURN_IF_ERROR(CheckPartition(records.front().part_id));
  std::vector<tinyfs::NodeVersion> out;
  for (const auto& r : records) out.push_back(ToNodeVersion(r));
  if (txn_) {
    auto mine = txn_->by_node.find(node);
    if (mine != txn_->by_node.end()) {
      for (size_t i : mine->second) out.push_back(ToNodeVersion(txn_->versions[i]));
    }
  }
  if (out.empty()) {
    if (!damaged_.empty()) {
      return Status::Corruption("its versions are lost with data file " + damaged_.front().path +
                                ", which " + damaged_.front().reason);
    }
    return Status::NotFound("node " + node + " does not exist");
  }
  return out;
}

Result<std::optional<DirEntry>> Pond::Lookup(const NodeId& dir, std::string_view name) {
  GlobalCounters().directory_reads++;
  if (txn_) {
    auto d = txn_->dirs.find(dir);
    if (d != txn_->dirs.end()) {
      auto e = d->second.find(name);
      if (e != d->second.end()) return e->second;
    }
    if (txn_->created.count(dir)) return std::optional<DirEntry>();
  }
  RETURN_IF_ERROR(CheckPartition(dir));
  return index_->Lookup(dir, std::string(name), TxnView());
}

Result<std::vector<DirEntry>> Pond::ListDirectory(const NodeId& dir) {
  GlobalCounters().directory_reads++;
  std::vector<DirEntry> entries;
  if (!txn_ || !txn_->created.count(dir)) {
    RETURN_IF_ERROR(CheckPartition(dir));
    ASSIGN_OR_RETURN(entries, index_->List(dir, TxnView()));
  }
  if (!txn_) return entries;
  auto d = txn_->dirs.find(dir);
  if (d == txn_->dirs.end()) return entries;
  std::map<std::string, DirEntry> merged;
  for (auto& e : entries) merged[e.name] = std::move(e);
  for (const auto& [name, change] : d->second) {
    if (change) {
      merged[name] = *change;
    } else {
      merged.erase(name);
    }
  }
  entries.clear();
  for (auto& [name, e] : merged) entries.push_back(std::move(e));
  return entries;
}

Result<std::unique_ptr<ReadStream>> Pond::OpenContent(const NodeId& node, int64_t version) {
  GlobalCounters().file_reads++;
  auto mine = txn_ ? txn_->by_node.find(node) : decltype(txn_->by_node)::iterator();
  if (txn_ && mine != txn_->by_node.end()) {
    for (size_t i : mine->second) {
      const oplog::Record& r = txn_->versions[i];
      if (r.version != version) continue;
      if (r.content) return NewStringReadStream(*r.content);
      ASSIGN_OR_RETURN(auto blob, store_->OpenRead(oplog::BlobKey(r.sha256)));
      return blob;
    }
  }
  // One indexed lookup: the hash and size, and the bytes unless they are a blob.
  ASSIGN_OR_RETURN(auto stored, index_->Content(node, version, TxnView()));
  if (!stored) {
    return Status::NotFound("node " + node + " has no version " + std::to_string(version));
  }
  RETURN_IF_ERROR(CheckPartition(stored->part_id));
  if (stored->inline_bytes) {
    const std::string& bytes = *stored->inline_bytes;
    if (static_cast<int64_t>(bytes.size()) != stored->size || Sha256Hex(bytes) != stored->sha256) {
      // The log is the truth: a cache that disagrees is rebuilt from it.
      if (!index_->is_private()) (void)index_->Invalidate();
      return Status::Corruption(
          "the pond's index holds damaged bytes for it; the next command rebuilds the index "
          "from the log");
    }
    GlobalCounters().bytes_read += static_cast<int64_t>(bytes.size());
    return NewStringReadStream(std::move(*stored->inline_bytes));
  }
  const std::string key = oplog::BlobKey(stored->sha256);
  auto info = store_->Stat(key);
  if (info.status().IsNotFound()) return Status::Corruption("its blob " + key + " is missing");
  RETURN_IF_ERROR(info.status());
  if (static_cast<int64_t>(info->size) != stored->size) {
    return Status::Corruption("its blob " + key + " is damaged: it has " +
                              std::to_string(info->size) + " bytes where " +
                              std::to_string(stored->size) + " were stored");
  }
  ASSIGN_OR_RETURN(auto blob, store_->OpenRead(key));
  return NewVerifyingStream(std::move(blob), stored->sha256, static_cast<uint64_t>(stored->size),
                            "its blob " + key);
}

// --- writing ---

Result<std::unique_ptr<tinyfs::ContentWriter>> Pond::NewContent() {
  if (!txn_) return Status::InvalidArgument("no transaction is open");
  return NewBlobContentWriter(*store_);
}

Result<int64_t> Pond::LatestVersionNumber(const NodeId& node) {
  if (txn_) {
    auto mine = txn_->by_node.find(node);
    if (mine != txn_->by_node.end()) return txn_->versions[mine->second.back()].version;
  }
  ASSIGN_OR_RETURN(auto versions, index_->Versions(node, TxnView()));
  return versions.empty() ? 0 : versions.back().version;
}

Status Pond::WriteFile(const NodeId& node, const NodeId& part, EntryType type,
                       const tinyfs::ContentRef& content, const tinyfs::VersionMeta& meta) {
  if (!txn_) return Status::InvalidArgument("no transaction is open");
  ASSIGN_OR_RETURN(int64_t latest, LatestVersionNumber(node));
  NodeId first_part = part;
  if (latest > 0) {  // later versions stay in the node's first partition
    ASSIGN_OR_RETURN(auto versions, Versions(node));
    first_part = versions.front().part_id;
  }
  AddVersion(node, first_part, latest + 1, type, content, meta);
  return FlushChanges();
}

Status Pond::WriteNewFile(const NodeId& node, const NodeId& part, EntryType type,
                          const tinyfs::ContentRef& content, const tinyfs::VersionMeta& meta) {
  if (!txn_) return Status::InvalidArgument("no transaction is open");
  if (txn_->by_node.count(node)) return Status::Internal("node " + node + " is not new");
  AddVersion(node, part, 1, type, content, meta);
  return FlushChanges();
}

void Pond::AddVersion(const NodeId& node, const NodeId& part, int64_t version, EntryType type,
                      const tinyfs::ContentRef& content, const tinyfs::VersionMeta& meta) {
  oplog::Record r;
  r.part_id = part;
  r.node_id = node;
  r.version = version;
  r.entry_type = tinyfs::EntryTypeName(type);
  r.timestamp = txn_->info.timestamp;
  r.size = static_cast<int64_t>(content.size);
  r.sha256 = content.sha256;
  r.content = content.inline_bytes;
  r.min_event_time = meta.min_event_time;
  r.max_event_time = meta.max_event_time;
  r.attributes = meta.attributes;
  r.factory = meta.factory;
  r.txn_seq = txn_->info.txn_seq;
  txn_->pending_bytes += kRecordOverheadBytes + (r.content ? r.content->size() : 0);
  txn_->by_node[node].push_back(txn_->versions.size());
  txn_->versions.push_back(std::move(r));
  GlobalCounters().file_writes++;
}

Status Pond::FlushChanges() {
  if (txn_->pending_bytes < kFlushBytes || txn_->cannot_stage) return Status::OK();
  if (!txn_->staging) {
    if (!index_->is_private()) {
      // The lock readers take to update the index: held to the commit.
      auto locked = FileLock::Acquire(dir_ + kIndexLock, options_.lock_timeout_ms, "busy");
      if (!locked.ok()) {
        txn_->cannot_stage = true;
        return Status::OK();
      }
      txn_->index_lock = std::move(*locked);
    }
    if (!index_->BeginApply(table_id_, state_.delta_version).ok()) {
      txn_->index_lock.reset();
      txn_->cannot_stage = true;
      return Status::OK();
    }
    txn_->staging = true;
  }
  PhaseTimer timer("write: flush");
  ASSIGN_OR_RETURN(std::vector<oplog::Record> records, PendingRecords());
  std::stable_sort(records.begin(), records.end(), ByPartition);
  RETURN_IF_ERROR(WriteDataFiles(records, &txn_->written));
  RETURN_IF_ERROR(index_->AddRecords(records));
  txn_->flushed_records += static_cast<int64_t>(records.size());
  return Status::OK();
}

void Pond::EndTxn() {
  if (txn_ && txn_->staging) index_->CancelApply();
  if (txn_ && !txn_->commit_tried) {
    // No commit names the files written out: a failed command leaves nothing
    // (a crash leaves them to gc).
    for (const delta::Action& add : txn_->written) (void)store_->Delete(add.add.path);
  }
  txn_.reset();
  writer_lock_.reset();
}

Status Pond::CreateDirectory(const NodeId& dir) {
  if (!txn_) return Status::InvalidArgument("no transaction is open");
  txn_->created[dir] = true;
  if (!txn_->dirs.count(dir)) txn_->dir_order.push_back(dir);
  txn_->dirs[dir];
  return Status::OK();
}

Status Pond::InsertEntry(const NodeId& dir, const DirEntry& entry) {
  if (!txn_) return Status::InvalidArgument("no transaction is open");
  ASSIGN_OR_RETURN(auto existing, Lookup(dir, entry.name));
  if (existing) return Status::AlreadyExists("'" + entry.name + "' already exists");
  if (!txn_->dirs.count(dir)) txn_->dir_order.push_back(dir);
  txn_->dirs[dir][entry.name] = entry;
  txn_->pending_bytes += kDirChangeBytes;
  return Status::OK();
}

Status Pond::RemoveEntry(const NodeId& dir, std::string_view name) {
  if (!txn_) return Status::InvalidArgument("no transaction is open");
  ASSIGN_OR_RETURN(auto existing, Lookup(dir, name));
  if (!existing) return Status::NotFound("'" + std::string(name) + "' does not exist");
  if (!txn_->dirs.count(dir)) txn_->dir_order.push_back(dir);
  txn_->dirs[dir][std::string(name)] = std::nullopt;
  txn_->pending_bytes += kDirChangeBytes;
  return Status::OK();
}

// --- transactions ---

Status Pond::Begin(const std::string& command) {
  if (txn_) return Status::InvalidArgument("a transaction is already open");
  if (options_.as_of) {
    return Status::InvalidArgument("a pond read --as-of a past transaction cannot be changed");
  }
  // A pond on read-only media (or another user's) says so before any work,
  // not at the commit.
  if (auto log = store_->LocalPath("_delta_log")) {
    if (::access(log->c_str(), W_OK) != 0 && (errno == EROFS || errno == EACCES)) {
      return Status::InvalidArgument("the pond at " + dir_ + " is read-only (" +
                                     SysMessage(errno) + "): it can be read but not changed");
    }
  }
  ASSIGN_OR_RETURN(writer_lock_,
                   FileLock::Acquire(dir_ + kLockFile, options_.lock_timeout_ms,
                                     "another pond command is writing to " + dir_ +
                                         "; gave up after " +
                                         std::to_string(options_.lock_timeout_ms) +
                                         " ms (POND_LOCK_TIMEOUT_MS sets the wait)"));
  Status st = Load(/*full=*/true);
  if (st.ok() && !log_health_.ok()) {
    st = Status::Corruption(log_health_.message() +
                            "; writes are refused until it is repaired (see pond fsck)");
  }
  if (st.ok() && !damaged_.empty()) {
    st = Status::Corruption("data file " + damaged_.front().path + " " + damaged_.front().reason +
                            "; writes are refused until it is restored (see pond fsck)");
  }
  if (!st.ok()) {
    writer_lock_.reset();
    return st;
  }
  view_ = state_.last_txn;
  txn_ = std::make_unique<Txn>();
  txn_->info = {state_.last_txn + 1, command, NowMicros()};
  return Status::OK();
}

Result<std::vector<oplog::Record>> Pond::PendingRecords() {
  // Taken, not copied: they are written out next (a flush, or the commit).
  std::vector<oplog::Record> records = std::move(txn_->versions);
  txn_->versions.clear();
  txn_->by_node.clear();
  txn_->pending_bytes = 0;
  for (const NodeId& dir : txn_->dir_order) {
    const auto& changes = txn_->dirs[dir];
    bool created = txn_->created.count(dir) > 0;
    // Net changes against the directory as this transaction last wrote it
    // out, or as committed.
    std::vector<oplog::DirChange> net;
    for (const auto& [name, change] : changes) {
      std::optional<DirEntry> base;
      if (!created) {
        ASSIGN_OR_RETURN(base, index_->Lookup(dir, name, TxnView()));
      }
      if (change && base && *change == *base) continue;
      if (base) net.push_back({oplog::DirChange::Op::kRemove, name, "", ""});
      if (change) {
        net.push_back(
            {oplog::DirChange::Op::kAdd, name, change->child, tinyfs::EntryTypeName(change->type)});
      }
    }
    if (net.empty() && !created) continue;
    int64_t latest = 0;  // a directory this transaction made has no versions yet
    if (!created) {
      ASSIGN_OR_RETURN(latest, LatestVersionNumber(dir));
    }
    oplog::Record r;
    r.part_id = dir;
    r.node_id = dir;
    r.version = latest + 1;
    r.entry_type = "directory";
    r.timestamp = txn_->info.timestamp;
    r.content = oplog::EncodeDirChanges(net);
    r.size = static_cast<int64_t>(r.content->size());
    r.txn_seq = txn_->info.txn_seq;
    records.push_back(std::move(r));
  }
  txn_->dirs.clear();
  txn_->dir_order.clear();
  txn_->created.clear();
  return records;
}

Status Pond::WritePartitionFile(const std::string& part_id, std::span<const oplog::Record> rows,
                                delta::AddFile* add) {
  ASSIGN_OR_RETURN(ParquetEngine * engine, table_->engine().Get());
  ASSIGN_OR_RETURN(std::string tmp, host_files_.ScratchPath("part.parquet"));
  Status st = engine->WriteRows(oplog::ToRowBatch(rows), tmp);
  if (st.ok()) st = PublishDataFile(part_id, tmp, rows.size(), add);
  host_files_.Discard(tmp);
  return st;
}

// DuckDB writes a host file; its bytes then go into the store, which makes
// them durable by name (the file, and its new partition folder) before the
// commit that names them.
Status Pond::PublishDataFile(const std::string& part_id, const std::string& host_path, size_t rows,
                             delta::AddFile* add) {
  std::string key = "part_id=" + part_id + "/" + NewUuidV7() + ".parquet";
  Status st = [&]() -> Status {
    ASSIGN_OR_RETURN(auto out, store_->OpenWrite(key, /*if_absent=*/true));
    FILE* f = std::fopen(host_path.c_str(), "rb");
    if (!f) return Status::IOError("cannot read back a data file: " + SysMessage(errno));
    IoBuffer buf(1 << 16);
    size_t n;
    Status append;
    while (append.ok() && (n = std::fread(buf.data(), 1, buf.size(), f)) > 0) {
      append = out->Append(std::string_view(buf.data(), n));
    }
    bool failed = std::ferror(f) != 0;
    std::fclose(f);
    RETURN_IF_ERROR(append);
    if (failed) return Status::IOError("cannot read back a data file");
    add->size = static_cast<int64_t>(out->size());
    return out->Commit();
  }();
  RETURN_IF_ERROR(st);
  add->path = key;
  add->partition_values = {{"part_id", part_id}};
  add->modification_time = NowMillis();
  add->data_change = true;
  add->stats = "{\"numRecords\":" + std::to_string(rows) + "}";
  GlobalCounters().data_files_written++;
  return Status::OK();
}

Status Pond::WriteDataFiles(const std::vector<oplog::Record>& records,
                            std::vector<delta::Action>* adds) {
  // Records are grouped by partition: [begin, end) of each.
  std::vector<std::pair<size_t, size_t>> groups;
  for (size_t begin = 0; begin < records.size();) {
    size_t end = begin + 1;
    while (end < records.size() && records[end].part_id == records[begin].part_id) ++end;
    groups.emplace_back(begin, end);
    begin = end;
  }
  ASSIGN_OR_RETURN(ParquetEngine * engine, table_->engine().Get());
  std::vector<std::string> tmps;
  Status st;
  for (size_t g = 0; g < groups.size() && st.ok(); ++g) {
    auto tmp = host_files_.ScratchPath("part.parquet");
    if (tmp.ok()) {
      tmps.push_back(*tmp);
    } else {
      st = tmp.status();
    }
  }
  {
    // DuckDB holds what one call writes: calls of at most kDataFileBatchBytes.
    PhaseTimer timer("commit: data files: parquet");
    for (size_t first = 0; first < groups.size() && st.ok();) {
      size_t last = first;
      uint64_t bytes = 0;
      while (last < groups.size() && (last == first || bytes < kDataFileBatchBytes)) {
        for (size_t i = groups[last].first; i < groups[last].second; ++i) {
          bytes += kRecordOverheadBytes + (records[i].content ? records[i].content->size() : 0);
        }
        ++last;
      }
      st = engine->WriteRowGroups(
          oplog::DataColumns(),
          [&](size_t g) -> Result<RowBatch> {
            auto [begin, end] = groups[first + g];
            return oplog::ToRowBatch(
                std::span<const oplog::Record>(records).subspan(begin, end - begin));
          },
          std::vector<std::string>(tmps.begin() + first, tmps.begin() + last));
      first = last;
    }
  }
  for (size_t g = 0; g < groups.size() && st.ok(); ++g) {
    auto [begin, end] = groups[g];
    delta::AddFile add;
    st = PublishDataFile(records[begin].part_id, tmps[g], end - begin, &add);
    host_files_.Discard(tmps[g]);
    if (st.ok()) adds->push_back(delta::Action::Of(add));
  }
  for (const std::string& tmp : tmps) host_files_.Discard(tmp);
  return st;
}

void Pond::ApplyCommitToIndex(const TxnRow& row, const std::vector<oplog::Record>& records,
                              const std::string& commit_sha) {
  if (txn_->staging) {
    txn_->staging = false;
    Status st = index_->FinishApply(row, records, table_id_, commit_sha);
    txn_->index_lock.reset();
    if (!st.ok()) {
      Warn("the pond's index was not updated (" + st.message() +
           "); the next command brings it up to date from the log");
    }
    return;
  }
  std::unique_ptr<FileLock> lock;
  if (!index_->is_private()) {
    auto locked = FileLock::Acquire(dir_ + kIndexLock, options_.lock_timeout_ms, "busy");
    if (!locked.ok()) return;  // another process is updating it; it will catch up
    lock = std::move(*locked);
  }
  Status st = index_->Apply(row, records, table_id_, commit_sha);
  if (!st.ok()) {
    Warn("the pond's index was not updated (" + st.message() +
         "); the next command brings it up to date from the log");
  }
}

Result<int64_t> Pond::Commit() {
  if (!txn_) return Status::InvalidArgument("no transaction is open");
  auto result = [&]() -> Result<int64_t> {
    ASSIGN_OR_RETURN(std::vector<oplog::Record> records, PendingRecords());
    if (records.empty() && txn_->written.empty()) return state_.last_txn;
    PhaseTimer timer("commit");
    // One data file per partition: the records grouped by partition in
    // place (each node's versions keep their order).
    std::stable_sort(records.begin(), records.end(), ByPartition);
    std::optional<PhaseTimer> phase("commit: data files");
    RETURN_IF_ERROR(WriteDataFiles(records, &txn_->written));
    std::vector<delta::Action> adds = std::move(txn_->written);
    txn_->written.clear();
    phase.emplace("commit: delta log");
    txn_->commit_tried = true;
    ASSIGN_OR_RETURN(int64_t version,
                     table_->Commit(state_.delta_version, std::move(adds),
                                    delta::CommitOptions{
                                        .operation = "WRITE",
                                        .extra_commit_info = oplog::CommitInfoJson(txn_->info)}));
    // The commit point: the transaction is durable, and nothing after this
    // may report it as failed (a retry would commit it twice).
    GlobalCounters().delta_commits++;
    const int64_t seq = txn_->info.txn_seq;
    auto written = store_->Get(delta::CommitKey(version));
    state_ = {table_id_, version, seq, written.ok() ? CommitFingerprint(*written) : ""};
    view_ = seq;
    phase.emplace("commit: index");
    ApplyCommitToIndex({seq, version, txn_->info.timestamp, txn_->info.command,
                        txn_->flushed_records + static_cast<int64_t>(records.size())},
                       records, state_.commit_sha);
    if (options_.checkpoint_interval > 0 && version % options_.checkpoint_interval == 0) {
      phase.emplace("commit: maintenance");
      txn_->dir_order.clear();  // committed: maintenance runs on the committed pond
      txn_->dirs.clear();
      AutoMaintain();
    }
    return seq;
  }();
  EndTxn();
  return result;
}

const std::string& Pond::TxnCommand() const { return txn_->info.command; }

bool Pond::TxnHasWrites() const {
  return !txn_->versions.empty() || !txn_->dir_order.empty() || !txn_->written.empty();
}

void Pond::Abort() { EndTxn(); }

}  // namespace pond::tlogfs
