// A pond read straight from a remote: a read-only view of the remote's
// store that keeps every immutable object it reads (data files, blobs,
// commits, checkpoints) in a host folder, under its own key, so that each is
// fetched once and DuckDB scans the local copy. Listings and the
// `_last_checkpoint` hint always come from the remote. Writes are refused.
#pragma once

#include <memory>
#include <string>

#include "storage/object_store.h"

namespace pond::remote {

// REQUIRES: `folder` is private to this cache (it is created if missing).
// The cache is checked against the remote first: when the remote's first
// commit, or the newest commit the cache holds, differs from the cached one
// (the remote was replaced, or is another pond's), the cache is emptied.
Result<std::unique_ptr<ObjectStore>> NewCachedStore(std::unique_ptr<ObjectStore> remote,
                                                    std::string folder);

// The cache folder for the remote `where` names (its URL and endpoint):
// $XDG_CACHE_HOME/pond/<hash> (or ~/.cache/pond/...), created if missing.
Result<std::string> RemoteCacheFolder(const std::string& where);

}  // namespace pond::remote
