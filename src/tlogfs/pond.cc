#include "tlogfs/pond.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "delta/log_files.h"
#include "util/counters.h"
#include "util/hash.h"
#include "util/id.h"
#include "util/time.h"

namespace pond::tlogfs {

using tinyfs::DirEntry;
using tinyfs::EntryType;
using tinyfs::NodeId;

namespace fs = std::filesystem;

// What an open transaction holds until Commit().
struct Pond::Txn {
  oplog::TxnInfo info;
  // New versions of files and symlinks, in write order.
  std::vector<oplog::Record> versions;
  // Directory changes: name -> entry, or nullopt for a removal.
  std::map<NodeId, std::map<std::string, std::optional<DirEntry>, std::less<>>> dirs;
  std::vector<NodeId> dir_order;   // touched directories, in first-touch order
  std::map<NodeId, bool> created;  // directories created by this transaction
};

namespace {

constexpr const char* kDataDir = "/data";
constexpr const char* kIndexFile = "/cache/index.sqlite";
constexpr const char* kLockFile = "/lock";

tinyfs::NodeVersion ToNodeVersion(const oplog::Record& r) {
  tinyfs::NodeVersion v;
  v.node_id = r.node_id;
  v.part_id = r.part_id;
  v.version = r.version;
  v.type = tinyfs::ParseEntryType(r.entry_type).ValueOr(EntryType::kFileData);
  v.timestamp = r.timestamp;
  v.size = static_cast<uint64_t>(r.size);
  v.sha256 = r.sha256;
  v.meta = {r.min_event_time, r.max_event_time, r.attributes};
  v.txn_seq = r.txn_seq;
  v.is_blob = !r.content.has_value() && r.entry_type != "directory";
  return v;
}

// Counts what a content stream delivers.
class CountingStream final : public ReadStream {
 public:
  explicit CountingStream(std::unique_ptr<ReadStream> base) : base_(std::move(base)) {}
  Result<size_t> Read(char* buf, size_t n) override {
    ASSIGN_OR_RETURN(size_t got, base_->Read(buf, n));
    GlobalCounters().bytes_read += static_cast<int64_t>(got);
    return got;
  }

 private:
  std::unique_ptr<ReadStream> base_;
};

// Keeps content up to the inline limit in memory; past it, streams
// everything to a blob named by its SHA-256 once the last byte is in.
class BlobContentWriter final : public tinyfs::ContentWriter {
 public:
  explicit BlobContentWriter(ObjectStore& store) : store_(store) {}

  Status Append(std::string_view bytes) override {
    hash_.Update(std::string(bytes));
    size_ += bytes.size();
    GlobalCounters().bytes_written += static_cast<int64_t>(bytes.size());
    if (!blob_ && buffer_.size() + bytes.size() <= oplog::kInlineLimit) {
      buffer_.append(bytes);
      return Status::OK();
    }
    if (!blob_) {
      ASSIGN_OR_RETURN(blob_, store_.OpenWrite("_large_files/incoming-" + NewUuidV7(), true));
      RETURN_IF_ERROR(blob_->Append(buffer_));
      buffer_.clear();
      buffer_.shrink_to_fit();
    }
    return blob_->Append(bytes);
  }

  Result<tinyfs::ContentRef> Finish() override {
    tinyfs::ContentRef ref;
    ref.size = size_;
    ref.sha256 = hash_.FinishHex();
    if (!blob_) {
      ref.inline_bytes = std::move(buffer_);
      return ref;
    }
    Status st = blob_->CommitAs(oplog::BlobKey(ref.sha256));
    if (!st.ok() && !st.IsAlreadyExists()) return st;  // the same bytes are already stored
    return ref;
  }

