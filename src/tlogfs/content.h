// The bytes of file versions: writing them (inline or as a content-addressed
// blob) and reading them back verified against their recorded hash.
#pragma once

#include <memory>
#include <string>

#include "storage/object_store.h"
#include "tinyfs/persistence.h"

namespace pond::tlogfs {

// Keeps content up to oplog::kInlineLimit in memory; past it, streams every
// byte to a temporary object and, once the last byte is in, publishes it as
// the blob named by its SHA-256. A blob already there is replaced (the same
// name means the same bytes, so readers see no change, and a damaged blob is
// repaired by writing its content again).
std::unique_ptr<tinyfs::ContentWriter> NewBlobContentWriter(ObjectStore& store);

// A stream over `base` that checks what it delivers: more or fewer than
// `size` bytes, or bytes whose SHA-256 is not `sha256`, fail the read that
// finds it with Corruption naming `what` (the blob's key, say). The bytes
// before that are delivered as they are read.
std::unique_ptr<ReadStream> NewVerifyingStream(std::unique_ptr<ReadStream> base,
                                               std::string sha256, uint64_t size,
                                               std::string what);

}  // namespace pond::tlogfs
