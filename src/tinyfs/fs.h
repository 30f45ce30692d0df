// The filesystem: paths, a working directory, symlinks, globbing and dynamic
// directories over a Persistence.
//
// FS is a coordinator: it holds no copy of the tree (persistence is the single
// source of truth), only the working directory and the dynamic directories
// mounted on it. Every method reads through persistence; methods that change
// the tree REQUIRE an open transaction on it.
//
// Symlinks are followed in every component but the last, and in the last too
// when an operation acts on what the path names (read, list) rather than on the
// name itself (remove, rename, create link). ".." after a symlink leads to the
// parent of the link's target (physical semantics). More than 40 symlink
// expansions in one resolution is an error (a loop).
//
// Thread safety: one thread at a time.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tinyfs/glob.h"
#include "tinyfs/persistence.h"

namespace pond::tinyfs {

class FS;

// A node reached by a path.
struct Node {
  NodeId id;
  EntryType type = EntryType::kDirectory;
  std::string path;  // the absolute path it was reached by
};

// A directory whose entries are computed when read, by code, and served through
// the same interface as stored directories (lookup, list, glob). Its entries
// name existing nodes.
class DynamicDirectory {
 public:
  virtual ~DynamicDirectory() = default;
  // The entries, computed now; `fs` reads the rest of the tree.
  virtual Result<std::vector<DirEntry>> Entries(FS& fs) = 0;
};

// What a dynamic table or series holds, computed: a host file (Parquet) and
// what a stored version would record about it.
struct DynamicContent {
  std::string host_path;
  uint64_t size = 0;
  VersionMeta meta;  // event-time bounds; attributes "columns" and "time_column"
};

// Computes dynamic nodes: the factory layer implements it, so that tinyfs
// knows no factory. Nodes inside a dynamic directory are virtual: persistence
// does not hold them, and their versions come from here.
class DynamicNodes {
 public:
  virtual ~DynamicNodes() = default;
  // The entries of dynamic directory `dir`.
  virtual Result<std::vector<DirEntry>> List(FS& fs, const Node& dir) = 0;
  // The content of dynamic table or series `file`.
  virtual Result<DynamicContent> Compute(FS& fs, const Node& file) = 0;
  // The versions of virtual node `node`; nullopt when it is not one.
  virtual std::optional<std::vector<NodeVersion>> VirtualVersions(const NodeId& node) = 0;
};

struct GlobMatch {
  std::string path;
  Node node;  // the entry itself (a symlink is not followed)
  std::vector<std::string> captures;
};

class FS {
 public:
  // REQUIRES: `persistence` outlives the FS.
  explicit FS(Persistence& persistence);
  FS(const FS&) = delete;
  FS& operator=(const FS&) = delete;

  Persistence& persistence() { return persistence_; }

  // The working directory, an absolute path ("/" at first).
  const std::string& cwd() const { return cwd_; }
  // NotFound / InvalidArgument when `path` is not a directory.
  Status ChangeDirectory(std::string_view path);

  // The node `path` names. NotFound naming the path when it does not exist;
  // InvalidArgument when a middle component is not a directory.
  Result<Node> Resolve(std::string_view path, bool follow_last = true);
  // Like Resolve, but nullopt when only the last component is missing.
  Result<std::optional<Node>> TryResolve(std::string_view path, bool follow_last = true);

  // The entries of a directory (stored or dynamic), sorted by name.
  Result<std::vector<DirEntry>> ReadDirectory(const Node& dir);

  // Creates directory `path`; with `parents`, also the missing ones above it,
  // and an existing directory is not an error. Returns the directory.
  Result<Node> Mkdir(std::string_view path, bool parents);

