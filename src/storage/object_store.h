// The object-store interface: the one seam between DuckPond and where bytes live.
//
// Keys are relative, '/'-separated paths ("_delta_log/00000000000000000000.json").
// A key is valid when it is non-empty, does not start or end with '/', has no
// empty, "." or ".." segment, no segment starting with ".tmp-" (reserved for
// temporary files of unfinished writes) and no NUL byte; every method refuses an
// invalid key with InvalidArgument, so no key can reach outside the store's root.
//
// Writes are atomic: a reader sees a whole object or none, never a prefix.
// PutIfAbsent never overwrites: of two racing writers of one key exactly one
// succeeds and the other gets AlreadyExists. This is the guard Delta commits
// rely on.
//
// Thread safety: implementations are safe to use from several threads at once.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/status.h"

namespace pond {

struct ObjectInfo {
  std::string key;
  uint64_t size = 0;
  int64_t modified_millis = 0;  // last modification, ms since the epoch
};

// Reads one object from start to end.
class ReadStream {
 public:
  virtual ~ReadStream() = default;
  // Reads up to `n` bytes into `buf`. Returns the count read; 0 means end of object.
  virtual Result<size_t> Read(char* buf, size_t n) = 0;
};

// Writes one object. Nothing is visible under the key until Commit() succeeds;
// destroying the stream without Commit() discards what was written.
class WriteStream {
 public:
  virtual ~WriteStream() = default;
  virtual Status Append(std::string_view bytes) = 0;
  // Makes the object durable and visible. For a stream opened with if_absent,
  // returns AlreadyExists (and publishes nothing) when the key exists by then.
  virtual Status Commit() = 0;
  // Like Commit(), but publishes under `key` instead of the key the stream was
  // opened with (same store, same if_absent rule): for content-addressed
  // objects whose name is known only once every byte has been seen.
  virtual Status CommitAs(const std::string& key) = 0;
  // Bytes appended so far.
  virtual uint64_t size() const = 0;
  // Appends the rest of the host file open as `fd` (from its offset) and
  // returns how many bytes that was. `observe` sees every byte appended, in
  // order, as the object holds it (for hashing); its error stops the copy.
  // This one reads and Appends; a store whose objects are host files copies
  // in the kernel (copy_file_range) and shows `observe` the object's bytes.
  virtual Result<uint64_t> AppendFile(int fd,
                                      const std::function<Status(std::string_view)>& observe);
};

class ObjectStore {
 public:
  ObjectStore() = default;
  virtual ~ObjectStore() = default;
  ObjectStore(const ObjectStore&) = delete;
  ObjectStore& operator=(const ObjectStore&) = delete;

  // The whole object. NotFound when absent.
  virtual Result<std::string> Get(const std::string& key) = 0;
  // A stream over the object. NotFound when absent.
  virtual Result<std::unique_ptr<ReadStream>> OpenRead(const std::string& key) = 0;
  // Size and modification time. NotFound when absent.
  virtual Result<ObjectInfo> Stat(const std::string& key) = 0;

  // Writes `data` under `key`, replacing any object there, atomically.
  virtual Status Put(const std::string& key, std::string_view data) = 0;
  // Writes `data` under `key` only if no object is there: AlreadyExists otherwise.
  virtual Status PutIfAbsent(const std::string& key, std::string_view data) = 0;
  // A streaming write; see WriteStream. With `if_absent`, Commit() never overwrites.
  virtual Result<std::unique_ptr<WriteStream>> OpenWrite(const std::string& key,
                                                         bool if_absent) = 0;

  // Every object whose key starts with `prefix` (any depth), sorted by key.
  // An empty prefix lists the whole store. Temporary files of unfinished writes
  // are never listed.
  virtual Result<std::vector<ObjectInfo>> List(const std::string& prefix) = 0;

  // The keys List(prefix) would return, in no particular order, without
  // sizes or times: for callers that need only names, on stores where those
  // cost extra (a local directory pays a stat per file for them).
  virtual Result<std::vector<std::string>> ListKeys(const std::string& prefix) {
    ASSIGN_OR_RETURN(std::vector<ObjectInfo> objects, List(prefix));
    std::vector<std::string> keys;
    keys.reserve(objects.size());
    for (ObjectInfo& o : objects) keys.push_back(std::move(o.key));
    return keys;
  }

  // Removes the object. NotFound when absent.
  virtual Status Delete(const std::string& key) = 0;

  // The temporary files that unfinished writes left behind (a crash, a kill),
  // with their size and age, for garbage collection. Their names are paths
  // relative to the store's root, not object keys. Empty for a store that
  // leaves none.
  virtual Result<std::vector<ObjectInfo>> ListUnfinished() { return std::vector<ObjectInfo>(); }
  // Removes one of them (a name ListUnfinished returned). InvalidArgument for
  // any other name.
  virtual Status DeleteUnfinished(const std::string& name) {
    return Status::InvalidArgument("'" + name + "' is not an unfinished write");
  }

  // The host file path of `key`, for stores whose objects are host files (so a
  // reader such as DuckDB can scan them in place); nullopt otherwise, and for an
  // invalid key.
  virtual std::optional<std::string> LocalPath(const std::string& key) const = 0;
};

// A stream over bytes held in memory.
std::unique_ptr<ReadStream> NewStringReadStream(std::string data);

// A stream over host file `path`. NotFound or IOError naming it.
Result<std::unique_ptr<ReadStream>> OpenHostFile(const std::string& path);

// OK when `key` is a valid key (see above), InvalidArgument otherwise.
Status ValidateKey(std::string_view key);

// Objects are files under `root` (created if missing). Atomic writes go through a
// temporary file in the same directory that is fsynced, then renamed (Put) or
// hard-linked into place (PutIfAbsent: link() fails rather than replace); the
// directory is fsynced after. An fsync failure is reported, never ignored.
// With `create_if_missing` false, a missing root is NotFound (for readers,
// which must not leave directories behind).
Result<std::unique_ptr<ObjectStore>> OpenLocalStore(const std::string& root,
                                                    bool create_if_missing = true);

// Objects live in memory, for tests. Same semantics as the local store.
std::unique_ptr<ObjectStore> NewMemoryStore();

}  // namespace pond
