#include "tlogfs/check.h"

#include <algorithm>
#include <map>
#include <set>

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
  ASSIGN_OR_RETURN(auto truth, Index::OpenInMemory());
  ASSIGN_OR_RETURN(LogView view, ReadLogView(store, engine));
  ASSIGN_OR_RETURN(SyncOutcome outcome, SyncIndex(*truth, store, engine, view));
  if (!outcome.health.ok() && report.problems.empty()) {
    report.problems.push_back(outcome.health.message());
  }
  ASSIGN_OR_RETURN(auto damaged, truth->Damaged());
  for (const DamagedFile& f : damaged) {
    std::string dir = pond.PathOf(f.part_id);
    report.problems.push_back("data file " + f.path + " " + f.reason + " (it holds the entries of " +
                              (dir.empty() ? "directory " + f.part_id : "'" + dir + "'") +
                              " and the versions of files created in it)");
  }
  {
    auto snapshot = delta::LoadSnapshot(store, engine, outcome.intact_version >= 0
                                                           ? std::optional<int64_t>(outcome.intact_version)
                                                           : std::nullopt);
    if (snapshot.ok()) report.data_files = static_cast<int64_t>(snapshot->files.size());
  }

  // The index agrees with the log.
  ASSIGN_OR_RETURN(auto expected, truth->AllRecords(kLatest));
  ASSIGN_OR_RETURN(auto actual, pond.index().AllRecords(kLatest));
  std::multiset<std::string> want, got;
  for (const auto& r : expected) want.insert(Fingerprint(r));
  for (const auto& r : actual) got.insert(Fingerprint(r));
  if (want != got) {
    size_t missing = 0, extra = 0;
    for (const auto& f : want) missing += got.count(f) ? 0 : 1;
    for (const auto& f : got) extra += want.count(f) ? 0 : 1;
    size_t differ = std::max(missing, extra);
    report.problems.push_back("the pond's index disagrees with the log on " +
                              std::to_string(differ) + " node versions; delete " + pond.dir() +
                              "/cache to rebuild it");
  }

  // Every content against its size and hash.
  std::map<std::string, std::vector<const oplog::Record*>> blobs;
  for (const auto& r : expected) {
    if (r.entry_type == "directory") continue;
    if (r.content) {
      ++report.inline_versions;
      if (static_cast<int64_t>(r.content->size()) != r.size || Sha256Hex(*r.content) != r.sha256) {
        report.problems.push_back(NodeName(pond, r.node_id) + " version " +
                                  std::to_string(r.version) +
                                  ": its bytes in the log do not match their SHA-256");
      }
      continue;
    }
    blobs[r.sha256].push_back(&r);
  }
  IoBuffer buf;
  for (const auto& [sha, users] : blobs) {
    ++report.blobs;
    const std::string key = oplog::BlobKey(sha);
    const uint64_t size = static_cast<uint64_t>(users.front()->size);
    std::string why;
    auto info = store.Stat(key);
    if (info.status().IsNotFound()) {
      why = "is missing";
    } else if (!info.ok()) {
      why = "cannot be read: " + info.status().message();
    } else if (info->size != size) {
      why = "has " + std::to_string(info->size) + " bytes where " + std::to_string(size) +
            " were stored";
    } else {
      auto stream = store.OpenRead(key);
      if (!stream.ok()) {
        why = "cannot be read: " + stream.status().message();
      } else {
        auto verified = NewVerifyingStream(std::move(*stream), sha, size, "it");
        while (true) {
          auto n = verified->Read(buf.data(), buf.size());
          if (!n.ok()) {
            why = "does not match its SHA-256";
            break;
          }
          if (*n == 0) break;
        }
      }
    }
    if (why.empty()) continue;
    std::string used_by;
    for (size_t i = 0; i < users.size() && i < 3; ++i) {
      used_by += (i ? ", " : "") + NodeName(pond, users[i]->node_id) + " version " +
                 std::to_string(users[i]->version);
    }
    if (users.size() > 3) used_by += " and " + std::to_string(users.size() - 3) + " more";
    report.problems.push_back("blob " + key + " " + why + " (content of " + used_by + ")");
  }
  return report;
}

}  // namespace pond::tlogfs
