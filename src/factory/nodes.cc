#include "factory/nodes.h"

#include "tinyfs/path.h"
#include "util/text.h"

namespace pond::factory {

const char* OutcomeName(NodeOutcome outcome) {
  switch (outcome) {
    case NodeOutcome::kCreated:
      return "created";
    case NodeOutcome::kUpdated:
      return "updated";
    case NodeOutcome::kUnchanged:
      return "unchanged";
  }
  return "?";
}

Result<NodeOutcome> WriteFactoryNode(tinyfs::FS& fs, const Factory& factory,
                                     const std::string& path, const std::string& raw_config,
                                     bool overwrite) {
  RETURN_IF_ERROR(ParseConfig(factory, raw_config).status());
  if (raw_config.size() > 64 * 1024) {
    return Status::InvalidArgument("the config is over 64 KiB");
  }
  tinyfs::VersionMeta meta;
  meta.factory = std::string(factory.name());
  tinyfs::EntryType type = EntryTypeFor(factory.makes());
  auto found = fs.TryResolve(path, false);
  if (!found.ok() && !found.status().IsNotFound()) return found.status();
  std::optional<tinyfs::Node> existing = found.ok() ? *found : std::nullopt;  // no parent: none
  NodeOutcome outcome = NodeOutcome::kCreated;
  if (existing) {
    if (!overwrite) {
      return Status::AlreadyExists("'" + EscapeControl(existing->path) +
                                   "' already exists (use --overwrite to give it a new config)");
    }
    if (!tinyfs::IsDynamic(existing->type)) {
      return Status::AlreadyExists("'" + EscapeControl(existing->path) + "' is a " +
                                   tinyfs::EntryTypeName(existing->type) +
                                   ", not a factory node; remove it first");
    }
    ASSIGN_OR_RETURN(auto versions, fs.Versions(*existing));
    const tinyfs::NodeVersion& latest = versions.back();
    if (latest.meta.factory == meta.factory &&
        latest.sha256 == tinyfs::InlineContent(raw_config).sha256 && existing->type == type) {
      return NodeOutcome::kUnchanged;
    }
    if (existing->type != type) {
      return Status::InvalidArgument("'" + EscapeControl(existing->path) + "' is a " +
                                     tinyfs::EntryTypeName(existing->type) + "; " +
                                     std::string(factory.name()) + " makes a " +
                                     tinyfs::EntryTypeName(type) + " (remove it first)");
    }
    outcome = NodeOutcome::kUpdated;
  }
  if (outcome == NodeOutcome::kCreated) {
    // Config nodes live in folders such as /system/etc that may not exist yet.
    std::vector<std::string> parts = tinyfs::SplitPath(path);
    if (parts.size() > 1) {
      parts.pop_back();
      RETURN_IF_ERROR(fs.Mkdir(tinyfs::JoinPath(parts), /*parents=*/true).status());
    }
  }
  RETURN_IF_ERROR(fs.WriteFile(path, type, tinyfs::InlineContent(raw_config), meta).status());
  return outcome;
}

}  // namespace pond::factory
