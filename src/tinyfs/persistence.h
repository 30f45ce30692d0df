// The persistence interface: the single source of truth for the filesystem.
//
// The filesystem (fs.h) keeps no copy of anything persistence holds; every
// lookup asks persistence. Implementations: MemoryPersistence (tests, no Delta,
// no DuckDB) and the operation log on Delta Lake (tlogfs/).
//
// Reads see the committed state at the implementation's read view (the latest
// transaction, or an earlier one for --as-of) plus, inside a transaction, that
// transaction's own writes. Writes REQUIRE an open transaction; nothing is
// visible to other readers until Commit() returns, and Abort() leaves no trace.
//
// Directories change by entries: every directory a transaction changes gets
// exactly one new version at commit, holding that transaction's changes.
//
// Thread safety: one thread at a time.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "storage/object_store.h"
#include "tinyfs/node.h"

namespace pond::tinyfs {

// Streams the content of a new file version; Finish() decides inline or blob.
class ContentWriter {
 public:
  virtual ~ContentWriter() = default;
  virtual Status Append(std::string_view bytes) = 0;
  // Appends the rest of the host file open as `fd` (from its offset), telling
  // `on_bytes` each count appended. This one reads and Appends; a writer
  // whose store keeps host files may copy in the kernel instead.
  virtual Status AppendFile(int fd, const std::function<void(uint64_t)>& on_bytes);
  // Returns the reference to pass to WriteFile. The writer is spent afterwards.
  virtual Result<ContentRef> Finish() = 0;
};

class Persistence {
 public:
  Persistence() = default;
  virtual ~Persistence() = default;
  Persistence(const Persistence&) = delete;
  Persistence& operator=(const Persistence&) = delete;

  // --- reading ---

  // Every version of `node`, oldest first. NotFound when the node has none.
  virtual Result<std::vector<NodeVersion>> Versions(const NodeId& node) = 0;
  // The entry `name` of directory `dir`, or nullopt.
  virtual Result<std::optional<DirEntry>> Lookup(const NodeId& dir, std::string_view name) = 0;
  // The entries of `dir`, sorted by name.
  virtual Result<std::vector<DirEntry>> ListDirectory(const NodeId& dir) = 0;
  // A stream over the content of `version` of `node` (a file or symlink).
  virtual Result<std::unique_ptr<ReadStream>> OpenContent(const NodeId& node, int64_t version) = 0;

  // --- writing (REQUIRES InTransaction()) ---

  virtual Result<std::unique_ptr<ContentWriter>> NewContent() = 0;
  // Appends a version to file or symlink `node` in partition `part` (for a new
  // node, `part` is its parent directory; later versions keep the first one's).
  virtual Status WriteFile(const NodeId& node, const NodeId& part, EntryType type,
                           const ContentRef& content, const VersionMeta& meta) = 0;
  // The same for the first version of a node the caller has just made (a
  // fresh id: nothing can be stored for it), without looking for others.
  virtual Status WriteNewFile(const NodeId& node, const NodeId& part, EntryType type,
                              const ContentRef& content, const VersionMeta& meta) {
    return WriteFile(node, part, type, content, meta);
  }
  // Records a new, empty directory `dir` (its own partition).
  virtual Status CreateDirectory(const NodeId& dir) = 0;
  // Adds `entry` to `dir`. AlreadyExists when the name is taken.
  virtual Status InsertEntry(const NodeId& dir, const DirEntry& entry) = 0;
  // Removes the entry `name` from `dir`. NotFound when there is none.
  virtual Status RemoveEntry(const NodeId& dir, std::string_view name) = 0;

  // --- transactions ---

  // Starts a transaction for `command` (recorded with it). Conflict or IOError
  // when another writer holds the pond past the wait limit.
  virtual Status Begin(const std::string& command) = 0;
  // Makes every write of the transaction durable and visible at once; returns
  // its sequence number. A transaction that wrote nothing commits nothing and
  // returns the current sequence.
  virtual Result<int64_t> Commit() = 0;
  // Drops every write of the transaction.
  virtual void Abort() = 0;
  virtual bool InTransaction() const = 0;
};

// The hex SHA-256 and size of `bytes` as an inline ContentRef.
ContentRef InlineContent(std::string bytes);

// Reads a whole stream into a string.
Result<std::string> ReadAll(ReadStream& stream);

}  // namespace pond::tinyfs
