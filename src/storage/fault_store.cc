#include "storage/fault_store.h"

#include <utility>

namespace pond {

// Passes appends through; routes Commit() through the store's fault checks.
class FaultInjectingStore::FaultWriteStream : public WriteStream {
 public:
  FaultWriteStream(FaultInjectingStore& store, std::unique_ptr<WriteStream> base, std::string key,
                   bool if_absent)
      : store_(store), base_(std::move(base)), key_(std::move(key)), if_absent_(if_absent) {}

  Status Append(std::string_view bytes) override { return base_->Append(bytes); }
  Status Commit() override {
    return store_.Write(key_, if_absent_, [this] { return base_->Commit(); });
  }
  Status CommitAs(const std::string& key) override {
    return store_.Write(key, if_absent_, [this, &key] { return base_->CommitAs(key); });
  }
  uint64_t size() const override { return base_->size(); }

 private:
  FaultInjectingStore& store_;
  std::unique_ptr<WriteStream> base_;
  std::string key_;
  bool if_absent_;
};

void FaultInjectingStore::CrashAfterWrites(int n) {
  std::lock_guard<std::mutex> lock(mu_);
  writes_left_ = n < 0 ? 0 : n;
}

void FaultInjectingStore::Heal() {
  std::lock_guard<std::mutex> lock(mu_);
  writes_left_.reset();
}

void FaultInjectingStore::FailWritesMatching(std::string substring) {
  std::lock_guard<std::mutex> lock(mu_);
  fail_substring_ = std::move(substring);
}

void FaultInjectingStore::BeforePutIfAbsent(std::function<void(const std::string& key)> hook) {
  std::lock_guard<std::mutex> lock(mu_);
  before_put_if_absent_ = std::move(hook);
}

int FaultInjectingStore::writes() const {
  std::lock_guard<std::mutex> lock(mu_);
  return writes_;
}

int FaultInjectingStore::reads() const {
  std::lock_guard<std::mutex> lock(mu_);
  return reads_;
}

Status FaultInjectingStore::Write(const std::string& key, bool if_absent,
                                  const std::function<Status()>& op) {
  RETURN_IF_ERROR(ValidateKey(key));  // a bad key is the caller's error, not a fault
  std::function<void(const std::string&)> hook;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (writes_left_ && *writes_left_ == 0) {
      return Status::IOError("simulated crash: cannot write '" + key + "'");
    }
    if (!fail_substring_.empty() && key.find(fail_substring_) != std::string::npos) {
      return Status::IOError("simulated failure: cannot write '" + key + "'");
    }
    // Reserve this write's slot now, so concurrent writers cannot overshoot n.
    if (writes_left_) --*writes_left_;
    if (if_absent) hook = before_put_if_absent_;
  }
  if (hook) hook(key);
  Status status = op();
  std::lock_guard<std::mutex> lock(mu_);
  if (status.ok()) {
    ++writes_;
  } else if (writes_left_) {
    ++*writes_left_;  // only successful writes count toward the crash
  }
  return status;
}

void FaultInjectingStore::CountRead() {
  std::lock_guard<std::mutex> lock(mu_);
  ++reads_;
}

Result<std::string> FaultInjectingStore::Get(const std::string& key) {
  CountRead();
  return base_.Get(key);
}

Result<std::unique_ptr<ReadStream>> FaultInjectingStore::OpenRead(const std::string& key) {
  CountRead();
  return base_.OpenRead(key);
}

Result<ObjectInfo> FaultInjectingStore::Stat(const std::string& key) {
  CountRead();
  return base_.Stat(key);
}

Result<std::vector<ObjectInfo>> FaultInjectingStore::List(const std::string& prefix) {
  CountRead();
  return base_.List(prefix);
}

Status FaultInjectingStore::Put(const std::string& key, std::string_view data) {
  return Write(key, /*if_absent=*/false, [&] { return base_.Put(key, data); });
}

Status FaultInjectingStore::PutIfAbsent(const std::string& key, std::string_view data) {
  return Write(key, /*if_absent=*/true, [&] { return base_.PutIfAbsent(key, data); });
}

Status FaultInjectingStore::Delete(const std::string& key) {
  return Write(key, /*if_absent=*/false, [&] { return base_.Delete(key); });
}

Result<std::unique_ptr<WriteStream>> FaultInjectingStore::OpenWrite(const std::string& key,
                                                                    bool if_absent) {
  ASSIGN_OR_RETURN(std::unique_ptr<WriteStream> base, base_.OpenWrite(key, if_absent));
  return std::unique_ptr<WriteStream>(new FaultWriteStream(*this, std::move(base), key, if_absent));
}

Result<std::vector<std::string>> FaultInjectingStore::ListKeys(const std::string& prefix) {
  CountRead();
  return base_.ListKeys(prefix);
}

Result<std::vector<ObjectInfo>> FaultInjectingStore::ListUnfinished() {
  CountRead();
  return base_.ListUnfinished();
}

Status FaultInjectingStore::DeleteUnfinished(const std::string& name) {
  return Write(name, false, [&] { return base_.DeleteUnfinished(name); });
}

std::optional<std::string> FaultInjectingStore::LocalPath(const std::string& key) const {
  return base_.LocalPath(key);
}

}  // namespace pond
