// Compaction of the operation log's data files (pond maintain).
//
// A partition's small files are merged by the Parquet engine into one file,
// which it reads back and checks against its inputs (row count and a hash of
// every row) before the file is published. The Delta commit then removes the
// small files and adds the merged one, all with dataChange false: the index
// applies it as a commit with no rows, and a rebuild from a later checkpoint
// reads the merged file instead of the small ones. The small files stay in
// the store (older commits name them, so Delta time travel and `pond gc`
// keep them).
#include <algorithm>
#include <charconv>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>

#include "delta/log_files.h"
#include "tlogfs/log_reader.h"
#include "tlogfs/pond.h"
#include "util/counters.h"
#include "util/hash.h"
#include "util/time.h"
#include "util/url.h"
#include "util/warnings.h"

namespace pond::tlogfs {
namespace {

std::string Decoded(const std::string& path) {
  auto d = PercentDecode(path);
  return d.ok() ? *d : path;
}

// The threshold in `metadata`, or the default when it is not set or not a
// number.
int64_t ThresholdOf(const delta::Metadata& metadata) {
  auto it = metadata.configuration.find(kAutoMaintainProperty);
  if (it == metadata.configuration.end()) return kDefaultAutoMaintainFiles;
  int64_t n = 0;
  const std::string& text = it->second;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc() || p != text.data() + text.size() || n < 0) {
    return kDefaultAutoMaintainFiles;
  }
  return n;
}

}  // namespace

Result<int64_t> Pond::CommitWithoutRows(std::vector<delta::Action> actions,
                                        const std::string& operation,
                                        const std::string& extra_commit_info) {
  ASSIGN_OR_RETURN(int64_t version,
                   table_->Commit(state_.delta_version, std::move(actions),
                                  delta::CommitOptions{.operation = operation,
                                                       .extra_commit_info = extra_commit_info}));
  GlobalCounters().delta_commits++;
  auto written = store_->Get(delta::CommitKey(version));
  state_ = {table_id_, version, state_.last_txn, written.ok() ? CommitFingerprint(*written) : ""};
  // No pond transaction: txn_seq 0 records the version and nothing else.
  ApplyCommitToIndex({0, version, 0, "", 0}, {}, state_.commit_sha);
  return version;
}

Result<MaintainReport> Pond::Maintain(const MaintainOptions& options) {
  if (!txn_) return Status::Internal("maintain needs the writer lock");
  if (TxnHasWrites()) return Status::Internal("maintain runs in a transaction of its own");
  ASSIGN_OR_RETURN(delta::Snapshot snapshot, table_->LoadSnapshot(state_.delta_version));
  return MaintainSnapshot(snapshot, options);
}

