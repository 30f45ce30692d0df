// FaultInjectingStore: an ObjectStore decorator that makes writes fail on cue.
//
// For tests of the layers above the store (the Delta engine, the pond): wrap a
// real store, run the code under test against the wrapper, inject a fault, then
// reopen through the base store and check what survived. A failed write never
// reaches the base store, so it changes nothing there.
//
// Write operations are Put, PutIfAbsent, WriteStream::Commit and Delete;
// OpenWrite and Append are not (nothing is visible before Commit). Read
// operations (Get, OpenRead, Stat, List) always pass through.
//
// Thread safety: safe to use from several threads, like any ObjectStore. The
// fault settings may be changed while other threads use the store. Streams it
// returns must not outlive it.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "storage/object_store.h"

namespace pond {

class FaultInjectingStore : public ObjectStore {
 public:
  // `base` is not owned and must outlive this store.
  explicit FaultInjectingStore(ObjectStore& base) : base_(base) {}

  // Lets `n` more write operations succeed, then "crashes": every later write
  // fails with IOError("simulated crash ...") and changes nothing, while reads
  // keep working. A write that fails in the base store does not count.
  void CrashAfterWrites(int n);
  // Clears CrashAfterWrites, including an ongoing crash.
  void Heal();
  // Write operations whose key contains `substring` fail with IOError and change
  // nothing. An empty `substring` clears the setting.
  void FailWritesMatching(std::string substring);
  // Runs `hook(key)` just before a PutIfAbsent or an if_absent Commit is passed
  // to the base store, so a test can let another writer win a race. The hook runs
  // without any lock held and may use this store. Null clears it.
  void BeforePutIfAbsent(std::function<void(const std::string& key)> hook);

  // Write operations that succeeded / read operations passed through, so far.
  int writes() const;
  int reads() const;

  Result<std::string> Get(const std::string& key) override;
  Result<std::unique_ptr<ReadStream>> OpenRead(const std::string& key) override;
  Result<ObjectInfo> Stat(const std::string& key) override;
  Status Put(const std::string& key, std::string_view data) override;
  Status PutIfAbsent(const std::string& key, std::string_view data) override;
  Result<std::unique_ptr<WriteStream>> OpenWrite(const std::string& key, bool if_absent) override;
  Result<std::vector<ObjectInfo>> List(const std::string& prefix) override;
  Result<std::vector<std::string>> ListKeys(const std::string& prefix) override;
  Status Delete(const std::string& key) override;
  Result<std::vector<ObjectInfo>> ListUnfinished() override;
  Status DeleteUnfinished(const std::string& name) override;
  std::optional<std::string> LocalPath(const std::string& key) const override;

 private:
  class FaultWriteStream;

  // Runs the write `op` on `key` unless a fault applies. With `if_absent`, the
  // hook runs first.
  Status Write(const std::string& key, bool if_absent, const std::function<Status()>& op);
  void CountRead();

  ObjectStore& base_;
  mutable std::mutex mu_;
  // Writes still allowed before the crash; nullopt when no crash is planned.
  std::optional<int> writes_left_;                                // guarded by mu_
  std::string fail_substring_;                                    // guarded by mu_
  std::function<void(const std::string&)> before_put_if_absent_;  // guarded by mu_
  int writes_ = 0;                                                // guarded by mu_
  int reads_ = 0;                                                 // guarded by mu_
};

}  // namespace pond
