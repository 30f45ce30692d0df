#include "tinyfs/fs.h"

#include <algorithm>
#include <deque>

#include "tinyfs/path.h"
#include "util/id.h"
#include "util/text.h"

namespace pond::tinyfs {
namespace {

constexpr int kMaxSymlinkExpansions = 40;

Node RootNode() { return Node{kRootId, EntryType::kDirectory, "/"}; }

// A failure to read what the pond stores, said with the path it concerns
// (persistence names files and nodes, not paths). Lookup failures that are
// about the path itself pass unchanged.
Status AtPath(const Status& st, const std::string& path,
              std::optional<int64_t> version = std::nullopt) {
  if (st.ok() || st.code() == StatusCode::kNotFound || st.code() == StatusCode::kInvalidArgument) {
    return st;
  }
  std::string where = "cannot read '" + EscapeControl(path) + "'";
  if (version) where += " (version " + std::to_string(*version) + ")";
  return Status(st.code(), where + ": " + st.message());
}

template <typename T>
Result<T> AtPath(Result<T> r, const std::string& path,
                 std::optional<int64_t> version = std::nullopt) {
  if (r.ok()) return r;
  return AtPath(r.status(), path, version);
}

// A content stream whose errors name the file's path.
class PathStream final : public ReadStream {
 public:
  PathStream(std::unique_ptr<ReadStream> base, std::string path, int64_t version)
      : base_(std::move(base)), path_(std::move(path)), version_(version) {}
  Result<size_t> Read(char* buf, size_t n) override {
    return AtPath(base_->Read(buf, n), path_, version_);
  }

