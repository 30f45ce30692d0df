#include "tinyfs/memory_persistence.h"

#include <algorithm>
#include <map>
#include <set>

#include "util/hash.h"
#include "util/time.h"

namespace pond::tinyfs {

namespace {


class MemoryContentWriter final : public ContentWriter {
 public:
  Status Append(std::string_view bytes) override {
    data_.append(bytes);
    return Status::OK();
  }
  Result<ContentRef> Finish() override { return InlineContent(std::move(data_)); }

 private:
  std::string data_;
};

struct StoredVersion {
  NodeVersion version;
  std::string content;
};

// Everything the store holds; a transaction works on a copy.
struct State {
  std::map<NodeId, std::vector<StoredVersion>> nodes;
  std::map<NodeId, std::map<std::string, DirEntry, std::less<>>> dirs;
  int64_t txn_seq = 0;
};

class MemoryPersistence final : public Persistence {
 public:
  MemoryPersistence() {
    committed_.txn_seq = 1;
    StoredVersion root;
    root.version = {kRootId, kRootId, 1, EntryType::kDirectory, NowMicros(), 0, "", {}, 1, false};
    committed_.nodes[kRootId].push_back(root);
    committed_.dirs[kRootId];
  }

  Result<std::vector<NodeVersion>> Versions(const NodeId& node) override {
    auto it = view().nodes.find(node);
    if (it == view().nodes.end()) return Status::NotFound("node " + node + " does not exist");
    std::vector<NodeVersion> out;
    for (const auto& v : it->second) out.push_back(v.version);
    return out;
  }

  Result<std::optional<DirEntry>> Lookup(const NodeId& dir, std::string_view name) override {
    auto d = view().dirs.find(dir);
    if (d == view().dirs.end()) return Status::NotFound("directory " + dir + " does not exist");
    auto e = d->second.find(name);
    if (e == d->second.end()) return std::optional<DirEntry>();
    return std::optional<DirEntry>(e->second);
  }

  Result<std::vector<DirEntry>> ListDirectory(const NodeId& dir) override {
    auto d = view().dirs.find(dir);
    if (d == view().dirs.end()) return Status::NotFound("directory " + dir + " does not exist");
    std::vector<DirEntry> out;
    for (const auto& [name, e] : d->second) out.push_back(e);
    return out;
  }

  Result<std::unique_ptr<ReadStream>> OpenContent(const NodeId& node, int64_t version) override {
    auto it = view().nodes.find(node);
    if (it == view().nodes.end() || version < 1 ||
        version > static_cast<int64_t>(it->second.size())) {
      return Status::NotFound("node " + node + " has no version " + std::to_string(version));
    }
    return NewStringReadStream(it->second[version - 1].content);
  }

  Result<std::unique_ptr<ContentWriter>> NewContent() override {
    RETURN_IF_ERROR(RequireTxn());
    return std::unique_ptr<ContentWriter>(std::make_unique<MemoryContentWriter>());
  }

  Status WriteFile(const NodeId& node, const NodeId& part, EntryType type,
                   const ContentRef& content, const VersionMeta& meta) override {
    RETURN_IF_ERROR(RequireTxn());
    if (!content.inline_bytes) return Status::InvalidArgument("memory content must be inline");
    auto& versions = txn_->nodes[node];
    StoredVersion v;
    v.version.node_id = node;
    v.version.part_id = versions.empty() ? part : versions.front().version.part_id;
    v.version.version = static_cast<int64_t>(versions.size()) + 1;
    v.version.type = type;
    v.version.timestamp = NowMicros();
    v.version.size = content.size;
    v.version.sha256 = content.sha256;
    v.version.meta = meta;
    v.version.txn_seq = txn_->txn_seq;
    v.content = *content.inline_bytes;
    versions.push_back(std::move(v));
    return Status::OK();
  }

  Status CreateDirectory(const NodeId& dir) override {
    RETURN_IF_ERROR(RequireTxn());
    if (txn_->dirs.count(dir)) return Status::AlreadyExists("directory " + dir + " exists");
    txn_->dirs[dir];
    touched_dirs_.insert(dir);
    return Status::OK();
  }

  Status InsertEntry(const NodeId& dir, const DirEntry& entry) override {
    RETURN_IF_ERROR(RequireTxn());
    auto d = txn_->dirs.find(dir);
    if (d == txn_->dirs.end()) return Status::NotFound("directory " + dir + " does not exist");
    if (!d->second.emplace(entry.name, entry).second) {
      return Status::AlreadyExists("'" + entry.name + "' already exists");
    }
    touched_dirs_.insert(dir);
    return Status::OK();
  }

  Status RemoveEntry(const NodeId& dir, std::string_view name) override {
    RETURN_IF_ERROR(RequireTxn());
    auto d = txn_->dirs.find(dir);
    if (d == txn_->dirs.end()) return Status::NotFound("directory " + dir + " does not exist");
    auto e = d->second.find(name);
    if (e == d->second.end()) return Status::NotFound("'" + std::string(name) + "' does not exist");
    d->second.erase(e);
    touched_dirs_.insert(dir);
    return Status::OK();
  }

  Status Begin(const std::string& command) override {
    if (txn_) return Status::InvalidArgument("a transaction is already open");
    txn_ = std::make_unique<State>(committed_);
    txn_->txn_seq = committed_.txn_seq + 1;
    touched_dirs_.clear();
    return Status::OK();
  }

  Result<int64_t> Commit() override {
    RETURN_IF_ERROR(RequireTxn());
    bool wrote = !touched_dirs_.empty();
    for (const auto& [id, versions] : txn_->nodes) {
      auto it = committed_.nodes.find(id);
      wrote |= it == committed_.nodes.end() || it->second.size() != versions.size();
    }
    if (!wrote) {
      txn_.reset();
      return committed_.txn_seq;
    }
    // One new version per touched directory, as the operation log writes.
    for (const NodeId& dir : touched_dirs_) {
      auto& versions = txn_->nodes[dir];
      StoredVersion v;
      v.version = {dir,
                   dir,
                   static_cast<int64_t>(versions.size()) + 1,
                   EntryType::kDirectory,
                   NowMicros(),
                   0,
                   "",
                   {},
                   txn_->txn_seq,
                   false};
      versions.push_back(std::move(v));
    }
    committed_ = std::move(*txn_);
    txn_.reset();
    return committed_.txn_seq;
  }

  void Abort() override { txn_.reset(); }
  bool InTransaction() const override { return txn_ != nullptr; }

 private:
  const State& view() const { return txn_ ? *txn_ : committed_; }
  Status RequireTxn() const {
    return txn_ ? Status::OK() : Status::InvalidArgument("no transaction is open");
  }

  State committed_;
  std::unique_ptr<State> txn_;
  std::set<NodeId> touched_dirs_;
};

}  // namespace

std::unique_ptr<Persistence> NewMemoryPersistence() {
  return std::make_unique<MemoryPersistence>();
}

}  // namespace pond::tinyfs
