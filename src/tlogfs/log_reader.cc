#include "tlogfs/log_reader.h"

#include <algorithm>

#include "storage/host_files.h"
#include "util/counters.h"
#include "util/fd_read.h"
#include "util/hash.h"
#include "util/url.h"

namespace pond::tlogfs {
namespace {

std::string FirstLine(const std::string& text) { return text.substr(0, text.find('\n')); }

std::string DecodedPath(const std::string& path) {
  auto decoded = PercentDecode(path);
  return decoded.ok() ? *decoded : path;
}

// Reads the rows of one file, or says why it is damaged.
Result<std::vector<oplog::Record>> ReadOneFile(ParquetEngine& engine, const std::string& host,
                                               const DataFile& file) {
  auto rows = engine.ReadRows({host}, oplog::DataColumns(), false);
  if (!rows.ok()) {
    return Status::Corruption("is not readable Parquet of the pond's schema (" +
                              FirstLine(rows.status().message()) + ")");
  }
  return oplog::FromRowBatch(*rows, 0, file.part_id);
}

}  // namespace

namespace {
std::string Fingerprint(std::string_view head, uint64_t size) {
  return Sha256Hex(head.substr(0, kFingerprintBytes)) + ":" + std::to_string(size);
}
}  // namespace

std::string CommitFingerprint(std::string_view text) { return Fingerprint(text, text.size()); }

Result<std::string> StoredCommitFingerprint(ObjectStore& store, int64_t version) {
  const std::string key = delta::CommitKey(version);
  ASSIGN_OR_RETURN(ObjectInfo info, store.Stat(key));
  ASSIGN_OR_RETURN(auto stream, store.OpenRead(key));
  IoBuffer head(kFingerprintBytes);
  size_t got = 0;
  while (got < head.size()) {
    ASSIGN_OR_RETURN(size_t n, stream->Read(head.data() + got, head.size() - got));
    if (n == 0) break;
    got += n;
  }
  return Fingerprint(std::string_view(head.data(), got), info.size);
}

Result<CommitContent> ReadCommit(ObjectStore& store, int64_t version) {
  const std::string key = delta::CommitKey(version);
  auto text = store.Get(key);
  if (text.status().IsNotFound()) return Status::Corruption(key + " is missing");
  RETURN_IF_ERROR(text.status());
  auto actions = delta::ParseCommit(*text);
  if (!actions.ok()) {
    return Status::Corruption(key + " does not parse (" + actions.status().message() + ")");
  }
  CommitContent c;
  c.version = version;
  c.fingerprint = CommitFingerprint(*text);
  for (const auto& a : *actions) {
    if (a.kind == delta::Action::Kind::kCommitInfo) {
      c.info = oplog::ParseTxnInfo(a.commit_info.json);
    } else if (a.kind == delta::Action::Kind::kAdd) {
      auto part = a.add.partition_values.find("part_id");
      if (part == a.add.partition_values.end() || !part->second) {
        return Status::Corruption(key + " adds data file " + a.add.path + " without a part_id");
      }
      (a.add.data_change ? c.files : c.rearranged)
          .push_back({DecodedPath(a.add.path), *part->second, a.add.size, version});
    }
  }
  return c;
}

Result<std::vector<std::vector<oplog::Record>>> ReadDataFiles(ObjectStore& store,
                                                              delta::LazyParquetEngine& lazy,
                                                              const std::vector<DataFile>& files,
                                                              std::vector<DamagedFile>* damaged) {
  std::vector<std::vector<oplog::Record>> out(files.size());
  if (files.empty()) return out;
  HostFiles host_files(store);
  // Files that are there with the size their commit says; the others are damaged.
  std::vector<size_t> present;
  std::vector<std::string> hosts;
  for (size_t i = 0; i < files.size(); ++i) {
    const DataFile& f = files[i];
    auto info = store.Stat(f.path);
    if (info.status().IsNotFound()) {
      damaged->push_back({f.path, f.part_id, f.delta_version, "is missing"});
      continue;
    }
    RETURN_IF_ERROR(info.status());
    if (f.size >= 0 && info->size != static_cast<uint64_t>(f.size)) {
      damaged->push_back({f.path, f.part_id, f.delta_version,
                          "has " + std::to_string(info->size) + " bytes where its commit says " +
                              std::to_string(f.size)});
      continue;
    }
    ASSIGN_OR_RETURN(std::string host, host_files.Path(f.path));
    present.push_back(i);
    hosts.push_back(std::move(host));
  }
  if (present.empty()) return out;
  ASSIGN_OR_RETURN(ParquetEngine * engine, lazy.Get());
  GlobalCounters().data_files_read += static_cast<int64_t>(hosts.size());
  // One scan of every file is fast; when it fails, find the bad ones one by one.
  auto rows = engine->ReadRows(hosts, oplog::DataColumns(), true);
  if (rows.ok()) {
    std::vector<RowBatch> per_file(present.size());
    for (auto& b : per_file) b.columns = rows->columns;
    for (auto& row : rows->rows) {
      const int64_t* index = std::get_if<int64_t>(&row[0]);
      if (!index || *index < 0 || static_cast<size_t>(*index) >= present.size()) {
        return Status::Internal("a scan of the log's data files returned a bad file index");
      }
      per_file[static_cast<size_t>(*index)].rows.push_back(std::move(row));
    }
    bool all_good = true;
    for (size_t k = 0; k < present.size(); ++k) {
      const DataFile& f = files[present[k]];
      auto records = oplog::FromRowBatch(per_file[k], 1, f.part_id);
      if (!records.ok()) {
        all_good = false;
        break;
      }
      out[present[k]] = std::move(*records);
      per_file[k] = RowBatch();  // its cells are records now: not both at once
    }
    if (all_good) return out;
  }
  for (size_t k = 0; k < present.size(); ++k) {
    const DataFile& f = files[present[k]];
    auto records = ReadOneFile(*engine, hosts[k], f);
    if (!records.ok()) {
      out[present[k]].clear();
      damaged->push_back({f.path, f.part_id, f.delta_version, records.status().message()});
      continue;
    }
    out[present[k]] = std::move(*records);
  }
  return out;
}

Result<std::string> LogTableId(ObjectStore& store, const delta::LogListing& listing,
                               delta::LazyParquetEngine& engine) {
  if (listing.commits.count(0)) {
    auto text = store.Get(delta::CommitKey(0));
    if (text.ok()) {
      auto actions = delta::ParseCommit(*text);
      if (actions.ok()) {
        for (const auto& a : *actions) {
          if (a.kind == delta::Action::Kind::kMetadata && !a.metadata.id.empty()) {
            return a.metadata.id;
          }
        }
      }
    }
    return Status::Corruption("the pond's first commit " + delta::CommitKey(0) +
                              " is unreadable or has no metaData");
  }
  // The log was cleaned up to a checkpoint: its metaData names the table.
  auto snapshot = delta::LoadSnapshot(store, engine);
  if (!snapshot.ok()) {
    return Status::Corruption("cannot tell which table the pond's log is: " +
                              snapshot.status().message());
  }
  if (snapshot->metadata.id.empty()) return Status::Corruption("the pond's log has no table id");
  return snapshot->metadata.id;
}

}  // namespace pond::tlogfs
