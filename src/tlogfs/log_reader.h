// Reading the pond's operation log for the index: commits, the data files they
// add and the rows in those files.
//
// Every failure names what failed: a commit that is missing or does not
// parse, a data file that is missing, has another size than its commit says,
// or is not Parquet of the operation log's schema.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "delta/log_files.h"
#include "delta/snapshot.h"
#include "oplog/record.h"
#include "storage/object_store.h"
#include "tlogfs/index.h"

namespace pond::tlogfs {

// A data file that the log adds.
struct DataFile {
  std::string path;  // Delta path (percent-decoded), e.g. part_id=<id>/<uuid>.parquet
  std::string part_id;
  int64_t size = -1;  // bytes, as the add action records (-1: unknown)
  int64_t delta_version = 0;
};

// What one commit holds for the pond.
struct CommitContent {
  int64_t version = 0;
  std::string fingerprint;             // CommitFingerprint of the commit file
  std::optional<oplog::TxnInfo> info;  // nullopt for a commit a foreign writer made
  std::vector<DataFile> files;         // data-changing adds only
  // Adds that change no data (compaction): rows the log already holds,
  // rearranged. Replicas need these files; the index does not read them.
  std::vector<DataFile> rearranged;
};

// What identifies a commit file's bytes for the index's quick check: the
// SHA-256 of its first kFingerprintBytes and its size. Readers compare it
// without reading a large commit (a compaction's) whole.
inline constexpr size_t kFingerprintBytes = 64 << 10;
std::string CommitFingerprint(std::string_view text);
// The same, read from the store. NotFound when the commit is not there.
Result<std::string> StoredCommitFingerprint(ObjectStore& store, int64_t version);

// Reads and parses commit `version`. Corruption naming the commit file when it
// is missing or does not parse, or when an add has no part_id.
Result<CommitContent> ReadCommit(ObjectStore& store, int64_t version);

// The rows of `files`, one vector per file in order. A file that is missing, has
// another size than its commit says, or does not read as the operation log's
// Parquet yields no rows and is added to `damaged`; other failures (a store
// I/O error) fail the call.
Result<std::vector<std::vector<oplog::Record>>> ReadDataFiles(
    ObjectStore& store, delta::LazyParquetEngine& engine, const std::vector<DataFile>& files,
    std::vector<DamagedFile>* damaged);

// The pond's table id (metaData.id): from commit 0 when it is there, else from
// the newest pond commit's commitInfo, else from the newest checkpoint.
// Corruption when none of them tells.
Result<std::string> LogTableId(ObjectStore& store, const delta::LogListing& listing,
                               delta::LazyParquetEngine& engine);

}  // namespace pond::tlogfs
