#include "factory/evaluator.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "factory/column_rename.h"
#include "factory/reduce.h"
#include "parquet/engine.h"
#include "storage/temp_files.h"
#include "tinyfs/path.h"
#include "util/counters.h"
#include "util/fd_read.h"
#include "util/hash.h"
#include "util/id.h"
#include "util/text.h"

namespace pond::factory {

namespace hostfs = std::filesystem;
using tinyfs::EntryType;

// Bumped whenever what a factory computes from the same inputs changes, so
// that results cached by an older pond are never served.
constexpr std::string_view kCacheFormat = "pond-derived-3";

std::string CacheKey(const std::vector<std::string>& parts) {
  Sha256 h;
  h.Update(kCacheFormat);
  for (const std::string& p : parts) {
    std::string len = std::to_string(p.size()) + ":";
    h.Update(len);
    h.Update(p);
  }
  return h.FinishHex();
}

std::string SourceIdentity(const sql::TableSource& source) {
  std::string out;
  for (const sql::SourceFile& f : source.files) {
    out += f.content_id + "\t" + f.pond_path;
    for (const std::string& c : f.captures) out += "\t" + c;
    out += "\n";
  }
  return out;
}

Result<std::vector<std::pair<std::string, std::string>>> DescribeTable(sql::SqlSession& session,
                                                                       const std::string& table) {
  return DescribeQuery(session, "SELECT * FROM " + SqlIdentifier(table));
}

Result<std::vector<std::pair<std::string, std::string>>> DescribeQuery(sql::SqlSession& session,
                                                                       const std::string& select) {
  std::ostringstream out;
  RETURN_IF_ERROR(session.Query("DESCRIBE " + select, sql::OutputFormat::kJsonLines, out));
  std::vector<std::pair<std::string, std::string>> columns;
  std::istringstream in(out.str());
  std::string line;
  while (std::getline(in, line)) {
    auto row = nlohmann::json::parse(line, nullptr, false);
    if (!row.is_object() || !row["column_name"].is_string() || !row["column_type"].is_string()) {
      return Status::Internal("cannot read the columns of " + select);
    }
    columns.emplace_back(row["column_name"].get<std::string>(),
                         row["column_type"].get<std::string>());
  }
  return columns;
}

Status AddInput(sql::SqlSession& session, const std::string& name, const Input& input,
                const std::string& time_column) {
  if (!input.source.files.empty()) return session.AddTable(name, input.source);
  RowBatch empty;
  empty.columns = {{time_column, CellType::kTimestamp}};
  return session.AddRows(name, empty);
}

std::string TransformsIdentity(Evaluator& eval, const std::vector<std::string>& paths) {
  std::string text;
  for (const std::string& t : paths) {
    text += "transform=" + t + "\n";
    auto node = eval.fs().Resolve(t);
    if (!node.ok()) continue;  // the computation itself reports it
    auto spec = eval.Spec(*node);
    if (spec.ok()) text += spec->config_text + "\n";
  }
  return text;
}

Result<std::string> TransformedSelect(Evaluator& eval, const std::vector<std::string>& paths,
                                      sql::SqlSession& session, const std::string& table) {
  if (paths.empty()) return "SELECT * FROM " + SqlIdentifier(table);
  ASSIGN_OR_RETURN(auto columns, DescribeTable(session, table));
  ASSIGN_OR_RETURN(auto applied, ApplyTransforms(eval, paths, table, std::move(columns)));
  return applied.first;
}

Result<std::pair<std::string, Columns>> ApplyTransforms(Evaluator& eval,
                                                        const std::vector<std::string>& paths,
                                                        const std::string& table, Columns columns) {
  std::string select = "SELECT * FROM " + SqlIdentifier(table);
  for (const std::string& path : paths) {
    ASSIGN_OR_RETURN(tinyfs::Node node, eval.fs().Resolve(path));
    ASSIGN_OR_RETURN(NodeSpec spec, eval.Spec(node));
    if (spec.factory->makes() != Makes::kTransform) {
      return Status::InvalidArgument("transform '" + EscapeControl(path) + "' is a " +
                                     std::string(spec.factory->name()) + " node, not a transform");
    }
    ASSIGN_OR_RETURN(auto renamed, RenameColumns(*spec.config, columns));
    std::string list;
    columns.clear();
    for (const RenamedColumn& c : renamed) {
      list += (list.empty() ? "" : ", ") + c.expression + " AS " + SqlIdentifier(c.name);
      columns.emplace_back(c.name, c.type);
    }
    select = "SELECT " + list + " FROM (" + select + ")";
  }
  return std::make_pair(select, std::move(columns));
}

Result<std::vector<PatternMatch>> MatchPattern(
    tinyfs::FS& fs, const std::string& pattern,
    const std::function<bool(tinyfs::EntryType)>& accept) {
  ASSIGN_OR_RETURN(tinyfs::GlobPattern compiled, tinyfs::GlobPattern::Compile(pattern));
  ASSIGN_OR_RETURN(auto matches, fs.Glob(pattern));
  std::vector<size_t> wild;  // the pattern's wildcard components, in order
  for (size_t i = 0; i < compiled.components().size(); ++i) {
    if (compiled.components()[i].kind != tinyfs::GlobComponent::Kind::kLiteral) wild.push_back(i);
  }
  std::vector<PatternMatch> out;
  for (auto& m : matches) {
    tinyfs::Node node = m.node;
    if (node.type == EntryType::kSymlink) {
      auto target = fs.TryResolve(m.path);
      if (!target.ok() || !*target) continue;
      node = **target;
      node.path = m.path;
    }
    if (!accept(node.type)) continue;
    PatternMatch pm{m.path, node, {}};
    for (size_t i = 0; i < m.captures.size() && i < wild.size(); ++i) {
      const auto& comp = compiled.components()[wild[i]];
      if (comp.kind == tinyfs::GlobComponent::Kind::kRecursive) {
        pm.captures.push_back(m.captures[i]);
      } else {
        for (std::string& c : StarCaptures(comp.text, m.captures[i])) {
          pm.captures.push_back(std::move(c));
        }
      }
    }
    out.push_back(std::move(pm));
  }
  return out;
}

Evaluator::Evaluator(tinyfs::FS& fs, tlogfs::Pond& pond) : fs_(fs), pond_(pond) {}

Evaluator::~Evaluator() {
  if (fs_.dynamic_nodes() == this) fs_.SetDynamicNodes(nullptr);
  if (!private_dir_.empty()) {
    std::error_code ec;
    hostfs::remove_all(private_dir_, ec);
  }
}

std::unique_ptr<Evaluator> Attach(tinyfs::FS& fs, tlogfs::Pond& pond) {
  auto eval = std::make_unique<Evaluator>(fs, pond);
  fs.SetDynamicNodes(eval.get());
  return eval;
}

Result<NodeSpec> Evaluator::Spec(const tinyfs::Node& node) {
  auto v = virtual_.find(node.id);
  if (v != virtual_.end()) {
    if (v->second.child.factory.empty()) {
      return Status::InvalidArgument("'" + EscapeControl(node.path) + "' has no config of its own");
    }
    ASSIGN_OR_RETURN(const Factory* f, FindFactory(v->second.child.factory));
    return NodeSpec{f, v->second.child.config, v->second.child.config_text};
  }
  if (!tinyfs::IsDynamic(node.type)) {
    return Status::InvalidArgument("'" + EscapeControl(node.path) + "' is a " +
                                   tinyfs::EntryTypeName(node.type) + ", not a factory node");
  }
  ASSIGN_OR_RETURN(auto versions, fs_.Versions(node));
  const tinyfs::NodeVersion& latest = versions.back();
  if (!latest.meta.factory) {
    return Status::Corruption("'" + EscapeControl(node.path) + "' names no factory");
  }
  ASSIGN_OR_RETURN(const Factory* f, FindFactory(*latest.meta.factory));
  ASSIGN_OR_RETURN(auto stream, pond_.OpenContent(node.id, latest.version));
  ASSIGN_OR_RETURN(std::string raw, tinyfs::ReadAll(*stream));
  auto parsed = ParseConfig(*f, raw);
  if (!parsed.ok()) return parsed.status().WithContext("'" + EscapeControl(node.path) + "'");
  auto expanded = ExpandEnv(raw);
  return NodeSpec{f, *parsed, expanded.ok() ? *expanded : raw};
}

Result<tinyfs::NodeVersion> Evaluator::OwnerVersion(const tinyfs::Node& node) {
  auto v = virtual_.find(node.id);
  if (v != virtual_.end()) return v->second.version;
  ASSIGN_OR_RETURN(auto versions, fs_.Versions(node));
  return versions.back();
}

std::vector<tinyfs::DirEntry> Evaluator::AddChildren(const tinyfs::Node& dir,
                                                     const tinyfs::NodeVersion& owner,
                                                     std::vector<Child> children) {
  std::vector<tinyfs::DirEntry> entries;
  for (Child& c : children) {
    tinyfs::NodeId id = "v-" + CacheKey({dir.id, c.name}).substr(0, 32);
    tinyfs::NodeVersion v;
    v.node_id = id;
    v.part_id = dir.id;
    v.version = 1;
    v.type = c.type;
    v.timestamp = owner.timestamp;
    v.txn_seq = owner.txn_seq;
    v.meta.factory = c.factory.empty() ? owner.meta.factory : std::optional(c.factory);
    entries.push_back({c.name, id, c.type});
    std::string path = tinyfs::ChildPath(dir.path, c.name);
    virtual_[id] = Virtual{std::move(c), std::move(path), std::move(v)};
  }
  return entries;
}

Result<std::vector<tinyfs::DirEntry>> Evaluator::List(tinyfs::FS& fs, const tinyfs::Node& dir) {
  auto cached = listed_.find(dir.id);
  if (cached != listed_.end()) return cached->second;
  std::vector<Child> children;
  ASSIGN_OR_RETURN(tinyfs::NodeVersion owner, OwnerVersion(dir));
  auto v = virtual_.find(dir.id);
  if (v != virtual_.end() && v->second.child.list) {
    ASSIGN_OR_RETURN(children, v->second.child.list());
  } else {
    ASSIGN_OR_RETURN(NodeSpec spec, Spec(dir));
    Evaluation ev{*this, dir, std::string(spec.factory->name()), spec.config_text};
    ASSIGN_OR_RETURN(children, spec.factory->List(ev, *spec.config));
  }
  std::set<std::string> names;
  for (const Child& c : children) {
    if (!names.insert(c.name).second) {
      return Status::InvalidArgument("two entries are named '" + EscapeControl(c.name) + "'");
    }
    RETURN_IF_ERROR(tinyfs::ValidateName(c.name));
  }
  auto entries = AddChildren(dir, owner, std::move(children));
  listed_[dir.id] = entries;
  return entries;
}

Result<tinyfs::DynamicContent> Evaluator::Compute(tinyfs::FS& fs, const tinyfs::Node& file) {
  auto cached = computed_.find(file.id);
  if (cached != computed_.end()) return cached->second;
  tinyfs::DynamicContent content;
  auto v = virtual_.find(file.id);
  if (v != virtual_.end() && v->second.child.compute) {
    auto computed = v->second.child.compute();
    if (!computed.ok()) {
      return computed.status().WithContext("cannot compute '" + EscapeControl(file.path) + "'");
    }
    content = std::move(*computed);
  } else {
    ASSIGN_OR_RETURN(NodeSpec spec, Spec(file));
    Evaluation ev{*this, file, std::string(spec.factory->name()), spec.config_text};
    auto computed = spec.factory->Compute(ev, *spec.config);
    if (!computed.ok()) {
      if (computed.status().message().find("(a loop)") != std::string::npos) {
        return computed.status();
      }
      return computed.status().WithContext("cannot compute '" + EscapeControl(file.path) + "'");
    }
    content = std::move(*computed);
  }
  computed_[file.id] = content;
  return content;
}

std::optional<std::vector<tinyfs::NodeVersion>> Evaluator::VirtualVersions(
    const tinyfs::NodeId& node) {
  auto v = virtual_.find(node);
  if (v == virtual_.end()) return std::nullopt;
  return std::vector<tinyfs::NodeVersion>{v->second.version};
}

Result<std::pair<InputKind, std::string>> Evaluator::ParseInputUrl(const std::string& url,
                                                                   InputKind bare) {
  static const std::pair<const char*, InputKind> kSchemes[] = {{"series://", InputKind::kSeries},
                                                               {"table://", InputKind::kTable},
                                                               {"file://", InputKind::kAny},
                                                               {"csv://", InputKind::kCsv}};
  for (const auto& [prefix, kind] : kSchemes) {
    if (url.rfind(prefix, 0) == 0) {
      std::string path = url.substr(std::string(prefix).size());
      if (path.empty() || path[0] != '/') {
        return Status::InvalidArgument("'" + EscapeControl(url) + "' must name an absolute path (" +
                                       prefix + "/...)");
      }
      return std::make_pair(kind, path);
    }
  }
  if (url.empty() || url[0] != '/') {
    return Status::InvalidArgument("'" + EscapeControl(url) +
                                   "' is not a pond pattern (series:///glob, table:///glob, "
                                   "file:///glob, csv:///glob or /glob)");
  }
  return std::make_pair(bare, url);
}

Result<Input> Evaluator::ResolveInput(const std::string& url, InputKind bare) {
  ASSIGN_OR_RETURN(auto parsed, ParseInputUrl(url, bare));
  auto [kind, pattern] = parsed;
  sql::PondTableOptions options;
  options.csv = kind == InputKind::kCsv;
  options.accept = [kind](EntryType t) {
    switch (kind) {
      case InputKind::kSeries:
        return tinyfs::IsSeries(t);
      case InputKind::kTable:
        return t == EntryType::kFileTable || t == EntryType::kDynamicTable;
      case InputKind::kAny:
        return tinyfs::IsTabular(t);
      case InputKind::kCsv:
        return t == EntryType::kFileData;
    }
    return false;
  };
  Input input;
  input.pattern = pattern;
  ASSIGN_OR_RETURN(input.source, sql::ResolvePondTable(fs_, pond_, pattern, options, scratch_));
  std::set<std::string> seen;
  for (const sql::SourceFile& f : input.source.files) {
    if (seen.insert(f.pond_path).second) {
      input.matches.push_back(f);
      input.paths.push_back(f.pond_path);
    }
  }
  return input;
}

Result<std::string> Evaluator::CacheDir(const std::string& kind) {
  auto found = cache_dirs_.find(kind);
  if (found != cache_dirs_.end()) return found->second;
  std::string dir = pond_.dir() + "/cache/" + kind;
  std::error_code ec;
  hostfs::create_directories(dir, ec);
  if (ec || ::access(dir.c_str(), W_OK) != 0) {
    if (private_dir_.empty()) {
      std::string base = hostfs::temp_directory_path(ec).string();
      if (ec) base = "/tmp";
      std::string tmpl = base + "/pond-derived-XXXXXX";
      if (!::mkdtemp(tmpl.data())) {
        return Status::IOError("cannot create a folder for computed files in " + base);
      }
      private_dir_ = tmpl;
    }
    dir = private_dir_ + "/" + kind;
    hostfs::create_directories(dir, ec);
    if (ec) return Status::IOError("cannot create " + dir + ": " + ec.message());
  }
  cache_dirs_[kind] = dir;
  return dir;
}

namespace {

nlohmann::json ContentJson(const tinyfs::DynamicContent& c, const std::string& sha256) {
  nlohmann::json j;
  j["size"] = c.size;
  j["sha256"] = sha256;
  j["attributes"] = c.meta.attributes;
  j["min_event_time"] = c.meta.min_event_time ? nlohmann::json(*c.meta.min_event_time) : nullptr;
  j["max_event_time"] = c.meta.max_event_time ? nlohmann::json(*c.meta.max_event_time) : nullptr;
  return j;
}

std::optional<tinyfs::DynamicContent> ContentFromJson(const std::string& text,
                                                      const std::string& host_path) {
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_object() || !j["size"].is_number_unsigned() || !j["attributes"].is_string()) {
    return std::nullopt;
  }
  tinyfs::DynamicContent c;
  c.host_path = host_path;
  c.size = j["size"].get<uint64_t>();
  c.meta.attributes = j["attributes"].get<std::string>();
  if (j["min_event_time"].is_number_integer())
    c.meta.min_event_time = j["min_event_time"].get<int64_t>();
  if (j["max_event_time"].is_number_integer())
    c.meta.max_event_time = j["max_event_time"].get<int64_t>();
  // A cached result is checked like stored content: a damaged one is
  // computed again, never served.
  std::error_code ec;
  if (!j["sha256"].is_string() || hostfs::file_size(host_path, ec) != c.size || ec) {
    return std::nullopt;
  }
  auto sha = Sha256OfFile(host_path);
  if (!sha.ok() || *sha != j["sha256"].get<std::string>()) return std::nullopt;
  return c;
}

}  // namespace

