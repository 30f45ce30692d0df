#include "delta/snapshot.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "delta/log_files.h"
#include "storage/host_files.h"
#include "util/url.h"

namespace pond::delta {
namespace {

constexpr int kReaderVersion = 1;
constexpr int kWriterVersion = 2;

std::string PathKey(const std::string& path) {
  auto decoded = PercentDecode(path);
  return decoded.ok() ? *decoded : path;
}

void Apply(Snapshot& s, Action&& a) {
  switch (a.kind) {
    case Action::Kind::kProtocol:
      s.protocol = a.protocol;
      break;
    case Action::Kind::kMetadata:
      s.metadata = std::move(a.metadata);
      break;
    case Action::Kind::kAdd: {
      std::string key = PathKey(a.add.path);
      s.tombstones.erase(key);
      s.files[key] = std::move(a.add);
      break;
    }
    case Action::Kind::kRemove: {
      std::string key = PathKey(a.remove.path);
      s.files.erase(key);
      s.tombstones[key] = std::move(a.remove);
      break;
    }
    case Action::Kind::kTxn:
      s.app_versions[a.txn.app_id] = a.txn.version;
      break;
    case Action::Kind::kCommitInfo:
    case Action::Kind::kUnknown:
      break;
  }
}

// Protocol and metaData are replayed as they appear; presence is tracked apart
// from the values so a table that never had one is refused.
struct Replay {
  Snapshot snapshot;
  bool has_protocol = false;
  bool has_metadata = false;

