#include "tlogfs/index_sync.h"

#include <algorithm>
#include <map>

#include "tlogfs/log_reader.h"
#include "util/counters.h"
#include "util/warnings.h"

namespace pond::tlogfs {
namespace {

Status LogDamage(const Status& why) {
  return Status::Corruption("the pond's log is damaged: " + why.message());
}

// The transaction row for commit `c` holding `records`.
TxnRow RowFor(const CommitContent& c, const std::vector<oplog::Record>& records) {
  TxnRow t;
  t.delta_version = c.version;
  t.records = static_cast<int64_t>(records.size());
  if (c.info) {
    t.txn_seq = c.info->txn_seq;
    t.timestamp = c.info->timestamp;
    t.command = c.info->command;
  } else if (!records.empty()) {  // another Delta writer: no pond transaction info
    t.txn_seq = records.front().txn_seq;
    t.timestamp = records.front().timestamp;
    t.command = "(written by another Delta writer)";
  }
  if (t.timestamp == 0 && !records.empty()) t.timestamp = records.front().timestamp;
  return t;
}

// Reads commits [from, to] until one is damaged. Returns those read; `damage`
// is set to the first damaged one's error.
Result<std::vector<CommitContent>> ReadCommits(ObjectStore& store, int64_t from, int64_t to,
                                               Status* damage) {
  std::vector<CommitContent> out;
  for (int64_t v = from; v <= to; ++v) {
    auto c = ReadCommit(store, v);
    if (c.status().code() == StatusCode::kCorruption) {
      *damage = LogDamage(c.status());
      break;
    }
    RETURN_IF_ERROR(c.status());
    out.push_back(std::move(*c));
  }
  return out;
}

// The data files of `commits`, in order, and where each commit's files start.
std::vector<DataFile> FilesOf(const std::vector<CommitContent>& commits) {
  std::vector<DataFile> files;
  for (const auto& c : commits) files.insert(files.end(), c.files.begin(), c.files.end());
  return files;
}

Result<SyncOutcome> CatchUp(Index& index, ObjectStore& store, delta::LazyParquetEngine& engine,
                            const LogView& view, int64_t from, int64_t to) {
  PhaseTimer timer("catch up index");
  SyncOutcome out;
  ASSIGN_OR_RETURN(auto commits, ReadCommits(store, from, to, &out.health));
  std::vector<DamagedFile> damaged;
  ASSIGN_OR_RETURN(auto rows, ReadDataFiles(store, engine, FilesOf(commits), &damaged));
  size_t file = 0;
  for (const auto& c : commits) {
    std::vector<oplog::Record> records;
    for (size_t i = 0; i < c.files.size(); ++i, ++file) {
      for (auto& r : rows[file]) records.push_back(std::move(r));
    }
    std::vector<DamagedFile> mine;
    for (const auto& d : damaged) {
      if (d.delta_version == c.version) mine.push_back(d);
    }
    RETURN_IF_ERROR(index.Apply(RowFor(c, records), records, view.table_id, c.fingerprint, mine));
  }
  out.intact_version = commits.empty() ? from - 1 : commits.back().version;
  if (out.health.ok() && out.intact_version < view.latest) {
    out.health =
        LogDamage(Status::Corruption(delta::CommitKey(out.intact_version + 1) + " is missing"));
  }
  // An index stopped short by damage must never pass a reader's quick check.
  if (!out.health.ok()) RETURN_IF_ERROR(index.SetCommitSha(out.intact_version, ""));
  return out;
}

// Whether a piece of the log's data files is as large as a rebuild reads at
// once: enough files for DuckDB's scan to be worth its start, few enough rows
// to keep the rebuild's memory flat.
bool PieceFull(const std::vector<DataFile>& piece) {
  constexpr size_t kMaxFiles = 256;
  constexpr int64_t kMaxBytes = 16 << 20;
  int64_t bytes = 0;
  for (const DataFile& f : piece) bytes += std::max<int64_t>(f.size, 0);
  return piece.size() >= kMaxFiles || bytes >= kMaxBytes;
}

Result<SyncOutcome> Rebuild(Index& index, ObjectStore& store, delta::LazyParquetEngine& engine,
                            const LogView& view) {
  PhaseTimer timer("rebuild index");
  SyncOutcome out;
  out.rebuilt = true;
  const auto& listing = view.listing;
  // The base: the newest complete checkpoint, unless it cannot be read and
  // the commits before it are all there.
  std::optional<int64_t> checkpoint;
  for (auto it = listing.checkpoints.rbegin(); it != listing.checkpoints.rend(); ++it) {
    if (it->second.complete()) {
      checkpoint = it->first;
      break;
    }
  }
  std::vector<DataFile> base_files;
  // txn_seq -> the commit's info and Delta version, from the commits that remain
  std::map<int64_t, std::pair<oplog::TxnInfo, int64_t>> infos;
  int64_t next = 0;
  if (checkpoint) {
    auto snapshot = delta::LoadSnapshot(store, engine, *checkpoint);
    if (snapshot.ok()) {
      for (const std::string& w : snapshot->warnings) Warn(w);
    }
    if (!snapshot.ok()) {
      out.health = LogDamage(snapshot.status());
      out.intact_version = -1;
      RETURN_IF_ERROR(index.Replace({view.table_id, -1, 0, ""}, {}, {}));
      return out;
    }
    for (const auto& [path, add] : snapshot->files) {
      auto part = add.partition_values.find("part_id");
      if (part == add.partition_values.end() || !part->second) continue;
      base_files.push_back({path, *part->second, add.size, *checkpoint});
    }
    // The commit infos that remain, for the log's command lines.
    for (const auto& [v, key] : listing.commits) {
      if (v > *checkpoint) break;
      auto c = ReadCommit(store, v);
      if (c.ok() && c->info) infos[c->info->txn_seq] = {*c->info, v};
    }
    next = *checkpoint + 1;
  }
  ASSIGN_OR_RETURN(auto commits, ReadCommits(store, next, view.latest, &out.health));
  int64_t last = commits.empty() ? next - 1 : commits.back().version;
  // The newest commit's hash, for readers' quick check (when its file is
  // there, and never for an index stopped short by damage).
  std::string last_sha = commits.empty() ? "" : commits.back().fingerprint;
  if (!out.health.ok() || last < view.latest) last_sha.clear();
  if (out.health.ok() && commits.empty() && last >= 0 && listing.commits.count(last)) {
    auto c = ReadCommit(store, last);
    if (c.ok()) last_sha = c->fingerprint;
  }

  // The rows go into the index a piece of the log at a time, so a rebuild
  // holds one piece in memory however large the pond.
  RETURN_IF_ERROR(index.ReplaceInBulk(view.table_id, last, [&](Index::Bulk& bulk) -> Status {
    std::vector<DamagedFile> damaged;
    for (size_t begin = 0, end = 0; begin < base_files.size(); begin = end) {
      std::vector<DataFile> piece;
      for (end = begin; end < base_files.size() && !PieceFull(piece); ++end) {
        piece.push_back(base_files[end]);
      }
      ASSIGN_OR_RETURN(auto rows, ReadDataFiles(store, engine, piece, &damaged));
      for (const auto& records : rows) RETURN_IF_ERROR(bulk.AddRecords(records));
    }
    // The commits after the checkpoint, whole commits to a piece: each gives
    // the row of its own transaction.
    std::map<int64_t, TxnRow> commit_rows;
    for (size_t begin = 0, end = 0; begin < commits.size(); begin = end) {
      std::vector<DataFile> piece;
      for (end = begin; end < commits.size() && !PieceFull(piece); ++end) {
        piece.insert(piece.end(), commits[end].files.begin(), commits[end].files.end());
      }
      ASSIGN_OR_RETURN(auto rows, ReadDataFiles(store, engine, piece, &damaged));
      size_t file = 0;
      for (size_t c = begin; c < end; ++c) {
        std::vector<oplog::Record> records;
        for (size_t i = 0; i < commits[c].files.size(); ++i, ++file) {
          for (auto& r : rows[file]) records.push_back(std::move(r));
        }
        TxnRow row = RowFor(commits[c], records);
        if (row.txn_seq == 0) continue;
        RETURN_IF_ERROR(bulk.AddRecords(records));
        commit_rows[row.txn_seq] = row;
      }
    }
    RETURN_IF_ERROR(bulk.DeriveEntries());

    // A row for every transaction: a commit's from the commit, one known only
    // from the checkpoint's rows from those rows and the commit infos left.
    int64_t last_txn = 0;
    auto next_commit = commit_rows.begin();
    auto add = [&](TxnRow row) {
      last_txn = std::max(last_txn, row.txn_seq);
      return bulk.AddTxn(row);
    };
    RETURN_IF_ERROR(bulk.ForEachTxn([&](int64_t seq, int64_t count, int64_t first_time) -> Status {
      for (; next_commit != commit_rows.end() && next_commit->first < seq; ++next_commit) {
        RETURN_IF_ERROR(add(next_commit->second));  // a commit without rows
      }
      TxnRow row;
      if (next_commit != commit_rows.end() && next_commit->first == seq) {
        row = (next_commit++)->second;
      } else {  // from the checkpoint: its commit may be gone
        row.txn_seq = seq;
        auto info = infos.find(seq);
        if (info != infos.end()) {
          row.timestamp = info->second.first.timestamp;
          row.command = info->second.first.command;
          row.delta_version = info->second.second;
        } else {
          row.command = kCleanedCommand;
          // A guess: a pond commits transaction N as version N-1, unless a
          // commit without a transaction (maintenance, a table property) came first.
          row.delta_version = seq - 1;
        }
        if (row.timestamp == 0) row.timestamp = first_time;
      }
      row.records = count;
      return add(row);
    }));
    for (; next_commit != commit_rows.end(); ++next_commit) {
      RETURN_IF_ERROR(add(next_commit->second));
    }
    RETURN_IF_ERROR(bulk.AddDamaged(damaged));
    return bulk.SaveState({view.table_id, last, last_txn, last_sha});
  }));
  out.intact_version = last;
  if (out.health.ok() && last < view.latest) {
    out.health = LogDamage(Status::Corruption(delta::CommitKey(last + 1) + " is missing"));
  }
  return out;
}

}  // namespace

Result<LogView> ReadLogView(ObjectStore& store, delta::LazyParquetEngine& engine) {
  LogView view;
  ASSIGN_OR_RETURN(view.listing, delta::ListLog(store));
  auto latest = view.listing.latest_version();
  if (!latest) return Status::NotFound("the log holds no commit");
  view.latest = *latest;
  ASSIGN_OR_RETURN(view.table_id, LogTableId(store, view.listing, engine));
  return view;
}

bool IsCurrent(const IndexState& state, const LogView& view) {
  return state.delta_version >= 0 && state.table_id == view.table_id &&
         state.delta_version == view.latest;
}

Result<SyncOutcome> SyncIndex(Index& index, ObjectStore& store, delta::LazyParquetEngine& engine,
                              LogView& view) {
  ASSIGN_OR_RETURN(IndexState state, index.State());
  const bool usable = state.delta_version >= 0 && state.table_id == view.table_id;
  // A writer may have committed and applied its commit since `view` was listed.
  for (int attempt = 0; usable && state.delta_version > view.latest && attempt < 2; ++attempt) {
    ASSIGN_OR_RETURN(view, ReadLogView(store, engine));
  }
  if (!usable) return Rebuild(index, store, engine, view);
  SyncOutcome out;
  const int64_t v = state.delta_version;
  if (v == view.latest) {
    out.intact_version = v;
    return out;
  }
  if (v > view.latest) {
    // The index saw commits that the log no longer holds.
    out.intact_version = view.latest;
    out.health = LogDamage(Status::Corruption(delta::CommitKey(view.latest + 1) +
                                              " is missing, though version " + std::to_string(v) +
                                              " was committed"));
    return out;
  }
  std::optional<int64_t> missing;
  for (int64_t k = v + 1; k <= view.latest; ++k) {
    if (!view.listing.commits.count(k)) {
      missing = k;
      break;
    }
  }
  if (missing) {
    // Commits cleaned up behind a newer checkpoint are no damage: rebuild from it.
    for (auto it = view.listing.checkpoints.rbegin(); it != view.listing.checkpoints.rend(); ++it) {
      if (!it->second.complete()) continue;
      if (it->first >= *missing) return Rebuild(index, store, engine, view);
      break;
    }
    return CatchUp(index, store, engine, view, v + 1, *missing - 1);
  }
  return CatchUp(index, store, engine, view, v + 1, view.latest);
}

}  // namespace pond::tlogfs
