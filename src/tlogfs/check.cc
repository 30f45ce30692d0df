#include "tlogfs/check.h"

#include <algorithm>

#include "delta/log_files.h"
#include "tlogfs/content.h"
#include "tlogfs/index_sync.h"
#include "tlogfs/log_reader.h"
#include "util/fd_read.h"
#include "util/hash.h"

namespace pond::tlogfs {
namespace {

// A node for messages: its path, or its id when no directory holds it.
std::string NodeName(Pond& pond, const std::string& node) {
  std::string path = pond.PathOf(node);
  return path.empty() ? "node " + node : "'" + path + "'";
}

// The fields of a record that the index and the log must agree on.
std::string Fingerprint(const oplog::Record& r) {
  std::string out;
  const auto& columns = oplog::Columns();
  RowBatch one = oplog::ToRowBatch({r});
  for (size_t i = 0; i < one.rows[0].size(); ++i) {
    const Cell& c = one.rows[0][i];
    out += columns[i + 1].name;
    out += '=';
    if (const auto* v = std::get_if<int64_t>(&c)) out += std::to_string(*v);
    if (const auto* v = std::get_if<std::string>(&c)) out += Sha256Hex(*v);
    out += ';';
  }
  return r.part_id + "|" + out;
}

// The order Index::ScanRecords reads records in.
int CompareKeys(const oplog::Record& a, const oplog::Record& b) {
  if (int c = a.node_id.compare(b.node_id); c != 0) return c < 0 ? -1 : 1;
  return a.version < b.version ? -1 : a.version > b.version ? 1 : 0;
}

// The next record of the pond's index into `out` (nullopt at the end); a row
// that does not read is the returned error, which fsck reports as a problem.
Status ReadNext(Index::RecordScan& scan, std::optional<oplog::Record>& out) {
  auto next = scan.Next();
  if (!next.ok()) return next.status();
  out = std::move(*next);
  return Status::OK();
}

// Whether `have` holds the same rows of `table` as `want`, the index rebuilt
// from the log. Both are in primary-key order, so equal tables read alike row
// by row. A transaction whose commit the log has lost has its command, time
// and Delta version from the pond's own index, which the rebuilt one can only
// guess, so those are not compared.
Result<bool> SameDerived(Index& want, Index& have, Index::Derived table, int64_t as_of) {
  ASSIGN_OR_RETURN(auto want_scan, want.ScanDerived(table, as_of));
  ASSIGN_OR_RETURN(auto have_scan, have.ScanDerived(table, as_of));
  const std::string cleaned = std::string("text ") + kCleanedCommand;
  while (true) {
    ASSIGN_OR_RETURN(auto w, want_scan->Next());
    auto h = have_scan->Next();
    if (!h.ok()) return false;
    if (!w || !*h) return !w && !*h;
    if (table == Index::Derived::kEntries) {
      if (*w != **h) return false;
      continue;
    }
    const std::vector<std::string>& a = *w;
    const std::vector<std::string>& b = **h;
    if (a.size() != 5 || b.size() != 5 || a[0] != b[0] || a[4] != b[4]) return false;
    if (a[3] == cleaned) continue;
    if (a[1] != b[1] || a[2] != b[2] || a[3] != b[3]) return false;
  }
}

// A version whose bytes are in the log must match its size and hash.
void CheckInline(Pond& pond, const oplog::Record& r, CheckReport& report) {
  if (r.entry_type == "directory" || !r.content) return;
  ++report.inline_versions;
  if (static_cast<int64_t>(r.content->size()) != r.size || Sha256Hex(*r.content) != r.sha256) {
    report.problems.push_back(NodeName(pond, r.node_id) + " version " + std::to_string(r.version) +
                              ": its bytes in the log do not match their SHA-256");
  }
}

// What is wrong with the blob `key`, which should hold `size` bytes hashing
// to `sha`; empty when nothing is. `buf` is scratch space.
std::string BlobProblem(ObjectStore& store, const std::string& key, const std::string& sha,
                        uint64_t size, IoBuffer& buf) {
  auto info = store.Stat(key);
  if (info.status().IsNotFound()) return "is missing";
  if (!info.ok()) return "cannot be read: " + info.status().message();
  if (info->size != size) {
    return "has " + std::to_string(info->size) + " bytes where " + std::to_string(size) +
           " were stored";
  }
  auto stream = store.OpenRead(key);
  if (!stream.ok()) return "cannot be read: " + stream.status().message();
  auto verified = NewVerifyingStream(std::move(*stream), sha, size, "it");
  while (true) {
    auto n = verified->Read(buf.data(), buf.size());
    if (!n.ok()) return "does not match its SHA-256";
    if (*n == 0) return "";
  }
}

void CheckLogFiles(ObjectStore& store, delta::LazyParquetEngine& engine,
                   const delta::LogListing& listing, CheckReport& report) {
  auto latest = listing.latest_version();
  if (!latest) {
    report.problems.push_back("the log holds no commit");
    return;
  }
  int64_t newest_checkpoint = -1;
  for (const auto& [v, cp] : listing.checkpoints) {
    if (cp.complete()) newest_checkpoint = v;
  }
  bool seen_commit = false;
  for (int64_t v = 0; v <= *latest; ++v) {
    if (!listing.commits.count(v)) {
      // A prefix cleaned up behind a checkpoint is normal; a hole is not.
      if (v > newest_checkpoint || seen_commit) {
        report.problems.push_back(delta::CommitKey(v) + " is missing");
      }
      continue;
    }
    seen_commit = true;
    auto commit = ReadCommit(store, v);
    if (!commit.ok()) {
      report.problems.push_back(commit.status().message());
      continue;
    }
    ++report.commits;
    // Compacted files: the index reads them only when it is rebuilt from a
    // later checkpoint, so check here that they are whole.
    for (const DataFile& f : commit->rearranged) {
      auto info = store.Stat(f.path);
      if (info.status().IsNotFound()) {
        report.problems.push_back("compacted data file " + f.path + " is missing");
      } else if (info.ok() && f.size >= 0 && info->size != static_cast<uint64_t>(f.size)) {
        report.problems.push_back("compacted data file " + f.path + " has " +
                                  std::to_string(info->size) + " bytes where its commit says " +
                                  std::to_string(f.size));
      }
    }
  }
  for (const auto& [v, cp] : listing.checkpoints) {
    if (!cp.complete()) {
      report.problems.push_back("the checkpoint at version " + std::to_string(v) +
                                " is missing some of its parts");
      continue;
    }
    auto parquet = engine.Get();
    if (!parquet.ok()) {
      report.problems.push_back(parquet.status().message());
      return;
    }
    for (const std::string& key : cp.keys()) {
      Status st = delta::WithHostFile(store, key, [&](const std::string& path) {
        return (*parquet)->ReadCheckpoint(path).status();
      });
      if (!st.ok()) report.problems.push_back("checkpoint " + key + " is unreadable");
    }
    ++report.checkpoints;
  }
  if (auto hint = delta::ReadLastCheckpointHint(store)) {
    auto named = listing.checkpoints.find(hint->version);
    if (named == listing.checkpoints.end() || !named->second.complete()) {
      report.problems.push_back(std::string(delta::kLastCheckpointKey) +
                                " names a checkpoint at version " + std::to_string(hint->version) +
                                " that is not there");
    }
  }
}

}  // namespace

Result<CheckReport> CheckPond(Pond& pond) {
  CheckReport report;
  ObjectStore& store = pond.store();
  delta::LazyParquetEngine& engine = pond.table().engine();
  ASSIGN_OR_RETURN(delta::LogListing listing, delta::ListLog(store));
  CheckLogFiles(store, engine, listing, report);

  // The truth: an index built afresh from the log, in memory.
  ASSIGN_OR_RETURN(auto truth, Index::OpenPrivate());
  ASSIGN_OR_RETURN(LogView view, ReadLogView(store, engine));
  ASSIGN_OR_RETURN(SyncOutcome outcome, SyncIndex(*truth, store, engine, view));
  if (!outcome.health.ok() && report.problems.empty()) {
    report.problems.push_back(outcome.health.message());
  }
  ASSIGN_OR_RETURN(auto damaged, truth->Damaged());
  for (const DamagedFile& f : damaged) {
    std::string dir = pond.PathOf(f.part_id);
    report.problems.push_back("data file " + f.path + " " + f.reason +
                              " (it holds the entries of " +
                              (dir.empty() ? "directory " + f.part_id : "'" + dir + "'") +
                              " and the versions of files created in it)");
  }
  {
    auto snapshot = delta::LoadSnapshot(store, engine,
                                        outcome.intact_version >= 0
                                            ? std::optional<int64_t>(outcome.intact_version)
                                            : std::nullopt);
    if (snapshot.ok()) report.data_files = static_cast<int64_t>(snapshot->files.size());
  }

  // The index agrees with the log, and each inline content with its hash.
  // Both indexes are read in (node_id, version) order and merged a record at
  // a time, so fsck's memory does not grow with the pond. Writers may commit
  // meanwhile, and the pond's index, shared with them, moves on: both are
  // compared as of the transaction both have reached.
  ASSIGN_OR_RETURN(IndexState want_state, truth->State());
  ASSIGN_OR_RETURN(IndexState have_state, pond.index().State());
  const int64_t as_of = std::min(want_state.last_txn, have_state.last_txn);
  if (have_state.last_txn < want_state.last_txn) {
    report.notes.push_back("the pond's index had reached transaction " +
                           std::to_string(have_state.last_txn) + " and the log " +
                           std::to_string(want_state.last_txn) +
                           " (a writer was committing): they were compared up to transaction " +
                           std::to_string(have_state.last_txn));
  }
  ASSIGN_OR_RETURN(auto want_scan, truth->ScanRecords(kLatest));
  ASSIGN_OR_RETURN(auto have_scan, pond.index().ScanRecords(as_of));
  ASSIGN_OR_RETURN(std::optional<oplog::Record> want, want_scan->Next());
  std::optional<oplog::Record> have;
  Status unreadable = ReadNext(*have_scan, have);
  size_t differ = 0;  // node versions, each counted once however many rows it has
  std::optional<std::pair<std::string, int64_t>> last_differ;
  auto mark = [&](const oplog::Record& r) {
    if (last_differ && last_differ->first == r.node_id && last_differ->second == r.version) return;
    last_differ.emplace(r.node_id, r.version);
    ++differ;
  };
  while (want || (have && unreadable.ok())) {
    if (want && want->txn_seq > as_of) {  // newer than the pond's index: content only
      CheckInline(pond, *want, report);
      ASSIGN_OR_RETURN(want, want_scan->Next());
      continue;
    }
    // Past a row of the pond's index that does not read, only the log's side goes on.
    int order = !unreadable.ok() ? -2 : !want ? 1 : !have ? -1 : CompareKeys(*want, *have);
    if (order == -1) {
      mark(*want);
    } else if (order == 1) {
      mark(*have);
    } else if (order == 0 && Fingerprint(*want) != Fingerprint(*have)) {
      mark(*want);
    }
    if (order <= 0) {
      CheckInline(pond, *want, report);
      ASSIGN_OR_RETURN(want, want_scan->Next());
    }
    if (order >= 0) unreadable = ReadNext(*have_scan, have);
  }
  if (!unreadable.ok()) {
    report.problems.push_back(unreadable.message());
  } else if (differ > 0) {
    report.problems.push_back("the pond's index disagrees with the log on " +
                              std::to_string(differ) + " node version" + (differ == 1 ? "" : "s") +
                              "; delete " + pond.dir() + "/cache to rebuild it");
  }
  // The tables derived from the records: directory entries (what list and
  // lookups read) and transactions (what log and --as-of read).
  for (Index::Derived table : {Index::Derived::kEntries, Index::Derived::kTxns}) {
    ASSIGN_OR_RETURN(bool same, SameDerived(*truth, pond.index(), table, as_of));
    if (!same) {
      report.problems.push_back(
          std::string("the pond's index disagrees with the log on its ") +
          (table == Index::Derived::kEntries ? "directory entries" : "transactions") + "; delete " +
          pond.dir() + "/cache to rebuild it");
    }
  }
  if (pond.index().is_private() && !pond.index().is_copy()) {
    report.notes.push_back("the index in " + pond.dir() +
                           "/cache was not checked: this process cannot open it, so it used an "
                           "index of its own built from the log");
  } else if (pond.index().is_private()) {
    report.notes.push_back("this process cannot write the index in " + pond.dir() +
                           "/cache: it checked a copy of it, brought up to date with the log");
  }

  // Every blob against its size and hash.
  IoBuffer buf;
  RETURN_IF_ERROR(truth->ForEachBlob(kLatest, [&](const std::string& sha, int64_t size) -> Status {
    ++report.blobs;
    const std::string key = oplog::BlobKey(sha);
    std::string why = BlobProblem(store, key, sha, static_cast<uint64_t>(size), buf);
    if (why.empty()) return Status::OK();
    ASSIGN_OR_RETURN(auto users, truth->BlobUsers(sha, kLatest));
    std::string used_by;
    for (size_t i = 0; i < users.size() && i < 3; ++i) {
      used_by += (i ? ", " : "") + NodeName(pond, users[i].node_id) + " version " +
                 std::to_string(users[i].version);
    }
    if (users.size() > 3) used_by += " and " + std::to_string(users.size() - 3) + " more";
    report.problems.push_back("blob " + key + " " + why + " (content of " + used_by + ")");
    return Status::OK();
  }));
  return report;
}

}  // namespace pond::tlogfs