Status WriteFileAtomically(const std::string& path, const std::string& text) {
  std::string tmp = path + ".tmp-" + NewUuidV7();
  int handle = RegisterTempFile(tmp);
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << text;
    if (!out.flush()) {
      UnregisterTempFile(handle);
      std::error_code ec;
      hostfs::remove(tmp, ec);
      return Status::IOError("cannot write " + path);
    }
  }
  std::error_code ec;
  hostfs::rename(tmp, path, ec);
  UnregisterTempFile(handle);
  if (ec) {
    hostfs::remove(tmp, ec);
    return Status::IOError("cannot write " + path + ": " + ec.message());
  }
  return Status::OK();
}

Result<tinyfs::DynamicContent> Evaluator::Materialize(
    const std::string& key, const std::optional<std::string>& time_column,
    const std::function<Status(const std::string& dest)>& write) {
  return MaterializeWith(key, time_column,
                         [&](const std::string& dest) -> Result<std::optional<ParquetInfo>> {
                           RETURN_IF_ERROR(write(dest));
                           return std::optional<ParquetInfo>();
                         });
}

Result<tinyfs::DynamicContent> Evaluator::MaterializeWith(
    const std::string& key, const std::optional<std::string>& time_column,
    const std::function<Result<std::optional<ParquetInfo>>(const std::string& dest)>& write) {
  ASSIGN_OR_RETURN(std::string dir, CacheDir("derived"));
  std::string path = dir + "/" + key + ".parquet";
  std::string meta_path = dir + "/" + key + ".json";
  {
    std::ifstream in(meta_path, std::ios::binary);
    if (in) {
      std::stringstream ss;
      ss << in.rdbuf();
      if (auto cached = ContentFromJson(ss.str(), path)) return *cached;
    }
  }
  std::string tmp = dir + "/" + key + ".tmp-" + NewUuidV7() + ".parquet";
  int handle = RegisterTempFile(tmp);
  auto cleanup = [&] {
    std::error_code ec;
    hostfs::remove(tmp, ec);
    UnregisterTempFile(handle);
  };
  auto written = write(tmp);
  if (!written.ok()) {
    cleanup();
    return written.status();
  }
  std::optional<ParquetInfo> info = std::move(*written);
  if (!info) {
    PhaseTimer timer("derived: inspect");
    auto engine = OpenParquetEngine();
    if (!engine.ok()) {
      cleanup();
      return engine.status();
    }
    std::vector<std::string> time_columns;
    if (time_column) time_columns.push_back(*time_column);
    auto inspected = (*engine)->InspectParquet(tmp, time_columns);
    if (!inspected.ok()) {
      cleanup();
      // Said of the result, never of our scratch file.
      std::string message = inspected.status().message();
      for (size_t at; (at = message.find(tmp)) != std::string::npos;) {
        message.replace(at, tmp.size(), "the result");
      }
      return Status(inspected.status().code(), message);
    }
    info = std::move(*inspected);
  }
  if (time_column && !info->time_column) {
    cleanup();
    return Status::InvalidArgument("the result has no time column '" + EscapeControl(*time_column) +
                                   "'");
  }
  tinyfs::DynamicContent content;
  content.host_path = path;
  std::error_code ec;
  content.size = hostfs::file_size(tmp, ec);
  auto hashed = Sha256OfFile(tmp);
  if (!hashed.ok()) {
    cleanup();
    return hashed.status();
  }
  const std::string sha256 = *hashed;
  content.meta.min_event_time = info->min_time;
  content.meta.max_event_time = info->max_time;
  nlohmann::json attrs = nlohmann::json::object();
  nlohmann::json cols = nlohmann::json::array();
  for (const auto& [name, type] : info->columns) cols.push_back({name, type});
  attrs["columns"] = cols;
  attrs["rows"] = info->num_rows;
  if (time_column) attrs["time_column"] = *time_column;
  content.meta.attributes = attrs.dump();
  hostfs::rename(tmp, path, ec);
  UnregisterTempFile(handle);
  if (ec) {
    hostfs::remove(tmp, ec);
    return Status::IOError("cannot write " + path + ": " + ec.message());
  }
  RETURN_IF_ERROR(WriteFileAtomically(meta_path, ContentJson(content, sha256).dump()));
  return content;
}

