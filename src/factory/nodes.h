// Writing factory nodes: what `pond mknod` and `pond apply` share.
#pragma once

#include <string>

#include "factory/factory.h"

namespace pond::factory {

enum class NodeOutcome { kCreated, kUpdated, kUnchanged };
// "created", "updated", "unchanged".
const char* OutcomeName(NodeOutcome outcome);

// Validates `raw_config` for `factory` (expanding `${env:...}` for the check
// only) and stores it raw as the node at `path`: a new node, or with
// `overwrite` a new version of the factory node there (unchanged when it
// already holds this factory and config). AlreadyExists when `path` is taken
// and `overwrite` is not set. REQUIRES: an open transaction on `fs`.
Result<NodeOutcome> WriteFactoryNode(tinyfs::FS& fs, const Factory& factory,
                                     const std::string& path, const std::string& raw_config,
                                     bool overwrite);

}  // namespace pond::factory
