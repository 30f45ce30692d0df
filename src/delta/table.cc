#include "delta/table.h"

#include <unistd.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "delta/log_files.h"
#include "util/fd_read.h"
#include "util/id.h"
#include "util/time.h"
#include "util/warnings.h"

namespace pond::delta {
namespace {

Action MakeCommitInfo(const CommitOptions& options, int64_t now_ms) {
  nlohmann::json info = {{"timestamp", now_ms},
                         {"operation", options.operation},
                         {"operationParameters", nlohmann::json::object()},
                         {"isBlindAppend", options.blind_append},
                         {"engineInfo", "DuckPond/0.1.0"}};
  if (!options.extra_commit_info.empty()) {
    auto extra = nlohmann::json::parse(options.extra_commit_info, nullptr, false);
    if (extra.is_object()) info.update(extra);
  }
  return Action::Of(CommitInfo{info.dump()});
}

bool ChangesTable(const std::vector<Action>& actions) {
  for (const Action& a : actions) {
    if (a.kind == Action::Kind::kProtocol || a.kind == Action::Kind::kMetadata) return true;
  }
  return false;
}

}  // namespace

DeltaTable::DeltaTable(ObjectStore& store, TableOptions options)
    : store_(store), options_(options) {}

Result<int64_t> DeltaTable::Create(const Metadata& metadata, std::vector<Action> actions,
                                   const CommitOptions& options) {
  std::vector<Action> all;
  all.reserve(actions.size() + 3);
  all.push_back(MakeCommitInfo(options, NowMillis()));
  all.push_back(Action::Of(Protocol{1, 2}));
  all.push_back(Action::Of(metadata));
  for (Action& a : actions) all.push_back(std::move(a));
  Status st = store_.PutIfAbsent(CommitKey(0), SerializeCommit(all));
  if (st.IsAlreadyExists()) return Status::AlreadyExists("a Delta table already exists here");
  RETURN_IF_ERROR(st);
  return 0;
}

Result<int64_t> DeltaTable::Commit(int64_t read_version, std::vector<Action> actions,
                                   const CommitOptions& options) {
  int64_t version = read_version + 1;
  for (int attempt = 0;; ++attempt) {
    auto committed = CommitAt(version, actions, options);
    if (committed.ok() || !committed.status().IsConflict()) return committed;
    if (!options.blind_append || attempt >= options.max_retries) return committed;
    // Another writer owns `version`. A blind append commutes with it unless it
    // changed the protocol or metadata.
    ASSIGN_OR_RETURN(std::string text, store_.Get(CommitKey(version)));
    auto rival = ParseCommit(text);
    if (!rival.ok() || ChangesTable(*rival)) {
      return Status::Conflict("another writer changed the table's metadata at version " +
                              std::to_string(version));
    }
    ++version;
  }
}

Result<int64_t> DeltaTable::CommitAt(int64_t version, std::vector<Action> actions,
                                     const CommitOptions& options) {
  std::vector<Action> all;
  all.reserve(actions.size() + 1);
  all.push_back(MakeCommitInfo(options, NowMillis()));
  for (Action& a : actions) all.push_back(std::move(a));
  std::string text = SerializeCommit(all);
  Status st = store_.PutIfAbsent(CommitKey(version), text);
  if (!st.ok()) {
    // The write may have taken effect although the store reported a failure
    // (an error after the name was published, a retried request): the commit
    // is ours exactly when the version holds our bytes, which name this
    // commit's time and files. Reporting failure then would make a retry
    // commit the same change twice.
    auto stored = store_.Get(CommitKey(version));
    if (!stored.ok() || *stored != text) {
      if (st.IsAlreadyExists()) {
        return Status::Conflict("another writer committed version " + std::to_string(version) +
                                " first");
      }
      return st;
    }
  }
  MaybeCheckpoint(version);
  return version;
}

void DeltaTable::MaybeCheckpoint(int64_t version) {
  if (options_.checkpoint_interval <= 0 || version % options_.checkpoint_interval != 0) return;
  checkpoint_snapshot_.reset();
  auto snapshot = LoadSnapshot(version);
  last_checkpoint_status_ = snapshot.ok() ? WriteCheckpoint(*snapshot) : snapshot.status();
  if (!last_checkpoint_status_.ok()) {
    Warn("the checkpoint at version " + std::to_string(version) +
         " was not written (the commit is safe; readers replay the log instead): " +
         last_checkpoint_status_.message());
    return;
  }
  checkpoint_snapshot_ = std::move(*snapshot);
}

std::optional<Snapshot> DeltaTable::TakeCheckpointSnapshot(int64_t version) {
  if (!checkpoint_snapshot_ || checkpoint_snapshot_->version != version) return std::nullopt;
  std::optional<Snapshot> out = std::move(checkpoint_snapshot_);
  checkpoint_snapshot_.reset();
  return out;
}

Result<Snapshot> DeltaTable::LoadSnapshot(std::optional<int64_t> version) {
  return delta::LoadSnapshot(store_, engine_, version);
}

Status DeltaTable::WriteCheckpoint(const Snapshot& snapshot) {
  ASSIGN_OR_RETURN(ParquetEngine * engine, engine_.Get());
  std::vector<Action> actions =
      snapshot.CheckpointActions(NowMillis() - options_.tombstone_retention_millis);
  std::vector<std::string> lines;
  lines.reserve(actions.size());
  for (const Action& a : actions) lines.push_back(SerializeAction(a));

  // The engine writes a host file; it is then streamed into the store, which
  // publishes it atomically.
  std::error_code tmp_ec;
  std::filesystem::path tmp_dir = std::filesystem::temp_directory_path(tmp_ec);
  if (tmp_ec) tmp_dir = "/tmp";
  std::string tmp = (tmp_dir / ("pond-checkpoint-" + NewUuidV7() + ".parquet")).string();
  Status st = engine->WriteCheckpoint(lines, tmp);
  if (st.ok()) {
    st = [&]() -> Status {
      ASSIGN_OR_RETURN(auto out, store_.OpenWrite(CheckpointKey(snapshot.version), false));
      std::error_code size_ec;
      uintmax_t expected = std::filesystem::file_size(tmp, size_ec);
      FILE* f = std::fopen(tmp.c_str(), "rb");
      if (!f || size_ec) {
        if (f) std::fclose(f);
        return Status::IOError("cannot read the checkpoint the engine wrote");
      }
      IoBuffer buf;
      size_t n;
      Status append;
      while (append.ok() && (n = std::fread(buf.data(), 1, buf.size(), f)) > 0) {
        append = out->Append(std::string_view(buf.data(), n));
      }
      bool read_failed = std::ferror(f) != 0;
      std::fclose(f);
      RETURN_IF_ERROR(append);
      // A short read must never publish a truncated checkpoint.
      if (read_failed || out->size() != expected) {
        return Status::IOError("cannot read the checkpoint the engine wrote");
      }
      return out->Commit();
    }();
  }
  std::error_code ec;
  std::filesystem::remove(tmp, ec);
  RETURN_IF_ERROR(st);
  CheckpointFiles cp;
  cp.version = snapshot.version;
  cp.parts[1] = CheckpointKey(snapshot.version);
  return WriteLastCheckpoint(store_, cp, static_cast<int64_t>(actions.size()));
}

}  // namespace pond::delta