Evaluator::Temp::Temp(std::string path)
    : path_(std::move(path)), handle_(RegisterTempFile(path_)) {}

Evaluator::Temp::~Temp() {
  std::error_code ec;
  hostfs::remove(path_, ec);
  UnregisterTempFile(handle_);
}

Result<std::unique_ptr<Evaluator::Temp>> Evaluator::TempFile(const std::string& kind,
                                                             const std::string& extension) {
  ASSIGN_OR_RETURN(std::string folder, CacheDir(kind));
  return std::make_unique<Temp>(folder + "/.new-" + NewUuidV7() + extension);
}

Status StoreSeriesVersion(tinyfs::FS& fs, tlogfs::Pond& pond, const std::string& path,
                          const std::string& host, const std::vector<std::string>& time_columns,
                          const std::string& extra) {
  ASSIGN_OR_RETURN(ParquetEngine * engine, pond.table().engine().Get());
  ASSIGN_OR_RETURN(ParquetInfo info, engine->InspectParquet(host, time_columns));
  if (!info.time_column) {
    return Status::InvalidArgument("'" + EscapeControl(path) + "' would have no time column");
  }
  auto existing = fs.TryResolve(path);
  if (existing.ok() && *existing) {
    RETURN_IF_ERROR(sql::CheckSeriesColumns(fs, **existing, info));
  } else {
    std::vector<std::string> parts = tinyfs::SplitPath(path);
    parts.pop_back();
    RETURN_IF_ERROR(fs.Mkdir(tinyfs::JoinPath(parts), /*parents=*/true).status());
  }
  ASSIGN_OR_RETURN(auto writer, pond.NewContent());
  ASSIGN_OR_RETURN(auto in, OpenHostFile(host));
  IoBuffer buf;
  while (true) {
    ASSIGN_OR_RETURN(size_t n, in->Read(buf.data(), buf.size()));
    if (n == 0) break;
    RETURN_IF_ERROR(writer->Append(std::string_view(buf.data(), n)));
  }
  ASSIGN_OR_RETURN(tinyfs::ContentRef ref, writer->Finish());
  tinyfs::VersionMeta meta = sql::TabularMeta(info, true);
  auto attrs = nlohmann::json::parse(meta.attributes, nullptr, false);
  auto more = nlohmann::json::parse(extra, nullptr, false);
  if (attrs.is_object() && more.is_object()) {
    attrs.update(more);
    meta.attributes = attrs.dump();
  }
  return fs.WriteFile(path, tinyfs::EntryType::kFileSeries, ref, meta).status();
}

}  // namespace pond::factory
