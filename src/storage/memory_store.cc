// The in-memory object store, for tests: a sorted map from key to bytes.
//
// It keeps the local store's contract (atomic writes, PutIfAbsent never
// overwrites, sorted listing) so the layers above can be tested without a disk.
// One mutex guards the map; every operation holds it only briefly, and a stream
// buffers its bytes privately until Commit(). Streams must not outlive the store.
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "storage/object_store.h"
#include "util/time.h"

namespace pond {
namespace {

Status NoObject(const std::string& key) { return Status::NotFound("no object '" + key + "'"); }

class MemoryStore;

class StringReadStream : public ReadStream {
 public:
  explicit StringReadStream(std::string data) : data_(std::move(data)) {}

  Result<size_t> Read(char* buf, size_t n) override {
    size_t count = data_.copy(buf, n, pos_);
    pos_ += count;
    return count;
  }

 private:
  std::string data_;  // a snapshot: later writes to the key do not show through
  size_t pos_ = 0;
};

class MemoryWriteStream : public WriteStream {
 public:
  MemoryWriteStream(MemoryStore& store, std::string key, bool if_absent)
      : store_(store), key_(std::move(key)), if_absent_(if_absent) {}

  Status Append(std::string_view bytes) override {
    if (committed_) return Status::InvalidArgument("write stream of '" + key_ + "' is closed");
    data_.append(bytes);
    size_ += bytes.size();
    return Status::OK();
  }

  Status Commit() override;
  Status CommitAs(const std::string& key) override {
    RETURN_IF_ERROR(ValidateKey(key));
    key_ = key;
    return Commit();
  }

  uint64_t size() const override { return size_; }

 private:
  MemoryStore& store_;
  std::string key_;
  bool if_absent_;
  bool committed_ = false;
  std::string data_;  // handed to the store by Commit()
  uint64_t size_ = 0;
};

class MemoryStore : public ObjectStore {
 public:
  Result<std::string> Get(const std::string& key) override {
    RETURN_IF_ERROR(ValidateKey(key));
    std::lock_guard<std::mutex> lock(mu_);
    auto it = objects_.find(key);
    if (it == objects_.end()) return NoObject(key);
    return it->second.data;
  }

  Result<std::unique_ptr<ReadStream>> OpenRead(const std::string& key) override {
    ASSIGN_OR_RETURN(std::string data, Get(key));
    return std::unique_ptr<ReadStream>(new StringReadStream(std::move(data)));
  }

  Result<ObjectInfo> Stat(const std::string& key) override {
    RETURN_IF_ERROR(ValidateKey(key));
    std::lock_guard<std::mutex> lock(mu_);
    auto it = objects_.find(key);
    if (it == objects_.end()) return NoObject(key);
    return Info(*it);
  }

  Status Put(const std::string& key, std::string_view data) override {
    RETURN_IF_ERROR(ValidateKey(key));
    return Store(key, std::string(data), /*if_absent=*/false);
  }

  Status PutIfAbsent(const std::string& key, std::string_view data) override {
    RETURN_IF_ERROR(ValidateKey(key));
    return Store(key, std::string(data), /*if_absent=*/true);
  }

  Result<std::unique_ptr<WriteStream>> OpenWrite(const std::string& key, bool if_absent) override {
    RETURN_IF_ERROR(ValidateKey(key));
    return std::unique_ptr<WriteStream>(new MemoryWriteStream(*this, key, if_absent));
  }

  Result<std::vector<ObjectInfo>> List(const std::string& prefix) override {
    std::vector<ObjectInfo> out;
    std::lock_guard<std::mutex> lock(mu_);
    // The map is sorted, so the matches are one contiguous run from lower_bound.
    for (auto it = objects_.lower_bound(prefix);
         it != objects_.end() && std::string_view(it->first).starts_with(prefix); ++it) {
      out.push_back(Info(*it));
    }
    return out;
  }

  Status Delete(const std::string& key) override {
    RETURN_IF_ERROR(ValidateKey(key));
    std::lock_guard<std::mutex> lock(mu_);
    if (objects_.erase(key) == 0) return NoObject(key);
    return Status::OK();
  }

  std::optional<std::string> LocalPath(const std::string& key) const override {
    return std::nullopt;
  }

  // Publishes `data` under the (already validated) `key`, in one step under the lock.
  Status Store(const std::string& key, std::string data, bool if_absent) {
    std::lock_guard<std::mutex> lock(mu_);
    auto [it, inserted] = objects_.try_emplace(key);
    if (!inserted && if_absent) {
      return Status::AlreadyExists("object '" + key + "' already exists");
    }
    it->second = Object{std::move(data), NowMillis()};
    return Status::OK();
  }

 private:
  struct Object {
    std::string data;
    int64_t modified_millis = 0;
  };

  static ObjectInfo Info(const std::pair<const std::string, Object>& entry) {
    return ObjectInfo{entry.first, entry.second.data.size(), entry.second.modified_millis};
  }

  std::mutex mu_;
  std::map<std::string, Object> objects_;  // guarded by mu_
};

Status MemoryWriteStream::Commit() {
  if (committed_) return Status::InvalidArgument("write stream of '" + key_ + "' is closed");
  committed_ = true;
  return store_.Store(key_, std::move(data_), if_absent_);
}

}  // namespace

std::unique_ptr<ReadStream> NewStringReadStream(std::string data) {
  return std::make_unique<StringReadStream>(std::move(data));
}

std::unique_ptr<ObjectStore> NewMemoryStore() { return std::make_unique<MemoryStore>(); }

}  // namespace pond