Result<MaintainReport> Pond::MaintainSnapshot(const delta::Snapshot& snapshot,
                                              const MaintainOptions& options) {
  PhaseTimer timer("maintain");
  MaintainReport report;
  report.auto_threshold = ThresholdOf(snapshot.metadata);
  std::map<std::string, std::vector<const delta::AddFile*>> small;  // part_id -> its small files
  std::map<std::string, int> parts;
  for (const auto& [path, add] : snapshot.files) {
    ++report.files_before;
    report.bytes_before += add.size;
    auto part = add.partition_values.find("part_id");
    if (part == add.partition_values.end() || !part->second) continue;
    ++parts[*part->second];
    if (add.size < kSmallDataFileBytes) small[*part->second].push_back(&add);
  }
  report.partitions = static_cast<int64_t>(parts.size());
  report.files_after = report.files_before;
  report.bytes_after = report.bytes_before;
  const size_t min_files = static_cast<size_t>(std::max<int64_t>(2, options.min_files));

  std::vector<delta::Action> actions;
  ParquetEngine* engine = nullptr;
  const int64_t now = NowMillis();
  for (auto& [part_id, files] : small) {
    if (files.size() < min_files) continue;
    // Oldest first, as they were committed.
    std::sort(files.begin(), files.end(), [](const delta::AddFile* a, const delta::AddFile* b) {
      return std::tie(a->modification_time, a->path) < std::tie(b->modification_time, b->path);
    });
    PartitionCompaction c;
    c.part_id = part_id;
    c.files = static_cast<int64_t>(files.size());
    for (const delta::AddFile* f : files) c.bytes += f->size;
    if (options.dry_run) {
      report.compacted.push_back(c);
      continue;
    }
    if (!engine) {
      ASSIGN_OR_RETURN(engine, table_->engine().Get());
    }
    std::vector<std::string> hosts;
    for (const delta::AddFile* f : files) {
      ASSIGN_OR_RETURN(std::string host, host_files_.Path(Decoded(f->path)));
      hosts.push_back(std::move(host));
    }
    ASSIGN_OR_RETURN(std::string tmp, host_files_.ScratchPath("compact.parquet"));
    auto rows = engine->MergeFiles(hosts, oplog::DataColumns(), tmp);
    delta::AddFile merged;
    Status st = rows.status();
    if (st.ok()) st = PublishDataFile(part_id, tmp, static_cast<size_t>(*rows), &merged);
    host_files_.Discard(tmp);
    if (!st.ok()) {
      return Status(st.code(),
                    "cannot compact the data files of partition " + part_id + ": " + st.message());
    }
    merged.data_change = false;
    c.rows = *rows;
    c.new_bytes = merged.size;
    for (const delta::AddFile* f : files) {
      delta::RemoveFile rm;
      rm.path = f->path;
      rm.deletion_timestamp = now;
      rm.data_change = false;
      rm.extended_file_metadata = true;
      rm.partition_values = f->partition_values;
      rm.size = f->size;
      actions.push_back(delta::Action::Of(std::move(rm)));
    }
    actions.push_back(delta::Action::Of(std::move(merged)));
    report.files_after -= c.files - 1;
    report.bytes_after += c.new_bytes - c.bytes;
    report.compacted.push_back(c);
  }
  if (actions.empty()) return report;

  int64_t merged_files = 0;
  for (const auto& c : report.compacted) merged_files += c.files;
  nlohmann::json params = {{"minFiles", std::to_string(min_files)},
                           {"partitions", std::to_string(report.compacted.size())},
                           {"filesRemoved", std::to_string(merged_files)}};
  nlohmann::json extra = {{"operationParameters", params},
                          {"pond", {{"maintain", true}, {"command", TxnCommand()}}}};
  ASSIGN_OR_RETURN(report.delta_version,
                   CommitWithoutRows(std::move(actions), "OPTIMIZE", extra.dump()));
  // A checkpoint of the compacted table at once, so that an index rebuilt
  // from the log (a restored pond, a deleted cache) reads the merged files
  // rather than the small ones. Without it the log is still complete.
  // (The commit may have landed on a checkpoint version and written one.)
  if (table_->TakeCheckpointSnapshot(report.delta_version)) return report;
  auto compacted = table_->LoadSnapshot(report.delta_version);
  Status checkpoint = compacted.ok() ? table_->WriteCheckpoint(*compacted) : compacted.status();
  if (!checkpoint.ok()) {
    Warn("no checkpoint was written after maintenance (the log is complete without it): " +
         checkpoint.message());
  }
  return report;
}

Status Pond::SetAutoMaintain(int64_t min_files) {
  if (!txn_) return Status::Internal("setting automatic maintenance needs the writer lock");
  if (min_files < 0) return Status::InvalidArgument("the file count must not be negative");
  ASSIGN_OR_RETURN(delta::Snapshot snapshot, table_->LoadSnapshot(state_.delta_version));
  delta::Metadata metadata = snapshot.metadata;
  metadata.configuration[kAutoMaintainProperty] = std::to_string(min_files);
  nlohmann::json extra = {
      {"operationParameters",
       {{"properties", nlohmann::json{{kAutoMaintainProperty, std::to_string(min_files)}}.dump()}}},
      {"pond", {{"command", TxnCommand()}}}};
  std::vector<delta::Action> actions;
  actions.push_back(delta::Action::Of(std::move(metadata)));
  return CommitWithoutRows(std::move(actions), "SET TBLPROPERTIES", extra.dump()).status();
}

void Pond::AutoMaintain() {
  // The commit's checkpoint was just made from this snapshot: no second replay.
  std::optional<delta::Snapshot> snapshot = table_->TakeCheckpointSnapshot(state_.delta_version);
  if (!snapshot) {
    auto loaded = table_->LoadSnapshot(state_.delta_version);
    if (!loaded.ok()) return;  // the next checkpoint version tries again
    snapshot = std::move(*loaded);
  }
  const int64_t threshold = ThresholdOf(snapshot->metadata);
  if (threshold == 0) return;
  auto report = MaintainSnapshot(*snapshot, {.min_files = threshold});
  if (!report.ok()) {
    Warn("automatic maintenance did not run (the commit is safe): " + report.status().message());
  }
}

}  // namespace pond::tlogfs