  // Writes a file at `path`: a new file, or a new version of the file there
  // (which must have the same entry type). AlreadyExists when a directory or
  // symlink holds the name; InvalidArgument when the types differ.
  Result<Node> WriteFile(std::string_view path, EntryType type, const ContentRef& content,
                         const VersionMeta& meta = {});
  // The same for entry `name` of directory `parent`, which the caller has
  // resolved: a tree copy looks each directory up once, not once per file.
  Result<Node> WriteFileIn(const Node& parent, std::string_view name, EntryType type,
                           const ContentRef& content, const VersionMeta& meta = {});

  // Creates a symlink at `link_path` pointing to `target` (not checked).
  Result<Node> Symlink(std::string_view target, std::string_view link_path);
  // The target text of a symlink.
  Result<std::string> ReadLink(const Node& link);

  // Content of a file version (latest when nullopt). Versions count from 1.
  Result<std::unique_ptr<ReadStream>> OpenFile(const Node& file,
                                               std::optional<int64_t> version = std::nullopt);
  Result<std::string> ReadFile(const Node& file, std::optional<int64_t> version = std::nullopt);
  Result<std::vector<NodeVersion>> Versions(const Node& node);

  // Removes the entry at `path` (a symlink itself, not its target); the
  // node's versions stay in history. A directory needs `recursive`, as with
  // rm(1). The root cannot go.
  Status Remove(std::string_view path, bool recursive);

  // Renames `from` to `to`; when `to` is an existing directory, moves `from`
  // into it under its own name. AlreadyExists when the destination name is
  // taken; InvalidArgument when a directory would move into itself.
  Status Rename(std::string_view from, std::string_view to);

  // Every entry matching `pattern` (relative patterns start at the working
  // directory), sorted by path, with captures. InvalidArgument for a bad
  // pattern. A literal pattern that names nothing yields no match.
  Result<std::vector<GlobMatch>> Glob(std::string_view pattern);

  // Serves directory `dir`'s entries from `dynamic` from now on.
  void MountDynamic(const NodeId& dir, std::shared_ptr<DynamicDirectory> dynamic);

  // Dynamic nodes (directory:dynamic, file:*:dynamic) are computed by `nodes`
  // from now on; without it, reading one is an error. REQUIRES: `nodes`
  // outlives the FS.
  void SetDynamicNodes(DynamicNodes* nodes) { nodes_ = nodes; }
  DynamicNodes* dynamic_nodes() const { return nodes_; }
  // Computes dynamic table or series `file`. InvalidArgument when computing
  // it needs itself (a loop).
  Result<DynamicContent> ComputeDynamic(const Node& file);

  // The absolute form of `path` against the working directory (lexical only).
  std::string Absolute(std::string_view path) const;

 private:
  struct Walk;
  Result<std::optional<DirEntry>> LookupEntry(const Node& dir, std::string_view name);
  Result<std::optional<Node>> ResolveImpl(std::string_view path, bool follow_last,
                                          bool missing_last_ok, Node* parent_out,
                                          std::string* name_out);
  // Resolves everything but the last component of `path` to a directory.
  Status ResolveParent(std::string_view path, Node* parent, std::string* name);
  Status GlobWalk(Walk& walk, const Node& dir, size_t index, std::vector<std::string>& captures,
                  std::vector<NodeId>& chain);
  Status GlobRecursive(Walk& walk, const Node& dir, size_t index,
                       std::vector<std::string>& captures, std::vector<NodeId>& chain,
                       const std::string& matched);
  void EmitMatch(Walk& walk, const Node& node, const std::vector<std::string>& captures);

  // Whether entries cannot be added to or removed from `dir`.
  bool IsReadOnlyDirectory(const Node& dir) const;
  // Runs `body` with `id` marked as being computed; a loop when it already is.
  template <typename T, typename Body>
  Result<T> Evaluating(const Node& node, const char* what, Body&& body);

  Persistence& persistence_;
  DynamicNodes* nodes_ = nullptr;
  std::string cwd_ = "/";
  std::map<NodeId, std::shared_ptr<DynamicDirectory>> dynamic_;
  std::vector<NodeId> evaluating_;  // dynamic directories being computed (loop guard)
};

}  // namespace pond::tinyfs
