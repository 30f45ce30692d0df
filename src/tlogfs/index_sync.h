// Keeping the index in step with the log.
//
// The log (the Delta table) is the truth and the index a cache of it. Syncing
// reads what the log holds from one listing of _delta_log/ and then either
// finds the index current, catches it up commit by commit (each applied
// exactly once, in order), or rebuilds it from the newest checkpoint and the
// commits after it (so a log whose early commits were cleaned up can still be
// indexed).
//
// Damage is reported, never papered over. Delta versions are contiguous: a
// missing commit, or one that does not parse, ends what the index can hold;
// the index then holds the intact versions before it and the outcome names
// the damage. A data file that is missing or unreadable is recorded in the
// index (Index::Damaged), and the rest of its commit is applied.
//
// REQUIRES for SyncIndex on a shared index file: the caller holds the index
// lock, so that two processes do not rebuild at once (correctness does not
// depend on it: Index::Apply and Index::Replace check versions themselves).
#pragma once

#include <string>

#include "delta/log_files.h"
#include "delta/snapshot.h"
#include "storage/object_store.h"
#include "tlogfs/index.h"

namespace pond::tlogfs {

// What the log holds, from one listing.
struct LogView {
  delta::LogListing listing;
  std::string table_id;
  int64_t latest = -1;  // the newest version
};

// Lists the log. NotFound when it holds no commit and no checkpoint (there is
// no pond); Corruption when it cannot tell which table it is.
// The command a rebuilt index gives a transaction whose commit the log no
// longer has (cleaned up behind a checkpoint).
inline constexpr char kCleanedCommand[] = "(its commit has been cleaned from the log)";

Result<LogView> ReadLogView(ObjectStore& store, delta::LazyParquetEngine& engine);

// True when an index in `state` reflects every version of `view`.
bool IsCurrent(const IndexState& state, const LogView& view);

struct SyncOutcome {
  // OK, or Corruption in one sentence naming the first damaged commit.
  Status health;
  // The newest version the log holds intact (view.latest when healthy).
  int64_t intact_version = -1;
  bool rebuilt = false;
};

// Brings `index` up to date with `view` (see above). An index ahead of the
// view (a writer committed after the listing) makes it list again, updating
// `view`. Errors are failures to read the store or write the index; damage in
// the log is in the outcome.
Result<SyncOutcome> SyncIndex(Index& index, ObjectStore& store, delta::LazyParquetEngine& engine,
                              LogView& view);

}  // namespace pond::tlogfs
