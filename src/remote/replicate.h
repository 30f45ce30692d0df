// Remotes: copies of a pond's Delta table in another object store.
//
// A remote holds the pond's table as it is, under the same keys as
// $POND/data/ (_delta_log/..., part_id=.../*.parquet, _large_files/sha256=...),
// so a backup is itself a Delta table any Delta reader can read. Data files
// and blobs are immutable and named once, so copying a history copies only
// what the destination lacks: first the files the new commits name, then the
// commits in order, each put only if absent. A destination therefore never
// names a file it does not hold, and an interrupted copy is finished by the
// next one.
//
// Push (pond -> remote), pull (remote -> follower) and restore (remote -> new
// pond) are all Replicate(); Verify checks a remote without changing it.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "delta/snapshot.h"
#include "remote/sigv4.h"
#include "storage/object_store.h"
#include "util/status.h"

namespace pond::remote {

struct RemoteOptions {
  std::string endpoint;  // s3:// only
  std::string region;    // s3:// only
  // s3:// only: when absent, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and
  // AWS_SESSION_TOKEN.
  std::optional<Credentials> credentials;
};

// OK when `url` is a remote URL we can use (file:///absolute/folder or
// s3://bucket[/prefix]); InvalidArgument, in one sentence, otherwise.
Status CheckRemoteUrl(const std::string& url);

// The store a remote URL names: file:///absolute/folder. With `create`, a
// missing folder is made (a first push); without, it is NotFound. For s3://,
// an empty endpoint or region comes from AWS_ENDPOINT_URL_S3 /
// AWS_ENDPOINT_URL and AWS_REGION / AWS_DEFAULT_REGION, as the AWS tools do.
Result<std::unique_ptr<ObjectStore>> OpenRemoteStore(const std::string& url,
                                                     const RemoteOptions& options, bool create);

// Called as bytes are copied: done so far, and the total to copy.
using Progress = std::function<void(uint64_t done, uint64_t total)>;

struct CopyReport {
  int64_t files = 0;    // data files and blobs copied
  uint64_t bytes = 0;   // their bytes and the commits'
  int64_t commits = 0;  // commit files copied
  int64_t before = -1;  // the destination's newest commit before (-1: none)
  int64_t after = -1;   // and after
};

// How messages name the two sides of a copy ("this pond", "the remote").
struct Sides {
  std::string from = "the source";
  std::string to = "the destination";
};

// Makes `to` hold `from`'s table up to Delta version `up_to` (default: the
// newest). `to` must be empty or hold the same table's history up to some
// version: Conflict, in one sentence, when it holds another table (another
// pond id), a history that has diverged from `from`'s, or versions `from`
// lacks, or whose commits have a gap. Each blob is checked against its
// SHA-256 as it is copied.
Result<CopyReport> Replicate(ObjectStore& from, ObjectStore& to, delta::LazyParquetEngine& engine,
                             std::optional<int64_t> up_to, const Progress& progress,
                             const Sides& sides = {});

struct VerifyReport {
  std::vector<std::string> problems;  // one sentence each; empty when sound
  int64_t commits = 0;
  int64_t data_files = 0;
  int64_t blobs = 0;
  uint64_t bytes = 0;  // of data files and blobs
};

// Checks `store`: its commits contiguous from 0 and parseable, every data
// file they add present with its recorded size and readable as the operation
// log, every checkpoint readable and naming the files its commits leave,
// every blob present with its recorded size and (with `deep`) its SHA-256,
// and (with `deep`) every inline content against its SHA-256; and, when `local` is given, that its
// history is the local one or an earlier state of it. Errors are failures to read at all.
Result<VerifyReport> Verify(ObjectStore& store, ObjectStore* local,
                            delta::LazyParquetEngine& engine, bool deep);

// The Delta version of pond transaction `txn` in `store` (pond commits
// record their transaction number). NotFound when no commit has it.
Result<int64_t> VersionOfTxn(ObjectStore& store, int64_t txn);

}  // namespace pond::remote