  void Take(Action&& a) {
    has_protocol |= a.kind == Action::Kind::kProtocol;
    has_metadata |= a.kind == Action::Kind::kMetadata;
    Apply(snapshot, std::move(a));
  }
};

Status ApplyCheckpoint(ObjectStore& store, LazyParquetEngine& lazy, const CheckpointFiles& cp,
                       Replay& replay) {
  ASSIGN_OR_RETURN(ParquetEngine * engine, lazy.Get());
  for (const std::string& key : cp.keys()) {
    Status st = WithHostFile(store, key, [&](const std::string& path) -> Status {
      ASSIGN_OR_RETURN(std::vector<std::string> lines, engine->ReadCheckpoint(path));
      for (const std::string& line : lines) {
        ASSIGN_OR_RETURN(Action a, ParseAction(line));
        replay.Take(std::move(a));
      }
      return Status::OK();
    });
    if (!st.ok()) {
      return Status(st.code() == StatusCode::kNotFound ? StatusCode::kCorruption : st.code(),
                    "checkpoint '" + key + "' is unreadable: " + st.message());
    }
  }
  replay.snapshot.checkpoint_version = cp.version;
  replay.snapshot.version = cp.version;
  return Status::OK();
}

Status MissingCommit(int64_t version);

Status ApplyCommit(int64_t version, const std::string& text, Replay& replay) {
  auto actions = ParseCommit(text);
  if (!actions.ok()) {
    return Status::Corruption("commit '" + CommitKey(version) +
                              "' is corrupt: " + actions.status().message());
  }
  for (Action& a : *actions) replay.Take(std::move(a));
  replay.snapshot.version = version;
  replay.snapshot.commits_replayed++;
  return Status::OK();
}

Status ApplyCommitKey(ObjectStore& store, int64_t version, Replay& replay) {
  auto text = store.Get(CommitKey(version));
  if (!text.ok()) {
    if (text.status().IsNotFound()) return MissingCommit(version);
    return text.status();
  }
  return ApplyCommit(version, *text, replay);
}

Result<Snapshot> Finish(Replay&& replay) {
  if (!replay.has_protocol) {
    return Status::Corruption("the table's log has no protocol action");
  }
  if (!replay.has_metadata) {
    return Status::Corruption("the table's log has no metaData action");
  }
  const Protocol& p = replay.snapshot.protocol;
  if (p.min_reader_version > kReaderVersion) {
    return Status::NotSupported("the table needs a Delta reader of version " +
                                std::to_string(p.min_reader_version) + "; this one reads version " +
                                std::to_string(kReaderVersion));
  }
  return std::move(replay.snapshot);
}

// The first version in [from, to] that has no commit file; nullopt when none is missing.
std::optional<int64_t> FirstMissingCommit(const LogListing& listing, int64_t from, int64_t to) {
  for (int64_t v = from; v <= to; ++v) {
    if (!listing.commits.count(v)) return v;
  }
  return std::nullopt;
}

Status MissingCommit(int64_t version) {
  return Status::Corruption("the log has no commit for version " + std::to_string(version) + " (" +
                            CommitKey(version) + " is missing)");
}

}  // namespace

Result<ParquetEngine*> LazyParquetEngine::Get() {
  if (!engine_) {
    ASSIGN_OR_RETURN(engine_, OpenParquetEngine());
  }
  return engine_.get();
}

std::vector<Action> Snapshot::CheckpointActions(int64_t min_tombstone_millis) const {
  std::vector<Action> out;
  out.reserve(files.size() + app_versions.size() + 2);
  out.push_back(Action::Of(protocol));
  out.push_back(Action::Of(metadata));
  for (const auto& [app, v] : app_versions) out.push_back(Action::Of(Txn{app, v, std::nullopt}));
  for (const auto& [key, add] : files) {
    AddFile f = add;
    f.data_change = false;  // a checkpoint restates, it does not change data
    out.push_back(Action::Of(std::move(f)));
  }
  for (const auto& [key, rm] : tombstones) {
    if (rm.deletion_timestamp.value_or(0) < min_tombstone_millis) continue;
    RemoveFile r = rm;
    r.data_change = false;
    out.push_back(Action::Of(std::move(r)));
  }
  return out;
}

namespace {
Result<Snapshot> LoadFromListing(ObjectStore& store, LazyParquetEngine& lazy,
                                 const LogListing& listing, std::optional<int64_t> version);
}  // namespace

Result<Snapshot> LoadSnapshot(ObjectStore& store, LazyParquetEngine& lazy,
                              std::optional<int64_t> version) {
  // The listing is the truth (`_last_checkpoint` is only a hint, and a wrong
  // one must not matter): it tells which checkpoints exist and whether the
  // commits after the chosen one are contiguous. The hint only narrows what
  // the listing keeps: when its checkpoint is there, nothing older is needed.
  if (!version) {
    if (auto hint = ReadLastCheckpointHint(store)) {
      ASSIGN_OR_RETURN(LogListing recent, ListLog(store, hint->version));
      auto cp = recent.checkpoints.find(hint->version);
      if (cp != recent.checkpoints.end() && cp->second.complete()) {
        auto loaded = LoadFromListing(store, lazy, recent, version);
        if (loaded.ok()) return loaded;  // otherwise the whole log decides
      }
    }
  }
  ASSIGN_OR_RETURN(LogListing listing, ListLog(store));
  return LoadFromListing(store, lazy, listing, version);
}

namespace {

Result<Snapshot> LoadFromListing(ObjectStore& store, LazyParquetEngine& lazy,
                                 const LogListing& listing, std::optional<int64_t> version) {
  auto latest = listing.latest_version();
  if (!latest) return Status::NotFound("there is no Delta table here (no _delta_log commits)");
  int64_t target = version.value_or(*latest);
  if (target < 0 || target > *latest) {
    return Status::NotFound("the table has no version " + std::to_string(target) +
                            " (its latest is " + std::to_string(*latest) + ")");
  }
  // Bases to start from, best first: complete checkpoints at or before the
  // target, newest first, then the empty table before commit 0.
  std::vector<const CheckpointFiles*> bases;
  for (auto it = listing.checkpoints.rbegin(); it != listing.checkpoints.rend(); ++it) {
    if (it->first <= target && it->second.complete()) bases.push_back(&it->second);
  }
  bases.push_back(nullptr);
  std::vector<std::string> warnings;
  Status first_failure;
  for (const CheckpointFiles* cp : bases) {
    int64_t start = cp ? cp->version + 1 : 0;
    if (auto missing = FirstMissingCommit(listing, start, target)) {
      // A gap after the newest usable base is a gap after every older one too.
      return first_failure.ok() ? MissingCommit(*missing) : first_failure;
    }
    Replay replay;
    if (cp) {
      Status st = ApplyCheckpoint(store, lazy, *cp, replay);
      if (!st.ok()) {
        // A damaged checkpoint is only a shortcut lost: replay from an older base.
        warnings.push_back(st.message() + "; the log was replayed without it");
        if (first_failure.ok()) first_failure = st;
        continue;
      }
    }
    for (int64_t v = start; v <= target; ++v) RETURN_IF_ERROR(ApplyCommitKey(store, v, replay));
    auto snapshot = Finish(std::move(replay));
    if (snapshot.ok()) snapshot->warnings = std::move(warnings);
    return snapshot;
  }
  return first_failure;
}

}  // namespace

Result<int64_t> LatestVersion(ObjectStore& store) {
  ASSIGN_OR_RETURN(LogListing listing, ListLog(store));
  auto latest = listing.latest_version();
  if (!latest) return Status::NotFound("there is no Delta table here (no _delta_log commits)");
  return *latest;
}

Status CheckWritable(const Protocol& protocol) {
  if (protocol.min_writer_version > kWriterVersion) {
    return Status::NotSupported("the table needs a Delta writer of version " +
                                std::to_string(protocol.min_writer_version) +
                                "; this one writes version " + std::to_string(kWriterVersion));
  }
  return Status::OK();
}

Status WithHostFile(ObjectStore& store, const std::string& key,
                    const std::function<Status(const std::string&)>& fn) {
  if (auto path = store.LocalPath(key)) return fn(*path);
  HostFiles files(store);
  ASSIGN_OR_RETURN(std::string path, files.Path(key));
  return fn(path);
}

}  // namespace pond::delta