 private:
  ObjectStore& store_;
  AsyncSha256 hash_;  // hashes while the caller reads and writes the next chunk
  uint64_t size_ = 0;
  std::string buffer_;
  std::unique_ptr<WriteStream> blob_;
};

Status SyncHostFile(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::IOError("cannot open " + path + " to sync it");
  int rc = ::fsync(fd);
  ::close(fd);
  return rc == 0 ? Status::OK() : Status::IOError("cannot sync " + path);
}

}  // namespace

Pond::Pond(std::string dir, PondOptions options, std::unique_ptr<ObjectStore> store,
           std::unique_ptr<Index> index)
    : dir_(std::move(dir)),
      options_(options),
      store_(std::move(store)),
      index_(std::move(index)),
      table_(std::make_unique<delta::DeltaTable>(
          *store_, delta::TableOptions{.checkpoint_interval = options.checkpoint_interval})) {}

Pond::~Pond() {
  if (txn_) Abort();
  ReleaseLock();
}

Result<std::unique_ptr<Pond>> Pond::Init(const std::string& dir, const std::string& command,
                                         PondOptions options) {
  std::error_code ec;
  if (fs::exists(dir + kDataDir + "/_delta_log", ec)) {
    return Status::AlreadyExists("a pond already exists in " + dir);
  }
  fs::create_directories(dir, ec);
  if (ec) return Status::IOError("cannot create " + dir + ": " + ec.message());
  ASSIGN_OR_RETURN(auto store, OpenLocalStore(dir + kDataDir));
  ASSIGN_OR_RETURN(auto index, Index::Open(dir + kIndexFile));
  RETURN_IF_ERROR(index->Clear());  // a stale cache from an earlier pond here
  std::unique_ptr<Pond> pond(new Pond(dir, options, std::move(store), std::move(index)));
  RETURN_IF_ERROR(pond->AcquireLock());

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
  RETURN_IF_ERROR(pond->WritePartitionFile(root.part_id, {root}, &add));
  delta::Metadata metadata = oplog::TableMetadata();
  auto created =
      pond->table_->Create(metadata, {delta::Action::Of(add)},
                           delta::CommitOptions{.operation = "CREATE TABLE",
                                                .extra_commit_info = oplog::CommitInfoJson(info)});
  if (created.status().IsAlreadyExists()) {
    return Status::AlreadyExists("a pond already exists in " + dir);
  }
  RETURN_IF_ERROR(created.status());
  GlobalCounters().delta_commits++;
  RETURN_IF_ERROR(pond->index_->Apply({1, 0, info.timestamp, command, 1}, {root}, metadata.id));
  ASSIGN_OR_RETURN(pond->state_, pond->index_->State());
  pond->ReleaseLock();
  return pond;
}

Result<std::unique_ptr<Pond>> Pond::Open(const std::string& dir, PondOptions options) {
  std::error_code ec;
  if (!fs::exists(dir + kDataDir + "/" + delta::CommitKey(0), ec)) {
    return Status::NotFound("there is no pond in " + dir + " (create one with pond init)");
  }
  ASSIGN_OR_RETURN(auto store, OpenLocalStore(dir + kDataDir));
  ASSIGN_OR_RETURN(auto index, Index::Open(dir + kIndexFile));
  std::unique_ptr<Pond> pond(new Pond(dir, options, std::move(store), std::move(index)));
  RETURN_IF_ERROR(pond->Sync());
  if (options.as_of) {
    if (*options.as_of > pond->state_.last_txn) {
      return Status::NotFound("the pond has no transaction " + std::to_string(*options.as_of) +
                              " (its latest is " + std::to_string(pond->state_.last_txn) + ")");
    }
    pond->view_ = *options.as_of;
  }
  return pond;
}

Status Pond::Sync() {
  PhaseTimer timer("open");
  ASSIGN_OR_RETURN(state_, index_->State());
  // The table's identity: the id in commit 0's metaData.
  ASSIGN_OR_RETURN(std::string first, store_->Get(delta::CommitKey(0)));
  ASSIGN_OR_RETURN(auto actions, delta::ParseCommit(first));
  std::string table_id;
  for (const auto& a : actions) {
    if (a.kind == delta::Action::Kind::kMetadata) table_id = a.metadata.id;
  }
  if (table_id.empty()) return Status::Corruption("the pond's first commit has no metaData");
  bool usable = state_.table_id == table_id && state_.delta_version >= 0 &&
                store_->Stat(delta::CommitKey(state_.delta_version)).ok();
  if (!usable) {
    RETURN_IF_ERROR(index_->Clear());
    state_ = IndexState{};
  }
  if (!store_->Stat(delta::CommitKey(state_.delta_version + 1)).ok()) return Status::OK();
  RETURN_IF_ERROR(ApplyCommits(state_.delta_version + 1, table_id));
  ASSIGN_OR_RETURN(state_, index_->State());
  return Status::OK();
}

Status Pond::ApplyCommits(int64_t from_version, const std::string& table_id) {
  PhaseTimer timer("catch up index");
  struct Pending {
    int64_t version;
    oplog::TxnInfo info;
    std::vector<std::pair<std::string, std::string>> files;  // path, part_id
  };
  std::vector<Pending> commits;
  for (int64_t v = from_version;; ++v) {
    auto text = store_->Get(delta::CommitKey(v));
    if (text.status().IsNotFound()) break;
    RETURN_IF_ERROR(text.status());
    auto actions = delta::ParseCommit(*text);
    if (!actions.ok()) {
      return Status::Corruption("the pond's commit " + delta::CommitKey(v) +
                                " is corrupt: " + actions.status().message());
    }
    Pending p{v, {}, {}};
    for (const auto& a : *actions) {
      if (a.kind == delta::Action::Kind::kCommitInfo) {
        if (auto info = oplog::ParseTxnInfo(a.commit_info.json)) p.info = *info;
      } else if (a.kind == delta::Action::Kind::kAdd && a.add.data_change) {
        auto part = a.add.partition_values.find("part_id");
        if (part == a.add.partition_values.end() || !part->second) {
          return Status::Corruption("data file " + a.add.path + " has no part_id");
        }
        p.files.emplace_back(a.add.path, *part->second);
      }
    }
    commits.push_back(std::move(p));
  }
  // Read every new row at once: one scan, then per commit in order.
  std::vector<std::string> host_paths;
  for (const auto& c : commits) {
    for (const auto& [path, part] : c.files) {
      auto local = store_->LocalPath(path);
      if (!local) return Status::NotSupported("the pond's data must be on a local disk");
      host_paths.push_back(*local);
    }
  }
  RowBatch rows;
  if (!host_paths.empty()) {
    ASSIGN_OR_RETURN(ParquetEngine * engine, table_->engine().Get());
    ASSIGN_OR_RETURN(rows, engine->ReadRows(host_paths, oplog::DataColumns(), true));
    GlobalCounters().data_files_read += static_cast<int64_t>(host_paths.size());
  }
  size_t row = 0;
  int64_t file_index = 0;
  for (const auto& c : commits) {
    std::vector<oplog::Record> records;
    for (const auto& [path, part] : c.files) {
      RowBatch one;
      one.columns = rows.columns;
      while (row < rows.rows.size() && std::get<int64_t>(rows.rows[row][0]) == file_index) {
        one.rows.push_back(rows.rows[row++]);
      }
      ASSIGN_OR_RETURN(auto recs, oplog::FromRowBatch(one, 1, part));
      records.insert(records.end(), recs.begin(), recs.end());
      ++file_index;
    }
    int64_t txn = c.info.txn_seq;
    if (txn == 0 && !records.empty()) txn = records.front().txn_seq;  // a writer without info
    TxnRow t{txn, c.version, c.info.timestamp, c.info.command,
             static_cast<int64_t>(records.size())};
    if (t.timestamp == 0 && !records.empty()) t.timestamp = records.front().timestamp;
    RETURN_IF_ERROR(index_->Apply(t, records, table_id));
  }
  return Status::OK();
}

Status Pond::AcquireLock() {
  if (lock_fd_ >= 0) return Status::OK();
  std::string path = dir_ + kLockFile;
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return Status::IOError("cannot open the pond's lock file " + path);
  auto deadline = std::chrono::steady_clock::now() +
                  std::chrono::milliseconds(std::max(0, options_.lock_timeout_ms));
  while (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    if (errno != EWOULDBLOCK && errno != EINTR) {
      ::close(fd);
      return Status::IOError("cannot lock the pond " + dir_);
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      ::close(fd);
      return Status::Conflict("another pond command is writing to " + dir_ + "; gave up after " +
                              std::to_string(options_.lock_timeout_ms) +
                              " ms (POND_LOCK_TIMEOUT_MS sets the wait)");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  lock_fd_ = fd;
  return Status::OK();
}

void Pond::ReleaseLock() {
  if (lock_fd_ < 0) return;
  ::flock(lock_fd_, LOCK_UN);
  ::close(lock_fd_);
  lock_fd_ = -1;
}

std::optional<std::string> Pond::BlobPath(const std::string& sha256) const {
  return store_->LocalPath(oplog::BlobKey(sha256));
}

// --- reading ---

Result<std::vector<tinyfs::NodeVersion>> Pond::Versions(const NodeId& node) {
  ASSIGN_OR_RETURN(auto records, index_->Versions(node, view_));
  std::vector<tinyfs::NodeVersion> out;
  for (const auto& r : records) out.push_back(ToNodeVersion(r));
  if (txn_) {
    for (const auto& r : txn_->versions) {
      if (r.node_id == node) out.push_back(ToNodeVersion(r));
    }
  }
  if (out.empty()) return Status::NotFound("node " + node + " does not exist");
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
  return index_->Lookup(dir, std::string(name), view_);
}

Result<std::vector<DirEntry>> Pond::ListDirectory(const NodeId& dir) {
  GlobalCounters().directory_reads++;
  std::vector<DirEntry> entries;
  if (!txn_ || !txn_->created.count(dir)) {
    ASSIGN_OR_RETURN(entries, index_->List(dir, view_));
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
  std::optional<std::string> inline_bytes;
  std::string sha;
  bool found = false;
  if (txn_) {
    for (const auto& r : txn_->versions) {
      if (r.node_id == node && r.version == version) {
        inline_bytes = r.content;
        sha = r.sha256;
        found = true;
      }
    }
  }
  if (!found) {  // one indexed lookup: the hash, and the bytes unless they are a blob
    ASSIGN_OR_RETURN(auto stored, index_->Content(node, version, view_));
    if (stored) {
      sha = std::move(stored->sha256);
      inline_bytes = std::move(stored->inline_bytes);
      found = true;
    }
  }
  if (!found) {
    return Status::NotFound("node " + node + " has no version " + std::to_string(version));
  }
  if (inline_bytes) {
    GlobalCounters().bytes_read += static_cast<int64_t>(inline_bytes->size());
    return NewStringReadStream(std::move(*inline_bytes));
  }
  auto blob = store_->OpenRead(oplog::BlobKey(sha));
  if (blob.status().IsNotFound()) {
    return Status::Corruption("the content of node " + node + " version " +
                              std::to_string(version) + " (blob " + sha + ") is missing");
  }
  RETURN_IF_ERROR(blob.status());
  return std::unique_ptr<ReadStream>(std::make_unique<CountingStream>(std::move(*blob)));
}

// --- writing ---

Result<std::unique_ptr<tinyfs::ContentWriter>> Pond::NewContent() {
  if (!txn_) return Status::InvalidArgument("no transaction is open");
  return std::unique_ptr<tinyfs::ContentWriter>(std::make_unique<BlobContentWriter>(*store_));
}

Result<int64_t> Pond::LatestVersionNumber(const NodeId& node) {
  int64_t latest = 0;
  if (txn_) {
    for (const auto& r : txn_->versions) {
      if (r.node_id == node) latest = std::max(latest, r.version);
    }
  }
  if (latest > 0) return latest;
  ASSIGN_OR_RETURN(auto versions, index_->Versions(node, kLatest));
  return versions.empty() ? 0 : versions.back().version;
}

Status Pond::WriteFile(const NodeId& node, const NodeId& part, EntryType type,
                       const tinyfs::ContentRef& content, const tinyfs::VersionMeta& meta) {
  if (!txn_) return Status::InvalidArgument("no transaction is open");
  ASSIGN_OR_RETURN(int64_t latest, LatestVersionNumber(node));
  oplog::Record r;
  r.part_id = part;
  if (latest > 0) {  // later versions stay in the node's first partition
    ASSIGN_OR_RETURN(auto versions, Versions(node));
    r.part_id = versions.front().part_id;
  }
  r.node_id = node;
  r.version = latest + 1;
  r.entry_type = tinyfs::EntryTypeName(type);
  r.timestamp = txn_->info.timestamp;
  r.size = static_cast<int64_t>(content.size);
  r.sha256 = content.sha256;
  r.content = content.inline_bytes;
  r.min_event_time = meta.min_event_time;
  r.max_event_time = meta.max_event_time;
  r.attributes = meta.attributes;
  r.txn_seq = txn_->info.txn_seq;
  txn_->versions.push_back(std::move(r));
  GlobalCounters().file_writes++;
  return Status::OK();
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
  return Status::OK();
}

Status Pond::RemoveEntry(const NodeId& dir, std::string_view name) {
  if (!txn_) return Status::InvalidArgument("no transaction is open");
  ASSIGN_OR_RETURN(auto existing, Lookup(dir, name));
  if (!existing) return Status::NotFound("'" + std::string(name) + "' does not exist");
  if (!txn_->dirs.count(dir)) txn_->dir_order.push_back(dir);
  txn_->dirs[dir][std::string(name)] = std::nullopt;
  return Status::OK();
}

// --- transactions ---

Status Pond::Begin(const std::string& command) {
  if (txn_) return Status::InvalidArgument("a transaction is already open");
  if (options_.as_of) {
    return Status::InvalidArgument("a pond read --as-of a past transaction cannot be changed");
  }
  RETURN_IF_ERROR(AcquireLock());
  Status st = Sync();
  if (!st.ok()) {
    ReleaseLock();
    return st;
  }
  txn_ = std::make_unique<Txn>();
  txn_->info = {state_.last_txn + 1, command, NowMicros()};
  return Status::OK();
}

Result<std::vector<oplog::Record>> Pond::PendingRecords() {
  std::vector<oplog::Record> records = txn_->versions;
  for (const NodeId& dir : txn_->dir_order) {
    const auto& changes = txn_->dirs[dir];
    bool created = txn_->created.count(dir) > 0;
    // Net changes against the committed directory.
    std::vector<oplog::DirChange> net;
    for (const auto& [name, change] : changes) {
      std::optional<DirEntry> base;
      if (!created) {
        ASSIGN_OR_RETURN(base, index_->Lookup(dir, name, kLatest));
      }
      if (change && base && *change == *base) continue;
      if (base) net.push_back({oplog::DirChange::Op::kRemove, name, "", ""});
      if (change) {
        net.push_back(
            {oplog::DirChange::Op::kAdd, name, change->child, tinyfs::EntryTypeName(change->type)});
      }
    }
    if (net.empty() && !created) continue;
    ASSIGN_OR_RETURN(int64_t latest, LatestVersionNumber(dir));
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
  return records;
}

Status Pond::WritePartitionFile(const std::string& part_id, const std::vector<oplog::Record>& rows,
                                delta::AddFile* add) {
  ASSIGN_OR_RETURN(ParquetEngine * engine, table_->engine().Get());
  std::string key = "part_id=" + part_id + "/" + NewUuidV7() + ".parquet";
  std::optional<std::string> host = store_->LocalPath(key);
  if (!host) return Status::NotSupported("the pond's data must be on a local disk");
  std::error_code ec;
  fs::create_directories(fs::path(*host).parent_path(), ec);
  if (ec) return Status::IOError("cannot create " + fs::path(*host).parent_path().string());
  RETURN_IF_ERROR(engine->WriteRows(oplog::ToRowBatch(rows), *host));
  // Durable before the commit that names it.
  RETURN_IF_ERROR(SyncHostFile(*host));
  add->path = key;
  add->partition_values = {{"part_id", part_id}};
  add->size = static_cast<int64_t>(fs::file_size(*host, ec));
  add->modification_time = NowMillis();
  add->data_change = true;
  add->stats = "{\"numRecords\":" + std::to_string(rows.size()) + "}";
  GlobalCounters().data_files_written++;
  return Status::OK();
}

Result<int64_t> Pond::Commit() {
  if (!txn_) return Status::InvalidArgument("no transaction is open");
  auto result = [&]() -> Result<int64_t> {
    ASSIGN_OR_RETURN(std::vector<oplog::Record> records, PendingRecords());
    if (records.empty()) return state_.last_txn;
    PhaseTimer timer("commit");
    std::map<std::string, std::vector<oplog::Record>> by_part;
    for (const auto& r : records) by_part[r.part_id].push_back(r);
    std::vector<delta::Action> adds;
    for (const auto& [part, rows] : by_part) {
      delta::AddFile add;
      RETURN_IF_ERROR(WritePartitionFile(part, rows, &add));
      adds.push_back(delta::Action::Of(add));
    }
    ASSIGN_OR_RETURN(int64_t version,
                     table_->Commit(state_.delta_version, std::move(adds),
                                    delta::CommitOptions{
                                        .operation = "WRITE",
                                        .extra_commit_info = oplog::CommitInfoJson(txn_->info)}));
    GlobalCounters().delta_commits++;
    // The commit is durable; the index is a cache the next open repairs if this fails.
    (void)index_->Apply({txn_->info.txn_seq, version, txn_->info.timestamp, txn_->info.command,
                         static_cast<int64_t>(records.size())},
                        records, state_.table_id);
    ASSIGN_OR_RETURN(state_, index_->State());
    return txn_->info.txn_seq;
  }();
  txn_.reset();
  ReleaseLock();
  return result;
}

void Pond::Abort() {
  txn_.reset();
  ReleaseLock();
}

}  // namespace pond::tlogfs