 private:
  std::unique_ptr<ReadStream> base_;
  std::string path_;
  int64_t version_;
};

Status NotADirectory(const std::string& path) {
  return Status::InvalidArgument("'" + path + "' is not a directory");
}

// `path` without its last component, keeping it absolute or relative.
std::string ParentText(std::string_view path, const std::vector<std::string>& comps) {
  std::string out = IsAbsolute(path) ? "/" : "";
  for (size_t i = 0; i + 1 < comps.size(); ++i) {
    if (!out.empty() && out.back() != '/') out += '/';
    out += comps[i];
  }
  return out.empty() ? "." : out;
}

}  // namespace

struct FS::Walk {
  GlobPattern pattern;
  std::map<std::string, GlobMatch> matches;
};

FS::FS(Persistence& persistence) : persistence_(persistence) {}

std::string FS::Absolute(std::string_view path) const {
  if (IsAbsolute(path)) return NormalizeAbsolute(path);
  return NormalizeAbsolute(ChildPath(cwd_, path));
}

Status FS::ChangeDirectory(std::string_view path) {
  ASSIGN_OR_RETURN(Node node, Resolve(path));
  if (!IsDirectory(node.type)) return NotADirectory(std::string(path));
  cwd_ = node.path;
  return Status::OK();
}

void FS::MountDynamic(const NodeId& dir, std::shared_ptr<DynamicDirectory> dynamic) {
  dynamic_[dir] = std::move(dynamic);
}

template <typename T, typename Body>
Result<T> FS::Evaluating(const Node& node, const char* what, Body&& body) {
  if (std::find(evaluating_.begin(), evaluating_.end(), node.id) != evaluating_.end()) {
    return Status::InvalidArgument("'" + EscapeControl(node.path) + "' " + what +
                                   " itself, directly or through other dynamic nodes (a loop)");
  }
  evaluating_.push_back(node.id);
  Result<T> r = body();
  evaluating_.pop_back();
  return r;
}

bool FS::IsReadOnlyDirectory(const Node& dir) const {
  return dir.type == EntryType::kDynamicDirectory || dynamic_.count(dir.id) > 0;
}

Result<std::vector<DirEntry>> FS::ReadDirectory(const Node& dir) {
  if (!IsDirectory(dir.type)) return NotADirectory(dir.path);
  auto it = dynamic_.find(dir.id);
  if (it == dynamic_.end() && dir.type == EntryType::kDirectory) {
    return AtPath(persistence_.ListDirectory(dir.id), dir.path);
  }
  if (it == dynamic_.end() && nodes_ == nullptr) {
    return Status::NotSupported("'" + EscapeControl(dir.path) +
                                "' is a dynamic directory, and nothing here can compute it");
  }
  auto entries = Evaluating<std::vector<DirEntry>>(dir, "lists", [&] {
    return it != dynamic_.end() ? it->second->Entries(*this) : nodes_->List(*this, dir);
  });
  if (!entries.ok()) {
    if (entries.status().message().find("(a loop)") != std::string::npos) return entries;
    return entries.status().WithContext("dynamic directory '" + EscapeControl(dir.path) + "'");
  }
  std::sort(entries->begin(), entries->end(),
            [](const DirEntry& a, const DirEntry& b) { return a.name < b.name; });
  return entries;
}

Result<DynamicContent> FS::ComputeDynamic(const Node& file) {
  if (file.type != EntryType::kDynamicTable && file.type != EntryType::kDynamicSeries) {
    return Status::InvalidArgument("'" + EscapeControl(file.path) + "' is a " +
                                   EntryTypeName(file.type) + ", not a dynamic table or series");
  }
  if (nodes_ == nullptr) {
    return Status::NotSupported("'" + EscapeControl(file.path) +
                                "' is computed by a factory, and nothing here can compute it");
  }
  return Evaluating<DynamicContent>(file, "reads", [&] { return nodes_->Compute(*this, file); });
}

Result<std::optional<DirEntry>> FS::LookupEntry(const Node& dir, std::string_view name) {
  if (dir.type == EntryType::kDirectory && !dynamic_.count(dir.id)) {
    return AtPath(persistence_.Lookup(dir.id, name), dir.path);
  }
  ASSIGN_OR_RETURN(std::vector<DirEntry> entries, ReadDirectory(dir));
  for (DirEntry& e : entries) {
    if (e.name == name) return std::optional<DirEntry>(std::move(e));
  }
  return std::optional<DirEntry>();
}

Result<std::optional<Node>> FS::ResolveImpl(std::string_view path, bool follow_last,
                                            bool missing_last_ok, Node* parent_out,
                                            std::string* name_out) {
  std::deque<std::string> pending;
  for (std::string& c : SplitPath(path)) pending.push_back(std::move(c));
  std::vector<Node> stack{RootNode()};
  if (!IsAbsolute(path)) {  // relative: walk from the root through the working directory
    auto cwd_parts = SplitPath(cwd_);
    pending.insert(pending.begin(), cwd_parts.begin(), cwd_parts.end());
  }
  int expansions = 0;
  while (!pending.empty()) {
    std::string comp = std::move(pending.front());
    pending.pop_front();
    if (comp == "..") {
      if (stack.size() > 1) stack.pop_back();
      continue;
    }
    const Node dir = stack.back();
    if (!IsDirectory(dir.type)) return NotADirectory(dir.path);
    ASSIGN_OR_RETURN(std::optional<DirEntry> entry, LookupEntry(dir, comp));
    const bool last = pending.empty();
    if (!entry) {
      if (last && missing_last_ok) {
        if (parent_out) *parent_out = dir;
        if (name_out) *name_out = comp;
        return std::optional<Node>();
      }
      return Status::NotFound("'" + ChildPath(dir.path, comp) + "' does not exist");
    }
    Node node{entry->child, entry->type, ChildPath(dir.path, comp)};
    if (node.type == EntryType::kSymlink && (!last || follow_last)) {
      if (++expansions > kMaxSymlinkExpansions) {
        return Status::InvalidArgument("too many levels of symbolic links resolving '" +
                                       std::string(path) + "' (a loop?)");
      }
      ASSIGN_OR_RETURN(std::string target, ReadLink(node));
      auto parts = SplitPath(target);
      pending.insert(pending.begin(), parts.begin(), parts.end());
      if (IsAbsolute(target)) stack.resize(1);
      continue;
    }
    if (last) {
      if (parent_out) *parent_out = dir;
      if (name_out) *name_out = comp;
    }
    stack.push_back(std::move(node));
  }
  return std::optional<Node>(stack.back());
}

Result<Node> FS::Resolve(std::string_view path, bool follow_last) {
  ASSIGN_OR_RETURN(std::optional<Node> node,
                   ResolveImpl(path, follow_last, false, nullptr, nullptr));
  return std::move(*node);
}

Result<std::optional<Node>> FS::TryResolve(std::string_view path, bool follow_last) {
  return ResolveImpl(path, follow_last, true, nullptr, nullptr);
}

Status FS::ResolveParent(std::string_view path, Node* parent, std::string* name) {
  std::vector<std::string> comps = SplitPath(path);
  if (comps.empty()) return Status::InvalidArgument("'" + std::string(path) + "' names the root");
  if (comps.back() == "..") {
    return Status::InvalidArgument("'" + std::string(path) + "' does not end in a name");
  }
  RETURN_IF_ERROR(ValidateName(comps.back()));
  ASSIGN_OR_RETURN(*parent, Resolve(ParentText(path, comps)));
  if (!IsDirectory(parent->type)) return NotADirectory(parent->path);
  *name = comps.back();
  return Status::OK();
}

Result<Node> FS::Mkdir(std::string_view path, bool parents) {
  if (parents) {
    Node dir = RootNode();
    for (const std::string& comp : SplitPath(Absolute(path))) {
      RETURN_IF_ERROR(ValidateName(comp));
      ASSIGN_OR_RETURN(std::optional<Node> next, TryResolve(ChildPath(dir.path, comp)));
      if (next) {
        if (next->type == EntryType::kDynamicDirectory) {
          return Status::NotSupported("'" + next->path +
                                      "' is a dynamic directory and cannot change");
        }
        if (next->type != EntryType::kDirectory) {
          return Status::AlreadyExists("'" + next->path + "' exists and is not a directory");
        }
        dir = std::move(*next);
        continue;
      }
      ASSIGN_OR_RETURN(dir, Mkdir(ChildPath(dir.path, comp), false));
    }
    return dir;
  }
  Node parent;
  std::string name;
  RETURN_IF_ERROR(ResolveParent(path, &parent, &name));
  ASSIGN_OR_RETURN(std::optional<DirEntry> existing, LookupEntry(parent, name));
  std::string full = ChildPath(parent.path, name);
  if (existing) return Status::AlreadyExists("'" + full + "' already exists");
  if (IsReadOnlyDirectory(parent)) {
    return Status::NotSupported("'" + parent.path + "' is a dynamic directory and cannot change");
  }
  NodeId id = NewUuidV7();
  RETURN_IF_ERROR(persistence_.CreateDirectory(id));
  RETURN_IF_ERROR(persistence_.InsertEntry(parent.id, {name, id, EntryType::kDirectory}));
  return Node{id, EntryType::kDirectory, full};
}

Result<Node> FS::WriteFile(std::string_view path, EntryType type, const ContentRef& content,
                           const VersionMeta& meta) {
  Node parent;
  std::string name;
  RETURN_IF_ERROR(ResolveParent(path, &parent, &name));
  return WriteFileIn(parent, name, type, content, meta);
}

Result<Node> FS::WriteFileIn(const Node& parent, std::string_view name, EntryType type,
                             const ContentRef& content, const VersionMeta& meta) {
  if (!IsFile(type) && !IsDynamic(type)) {
    return Status::InvalidArgument("WriteFile needs a file or dynamic entry type");
  }
  RETURN_IF_ERROR(ValidateName(name));
  if (!IsDirectory(parent.type)) return NotADirectory(parent.path);
  if (IsReadOnlyDirectory(parent)) {
    return Status::NotSupported("'" + parent.path + "' is a dynamic directory and cannot change");
  }
  std::string full = ChildPath(parent.path, name);
  ASSIGN_OR_RETURN(std::optional<DirEntry> existing, LookupEntry(parent, name));
  if (existing) {
    if (IsDynamic(existing->type) != IsDynamic(type) ||
        (!IsFile(existing->type) && !IsDynamic(existing->type))) {
      return Status::AlreadyExists("'" + full + "' already exists and is a " +
                                   EntryTypeName(existing->type));
    }
    if (existing->type != type) {
      return Status::InvalidArgument("'" + full + "' is a " + EntryTypeName(existing->type) +
                                     ", not a " + EntryTypeName(type));
    }
    RETURN_IF_ERROR(persistence_.WriteFile(existing->child, parent.id, type, content, meta));
    return Node{existing->child, type, full};
  }
  NodeId id = NewUuidV7();
  RETURN_IF_ERROR(persistence_.WriteNewFile(id, parent.id, type, content, meta));
  RETURN_IF_ERROR(persistence_.InsertEntry(parent.id, {std::string(name), id, type}));
  return Node{id, type, full};
}

Result<Node> FS::Symlink(std::string_view target, std::string_view link_path) {
  if (target.empty()) return Status::InvalidArgument("a symlink target cannot be empty");
  Node parent;
  std::string name;
  RETURN_IF_ERROR(ResolveParent(link_path, &parent, &name));
  std::string full = ChildPath(parent.path, name);
  ASSIGN_OR_RETURN(std::optional<DirEntry> existing, LookupEntry(parent, name));
  if (existing) return Status::AlreadyExists("'" + full + "' already exists");
  if (IsReadOnlyDirectory(parent)) {
    return Status::NotSupported("'" + parent.path + "' is a dynamic directory and cannot change");
  }
  NodeId id = NewUuidV7();
  RETURN_IF_ERROR(persistence_.WriteFile(id, parent.id, EntryType::kSymlink,
                                         InlineContent(std::string(target)), {}));
  RETURN_IF_ERROR(persistence_.InsertEntry(parent.id, {name, id, EntryType::kSymlink}));
  return Node{id, EntryType::kSymlink, full};
}

Result<std::string> FS::ReadLink(const Node& link) {
  if (link.type != EntryType::kSymlink) {
    return Status::InvalidArgument("'" + link.path + "' is not a symlink");
  }
  ASSIGN_OR_RETURN(std::vector<NodeVersion> versions, Versions(link));
  ASSIGN_OR_RETURN(auto stream,
                   AtPath(persistence_.OpenContent(link.id, versions.back().version), link.path));
  return AtPath(ReadAll(*stream), link.path);
}

Result<std::vector<NodeVersion>> FS::Versions(const Node& node) {
  if (nodes_ != nullptr) {
    if (auto virtual_versions = nodes_->VirtualVersions(node.id)) return *virtual_versions;
  }
  return AtPath(persistence_.Versions(node.id), node.path);
}

Result<std::unique_ptr<ReadStream>> FS::OpenFile(const Node& file, std::optional<int64_t> version) {
  if (file.type == EntryType::kDynamicTable || file.type == EntryType::kDynamicSeries) {
    if (version && *version != 1) {
      return Status::NotFound("'" + file.path + "' is computed and has no version " +
                              std::to_string(*version));
    }
    ASSIGN_OR_RETURN(DynamicContent content, ComputeDynamic(file));
    return OpenHostFile(content.host_path);
  }
  // A config node (an executable or a transform) reads as its stored config.
  if (!IsFile(file.type) && file.type != EntryType::kDynamicData) {
    return Status::InvalidArgument("'" + file.path + "' is a " + EntryTypeName(file.type) +
                                   ", not a file");
  }
  ASSIGN_OR_RETURN(std::vector<NodeVersion> versions, Versions(file));
  int64_t latest = versions.back().version;
  int64_t v = version.value_or(latest);
  if (v < 1 || v > latest) {
    return Status::NotFound("'" + file.path + "' has no version " + std::to_string(v) +
                            " (it has " + std::to_string(latest) + ")");
  }
  ASSIGN_OR_RETURN(auto stream, AtPath(persistence_.OpenContent(file.id, v), file.path, v));
  return std::unique_ptr<ReadStream>(std::make_unique<PathStream>(std::move(stream), file.path, v));
}

Result<std::string> FS::ReadFile(const Node& file, std::optional<int64_t> version) {
  ASSIGN_OR_RETURN(auto stream, OpenFile(file, version));
  return ReadAll(*stream);
}

Status FS::Remove(std::string_view path, bool recursive) {
  Node parent;
  std::string name;
  RETURN_IF_ERROR(ResolveParent(path, &parent, &name));
  std::string full = ChildPath(parent.path, name);
  ASSIGN_OR_RETURN(std::optional<DirEntry> entry, LookupEntry(parent, name));
  if (!entry) return Status::NotFound("'" + full + "' does not exist");
  if (entry->type == EntryType::kDirectory && !recursive) {
    return Status::InvalidArgument("'" + full + "' is a directory (use rm -r)");
  }
  if (IsReadOnlyDirectory(parent)) {
    return Status::NotSupported("'" + parent.path + "' is a dynamic directory and cannot change");
  }
  return persistence_.RemoveEntry(parent.id, name);
}

Status FS::Rename(std::string_view from, std::string_view to) {
  Node src_parent;
  std::string src_name;
  RETURN_IF_ERROR(ResolveParent(from, &src_parent, &src_name));
  std::string src_path = ChildPath(src_parent.path, src_name);
  ASSIGN_OR_RETURN(std::optional<DirEntry> entry, LookupEntry(src_parent, src_name));
  if (!entry) return Status::NotFound("'" + src_path + "' does not exist");

  Node dst_parent;
  std::string dst_name;
  ASSIGN_OR_RETURN(std::optional<Node> dst, TryResolve(to));
  if (dst && IsDirectory(dst->type)) {
    dst_parent = *dst;
    dst_name = src_name;
  } else {
    RETURN_IF_ERROR(ResolveParent(to, &dst_parent, &dst_name));
  }
  std::string dst_path = ChildPath(dst_parent.path, dst_name);
  if (dst_parent.id == src_parent.id && dst_name == src_name) {
    return Status::InvalidArgument("'" + EscapeControl(src_path) + "' and '" +
                                   EscapeControl(dst_path) + "' are the same entry");
  }
  ASSIGN_OR_RETURN(std::optional<DirEntry> taken, LookupEntry(dst_parent, dst_name));
  if (taken) return Status::AlreadyExists("'" + dst_path + "' already exists");
  if (entry->type == EntryType::kDirectory &&
      (dst_parent.path == src_path || dst_parent.path.starts_with(src_path + "/"))) {
    return Status::InvalidArgument("cannot move '" + src_path + "' into itself");
  }
  if (IsReadOnlyDirectory(src_parent) || IsReadOnlyDirectory(dst_parent)) {
    return Status::NotSupported("a dynamic directory cannot change");
  }
  RETURN_IF_ERROR(persistence_.RemoveEntry(src_parent.id, src_name));
  return persistence_.InsertEntry(dst_parent.id, {dst_name, entry->child, entry->type});
}

Result<std::vector<GlobMatch>> FS::Glob(std::string_view pattern) {
  std::string text = IsAbsolute(pattern) ? std::string(pattern) : ChildPath(cwd_, pattern);
  ASSIGN_OR_RETURN(GlobPattern compiled, GlobPattern::Compile(NormalizeAbsolute(text)));
  Walk walk{std::move(compiled), {}};
  std::vector<std::string> captures;
  std::vector<NodeId> chain{kRootId};
  if (walk.pattern.components().empty()) {
    EmitMatch(walk, RootNode(), captures);
  } else {
    RETURN_IF_ERROR(GlobWalk(walk, RootNode(), 0, captures, chain));
  }
  std::vector<GlobMatch> out;
  out.reserve(walk.matches.size());
  for (auto& [path, m] : walk.matches) out.push_back(std::move(m));
  return out;
}

void FS::EmitMatch(Walk& walk, const Node& node, const std::vector<std::string>& captures) {
  walk.matches.try_emplace(node.path, GlobMatch{node.path, node, captures});
}

Status FS::GlobWalk(Walk& walk, const Node& dir, size_t index, std::vector<std::string>& captures,
                    std::vector<NodeId>& chain) {
  const auto& comps = walk.pattern.components();
  const GlobComponent& comp = comps[index];
  const bool last = index + 1 == comps.size();

  // Goes on matching at the next component from `child` (the entry itself when
  // the pattern ends; its target directory otherwise).
  auto step = [&](const Node& child) -> Status {
    if (last) {
      EmitMatch(walk, child, captures);
      return Status::OK();
    }
    Node next = child;
    if (child.type == EntryType::kSymlink) {
      auto target = TryResolve(child.path);
      if (!target.ok() || !*target) return Status::OK();  // dangling or looping: skip
      next = Node{(*target)->id, (*target)->type, child.path};
    }
    if (!IsDirectory(next.type)) return Status::OK();
    // No loop guard here: each step consumes a pattern component, so the walk
    // ends; a symlink to an ancestor is followed like any other. Only "**"
    // (below) could go round forever.
    if (std::find(evaluating_.begin(), evaluating_.end(), next.id) != evaluating_.end()) {
      return Status::OK();  // a dynamic directory being computed must not list itself
    }
    chain.push_back(next.id);
    Status st = GlobWalk(walk, next, index + 1, captures, chain);
    chain.pop_back();
    return st;
  };

  switch (comp.kind) {
    case GlobComponent::Kind::kLiteral: {
      ASSIGN_OR_RETURN(std::optional<DirEntry> e, LookupEntry(dir, comp.text));
      if (!e) return Status::OK();
      return step(Node{e->child, e->type, ChildPath(dir.path, e->name)});
    }
    case GlobComponent::Kind::kWildcard: {
      ASSIGN_OR_RETURN(std::vector<DirEntry> entries, ReadDirectory(dir));
      for (const DirEntry& e : entries) {
        if (!MatchComponent(comp.text, e.name)) continue;
        captures.push_back(e.name);
        Status st = step(Node{e.child, e.type, ChildPath(dir.path, e.name)});
        captures.pop_back();
        RETURN_IF_ERROR(st);
      }
      return Status::OK();
    }
    case GlobComponent::Kind::kRecursive:
      return GlobRecursive(walk, dir, index, captures, chain, "");
  }
  return Status::OK();
}

Status FS::GlobRecursive(Walk& walk, const Node& dir, size_t index,
                         std::vector<std::string>& captures, std::vector<NodeId>& chain,
                         const std::string& matched) {
  const auto& comps = walk.pattern.components();
  // "**" matches zero components here...
  captures.push_back(matched);
  Status st = index + 1 == comps.size() ? (EmitMatch(walk, dir, captures), Status::OK())
                                        : GlobWalk(walk, dir, index + 1, captures, chain);
  captures.pop_back();
  RETURN_IF_ERROR(st);
  // ...or one more directory below, and so on.
  ASSIGN_OR_RETURN(std::vector<DirEntry> entries, ReadDirectory(dir));
  const bool last = index + 1 == comps.size();
  for (const DirEntry& e : entries) {
    Node child{e.child, e.type, ChildPath(dir.path, e.name)};
    if (last && !IsDirectory(child.type)) {
      // A trailing "**" matches every entry below, files and links included.
      captures.push_back(matched.empty() ? e.name : matched + "/" + e.name);
      EmitMatch(walk, child, captures);
      captures.pop_back();
    }
    if (child.type == EntryType::kSymlink) {
      auto target = TryResolve(child.path);
      if (!target.ok() || !*target) continue;
      child = Node{(*target)->id, (*target)->type, child.path};
    }
    if (!IsDirectory(child.type)) continue;
    if (std::find(chain.begin(), chain.end(), child.id) != chain.end()) continue;
    if (std::find(evaluating_.begin(), evaluating_.end(), child.id) != evaluating_.end()) continue;
    chain.push_back(child.id);
    st = GlobRecursive(walk, child, index, captures, chain,
                       matched.empty() ? e.name : matched + "/" + e.name);
    chain.pop_back();
    RETURN_IF_ERROR(st);
  }
  return Status::OK();
}

}  // namespace pond::tinyfs
