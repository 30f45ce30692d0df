// pond gc: removing what no version of the pond uses.
//
// What a crashed or killed command leaves: blobs written before a commit that
// never happened, data files of such a commit, and temporary files of
// unfinished writes. None is ever named by the log, so none is needed; but a
// running command's files are not named yet either, so only files older than a
// grace period go.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "storage/object_store.h"
#include "tlogfs/pond.h"

namespace pond::tlogfs {

struct GcReport {
  std::vector<ObjectInfo> removed;  // what was (or, dry, would be) removed
  uint64_t bytes = 0;
};

// Removes (or with `dry_run` only lists) every blob no node version uses,
// every data file no commit or checkpoint names, and every unfinished write,
// that is older than `grace_micros`. REQUIRES: pond.InTransaction(), so that
// the writer lock is held and no commit can start naming a file meanwhile.
Result<GcReport> CollectGarbage(Pond& pond, int64_t grace_micros, bool dry_run);

}  // namespace pond::tlogfs
