// pond apply -f FILE...: declarative pond contents, applied as one transaction.
//
// Each YAML document is {version: v1, kind: mkdir|copy|mknod,
// metadata: {path: /abs}, spec: ...}; copy's spec is {source: host:///p,
// overwrite: false}, mknod's {factory, config}. Everything is validated
// first; then mkdirs, copies and mknods are applied in that order, each by
// path depth then path, and each path is reported created, updated or
// unchanged. Nothing changed: nothing is committed.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <map>

#include "cmd/commands.h"
#include "cmd/common.h"
#include "factory/config.h"
#include "factory/nodes.h"
#include "tinyfs/path.h"
#include "util/hash.h"
#include "util/text.h"

namespace pond {
namespace {

enum class Kind { kMkdir = 0, kCopy = 1, kMknod = 2 };

struct Item {
  Kind kind = Kind::kMkdir;
  std::string path;
  std::string where;  // "file.yaml, document 2"
  // copy
  std::string source;
  bool overwrite = false;
  // mknod
  const factory::Factory* factory = nullptr;
  std::string config;  // raw YAML
};

Result<Item> ParseItem(const YAML::Node& doc, const std::string& where) {
  factory::Fields f(doc, where);
  Item item;
  item.where = where;
  ASSIGN_OR_RETURN(std::string version, f.String("version"));
  if (version != "v1") return f.Error("'version' must be v1, not '" + EscapeControl(version) + "'");
  ASSIGN_OR_RETURN(std::string kind, f.String("kind"));
  if (kind == "mkdir") {
    item.kind = Kind::kMkdir;
  } else if (kind == "copy") {
    item.kind = Kind::kCopy;
  } else if (kind == "mknod") {
    item.kind = Kind::kMknod;
  } else {
    return f.Error("'kind' must be mkdir, copy or mknod, not '" + EscapeControl(kind) + "'");
  }
  factory::Fields meta(f.Raw("metadata"), where + ": metadata");
  if (!f.Has("metadata")) return f.Error("'metadata' is required");
  ASSIGN_OR_RETURN(item.path, meta.String("path"));
  RETURN_IF_ERROR(meta.Done());
  if (!tinyfs::IsAbsolute(item.path)) {
    return f.Error("metadata.path must be absolute, not '" + EscapeControl(item.path) + "'");
  }
  item.path = tinyfs::NormalizeAbsolute(item.path);
  if (item.path == "/") return f.Error("metadata.path cannot be the root");
  YAML::Node spec_node = f.Raw("spec");
  factory::Fields spec(spec_node, where + ": spec");
  switch (item.kind) {
    case Kind::kMkdir:
      break;
    case Kind::kCopy: {
      ASSIGN_OR_RETURN(item.source, spec.String("source"));
      if (item.source.rfind("host:///", 0) != 0) {
        return spec.Error("'source' must be a host:///absolute/path, not '" +
                          EscapeControl(item.source) + "'");
      }
      ASSIGN_OR_RETURN(item.overwrite, spec.Bool("overwrite", false));
      break;
    }
    case Kind::kMknod: {
      ASSIGN_OR_RETURN(std::string name, spec.String("factory"));
      auto found = factory::FindFactory(name);
      if (!found.ok()) return spec.Error(found.status().message());
      item.factory = *found;
      YAML::Node config = spec.Raw("config");
      if (!config.IsDefined() || config.IsNull()) return spec.Error("'config' is required");
      YAML::Emitter out;
      out << config;
      item.config = std::string(out.c_str()) + "\n";
      auto parsed = factory::ParseConfig(*item.factory, item.config);
      if (!parsed.ok()) return parsed.status().WithContext(where);
      break;
    }
  }
  RETURN_IF_ERROR(spec.Done());
  RETURN_IF_ERROR(f.Done());
  return item;
}

Result<factory::NodeOutcome> ApplyCopy(tinyfs::FS& fs, tlogfs::Pond& pond, const Item& item) {
  std::string host = item.source.substr(7);
  // Hashed first (streamed), so that unchanged content writes nothing.
  Sha256 hash;
  RETURN_IF_ERROR(ReadHostFile(host, [&](std::string_view chunk) {
    hash.Update(chunk);
    return Status::OK();
  }));
  const std::string sha256 = hash.FinishHex();
  ASSIGN_OR_RETURN(std::optional<tinyfs::Node> existing, fs.TryResolve(item.path, false));
  factory::NodeOutcome outcome = factory::NodeOutcome::kCreated;
  if (existing) {
    if (existing->type != tinyfs::EntryType::kFileData) {
      return Status::AlreadyExists(item.where + ": '" + EscapeControl(item.path) + "' is a " +
                                   tinyfs::EntryTypeName(existing->type) + ", not a data file");
    }
    ASSIGN_OR_RETURN(auto versions, fs.Versions(*existing));
    if (versions.back().sha256 == sha256) return factory::NodeOutcome::kUnchanged;
    if (!item.overwrite) {
      return Status::AlreadyExists(item.where + ": '" + EscapeControl(item.path) +
                                   "' already exists with other content (set overwrite: true)");
    }
    outcome = factory::NodeOutcome::kUpdated;
  }
  ASSIGN_OR_RETURN(auto writer, pond.NewContent());
  RETURN_IF_ERROR(
      ReadHostFile(host, [&](std::string_view chunk) { return writer->Append(chunk); }));
  ASSIGN_OR_RETURN(tinyfs::ContentRef ref, writer->Finish());
  if (ref.sha256 != sha256) {
    return Status::InvalidArgument(item.where + ": '" + EscapeControl(host) +
                                   "' changed while it was copied");
  }
  RETURN_IF_ERROR(fs.WriteFile(item.path, tinyfs::EntryType::kFileData, ref).status());
  return outcome;
}

Status RunApply(Context& ctx, const std::vector<std::string>& files) {
  std::vector<Item> items;
  std::map<std::string, std::string> claimed;  // path -> where
  for (const std::string& file : files) {
    ASSIGN_OR_RETURN(std::string text, ReadHostText(file));
    ASSIGN_OR_RETURN(auto docs, factory::ParseYamlDocuments(text, "'" + EscapeControl(file) + "'"));
    for (size_t i = 0; i < docs.size(); ++i) {
      std::string where = EscapeControl(file) + ", document " + std::to_string(i + 1) + " (line " +
                          std::to_string(docs[i].line) + ")";
      ASSIGN_OR_RETURN(Item item, ParseItem(docs[i].node, where));
      auto [it, fresh] = claimed.emplace(item.path, where);
      if (!fresh) {
        return Status::InvalidArgument("'" + EscapeControl(item.path) + "' is claimed twice: in " +
                                       it->second + " and in " + where);
      }
      items.push_back(std::move(item));
    }
  }
  if (items.empty()) return UsageError(ctx, "the files hold no documents");
  std::sort(items.begin(), items.end(), [](const Item& a, const Item& b) {
    size_t da = std::count(a.path.begin(), a.path.end(), '/');
    size_t db = std::count(b.path.begin(), b.path.end(), '/');
    return std::tie(a.kind, da, a.path) < std::tie(b.kind, db, b.path);
  });
  std::vector<std::pair<std::string, factory::NodeOutcome>> report;
  RETURN_IF_ERROR(RunWrite(ctx, [&](tinyfs::FS& fs, tlogfs::Pond& pond) -> Status {
    for (const Item& item : items) {
      factory::NodeOutcome outcome = factory::NodeOutcome::kCreated;
      switch (item.kind) {
        case Kind::kMkdir: {
          ASSIGN_OR_RETURN(auto existing, fs.TryResolve(item.path));
          if (existing && tinyfs::IsDirectory(existing->type)) {
            outcome = factory::NodeOutcome::kUnchanged;
          } else {
            auto made = fs.Mkdir(item.path, true);
            if (!made.ok()) return made.status().WithContext(item.where);
          }
          break;
        }
        case Kind::kCopy: {
          ASSIGN_OR_RETURN(outcome, ApplyCopy(fs, pond, item));
          break;
        }
        case Kind::kMknod: {
          auto r = factory::WriteFactoryNode(fs, *item.factory, item.path, item.config, true);
          if (!r.ok()) return r.status().WithContext(item.where);
          outcome = *r;
          break;
        }
      }
      report.emplace_back(item.path, outcome);
    }
    return Status::OK();
  }));
  for (const auto& [path, outcome] : report) {
    *ctx.out << factory::OutcomeName(outcome) << " " << EscapeControl(path) << "\n";
  }
  return Status::OK();
}

}  // namespace

void AddApplyCommand(CLI::App& app, Context& ctx) {
  auto files = std::make_shared<std::vector<std::string>>();
  CLI::App* cmd = app.add_subcommand(
      "apply", "Create directories, copies and factory nodes declared in YAML, as one transaction");
  cmd->add_option("-f,--file", *files, "YAML files (documents separated by ---)")->required();
  cmd->callback([&ctx, files] {
    ctx.ran = true;
    ctx.status = RunApply(ctx, *files);
  });
}

}  // namespace pond
