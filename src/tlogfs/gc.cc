#include "tlogfs/gc.h"

#include <set>

#include "delta/log_files.h"
#include "delta/snapshot.h"
#include "util/time.h"
#include "util/url.h"

namespace pond::tlogfs {
namespace {

std::string Decoded(const std::string& path) {
  auto d = PercentDecode(path);
  return d.ok() ? *d : path;
}

// Every data file the log names: in any commit (added or removed, so time
// travel keeps working), and in the newest checkpoint.
Result<std::set<std::string>> NamedFiles(ObjectStore& store, delta::LazyParquetEngine& engine) {
  std::set<std::string> named;
  ASSIGN_OR_RETURN(delta::LogListing listing, delta::ListLog(store));
  for (const auto& [v, key] : listing.commits) {
    ASSIGN_OR_RETURN(std::string text, store.Get(key));
    ASSIGN_OR_RETURN(auto actions, delta::ParseCommit(text));
    for (const auto& a : actions) {
      if (a.kind == delta::Action::Kind::kAdd) named.insert(Decoded(a.add.path));
      if (a.kind == delta::Action::Kind::kRemove) named.insert(Decoded(a.remove.path));
    }
  }
  for (auto it = listing.checkpoints.rbegin(); it != listing.checkpoints.rend(); ++it) {
    if (!it->second.complete()) continue;
    ASSIGN_OR_RETURN(delta::Snapshot snapshot, delta::LoadSnapshot(store, engine, it->first));
    for (const auto& [path, add] : snapshot.files) named.insert(path);
    for (const auto& [path, rm] : snapshot.tombstones) named.insert(path);
    break;
  }
  return named;
}

}  // namespace

Result<GcReport> CollectGarbage(Pond& pond, int64_t grace_micros, bool dry_run) {
  if (!pond.InTransaction()) return Status::Internal("gc needs the writer lock");
  ObjectStore& store = pond.store();
  ASSIGN_OR_RETURN(auto hashes, pond.index().BlobHashes());
  std::set<std::string> blobs(hashes.begin(), hashes.end());
  ASSIGN_OR_RETURN(std::set<std::string> files, NamedFiles(store, pond.table().engine()));
  const int64_t cutoff_millis = (NowMicros() - grace_micros) / 1000;

  GcReport report;
  std::vector<std::pair<ObjectInfo, bool>> doomed;  // object, unfinished
  ASSIGN_OR_RETURN(auto objects, store.List(""));
  for (const ObjectInfo& o : objects) {
    if (o.modified_millis > cutoff_millis) continue;
    bool unused = false;
    if (auto sha = oplog::BlobHashOfKey(o.key)) {
      unused = !blobs.count(*sha);
    } else if (o.key.starts_with("part_id=") && o.key.ends_with(".parquet")) {
      unused = !files.count(o.key);
    }
    if (unused) doomed.emplace_back(o, false);
  }
  ASSIGN_OR_RETURN(auto unfinished, store.ListUnfinished());
  for (const ObjectInfo& o : unfinished) {
    if (o.modified_millis <= cutoff_millis) doomed.emplace_back(o, true);
  }
  for (const auto& [o, is_unfinished] : doomed) {
    if (!dry_run) {
      Status st = is_unfinished ? store.DeleteUnfinished(o.key) : store.Delete(o.key);
      if (st.IsNotFound()) continue;  // gone already
      RETURN_IF_ERROR(st);
    }
    report.removed.push_back(o);
    report.bytes += o.size;
  }
  return report;
}

}  // namespace pond::tlogfs
