#include "remote/replicate.h"

#include <cstdlib>
#include <map>
#include <set>

#include "delta/actions.h"
#include "delta/log_files.h"
#include "oplog/record.h"
#include "remote/s3_store.h"
#include "tlogfs/log_reader.h"
#include "util/fd_read.h"
#include "util/hash.h"
#include "util/text.h"
#include "util/url.h"
#include "util/utf8.h"

namespace pond::remote {
namespace {

// The files commits (after, up_to] of `store` name: data files with their
// recorded sizes, blobs with theirs. Data files that are missing, of another
// size, or unreadable are added to `damaged` (their blobs cannot be known).
struct Named {
  std::map<std::string, int64_t> data;       // key -> size (-1: unrecorded)
  std::map<std::string, uint64_t> blobs;     // key -> size
  std::vector<std::string> inline_problems;  // inline contents that fail their hash
};

std::string Decoded(const std::string& path) {
  auto d = PercentDecode(path);
  return d.ok() ? *d : path;
}

Result<Named> NamedFiles(ObjectStore& store, delta::LazyParquetEngine& engine, int64_t after,
                         int64_t up_to, std::vector<tlogfs::DamagedFile>* damaged) {
  Named named;
  std::vector<tlogfs::DataFile> files;
  for (int64_t v = after + 1; v <= up_to; ++v) {
    ASSIGN_OR_RETURN(tlogfs::CommitContent commit, tlogfs::ReadCommit(store, v));
    // Compacted files too: their rows are there already, but a replica's
    // later checkpoints name them.
    for (auto* list : {&commit.files, &commit.rearranged}) {
      for (tlogfs::DataFile& f : *list) {
        named.data[f.path] = f.size;
        files.push_back(std::move(f));
      }
    }
  }
  ASSIGN_OR_RETURN(auto rows, tlogfs::ReadDataFiles(store, engine, files, damaged));
  for (const auto& file : rows) {
    for (const oplog::Record& r : file) {
      if (!r.content && !r.sha256.empty()) {
        named.blobs[oplog::BlobKey(r.sha256)] = static_cast<uint64_t>(r.size);
      } else if (r.content && !r.sha256.empty() && Sha256Hex(*r.content) != r.sha256) {
        named.inline_problems.push_back("the inline content of node " + r.node_id + " version " +
                                        std::to_string(r.version) + " does not match its SHA-256");
      }
    }
  }
  return named;
}

// The newest commit version in `listing`, -1 when there is none.
int64_t Head(const delta::LogListing& listing) {
  return listing.commits.empty() ? -1 : listing.commits.rbegin()->first;
}

// Copies object `key` from `from` to `to` (never replacing one there),
// checking its size and, for a blob, its SHA-256 on the way.
Status CopyObject(ObjectStore& from, ObjectStore& to, const std::string& key,
                  std::optional<uint64_t> size, uint64_t& done, uint64_t total,
                  const Progress& progress) {
  ASSIGN_OR_RETURN(auto in, from.OpenRead(key));
  ASSIGN_OR_RETURN(auto out, to.OpenWrite(key, /*if_absent=*/true));
  std::optional<std::string> sha = oplog::BlobHashOfKey(key);
  std::optional<AsyncSha256> hasher;
  if (sha) hasher.emplace();
  IoBuffer buf;
  while (true) {
    ASSIGN_OR_RETURN(size_t n, in->Read(buf.data(), buf.size()));
    if (n == 0) break;
    std::string_view chunk(buf.data(), n);
    RETURN_IF_ERROR(out->Append(chunk));
    if (hasher) hasher->Update(chunk);
    done += n;
    if (progress) progress(done, total);
  }
  if (size && out->size() != *size) {
    return Status::Corruption(key + " has " + std::to_string(out->size()) +
                              " bytes where the log records " + std::to_string(*size));
  }
  if (hasher && hasher->FinishHex() != *sha) {
    return Status::Corruption(key + " is damaged: its bytes do not have the SHA-256 its name says");
  }
  Status st = out->Commit();
  if (st.code() == StatusCode::kAlreadyExists) return Status::OK();  // a racing copy made it
  return st;
}

}  // namespace

Status CheckRemoteUrl(const std::string& url) {
  // The URL is kept in the pond's JSON: other bytes go in as %XX.
  if (!IsUtf8(url)) {
    return Status::InvalidArgument(
        "a remote's URL must be UTF-8 text (write other bytes as %XX), not '" +
        EscapeNonUtf8(EscapeControl(url)) + "'");
  }
  if (url.rfind("file://", 0) == 0) {
    ASSIGN_OR_RETURN(std::string path, PercentDecode(url.substr(7)));
    if (path.find('\0') != std::string::npos) {
      return Status::InvalidArgument("a file:// remote's path may not hold a NUL byte");
    }
    if (path.empty() || path[0] != '/') {
      return Status::InvalidArgument(
          "a file:// remote needs an absolute path (file:///dir), not '" + EscapeControl(url) +
          "'");
    }
    return Status::OK();
  }
  if (url.rfind("s3://", 0) == 0) return ParseS3Url(url).status();
  return Status::InvalidArgument("'" + EscapeControl(url) +
                                 "' is not a remote URL (file:///dir or s3://bucket/prefix)");
}

Result<std::unique_ptr<ObjectStore>> OpenRemoteStore(const std::string& url,
                                                     const RemoteOptions& options, bool create) {
  RETURN_IF_ERROR(CheckRemoteUrl(url));
  if (url.rfind("file://", 0) == 0) {
    ASSIGN_OR_RETURN(std::string path, PercentDecode(url.substr(7)));
    auto store = OpenLocalStore(path, create);
    if (store.status().IsNotFound()) {
      return Status::NotFound("there is no remote at " + EscapeControl(url));
    }
    return store;
  }
  ASSIGN_OR_RETURN(S3Location location, ParseS3Url(url));
  // As the AWS tools do, the environment can name the service and region.
  auto env = [](const char* a, const char* b) -> std::string {
    for (const char* name : {a, b}) {
      if (const char* v = std::getenv(name); v && *v) return v;
    }
    return "";
  };
  location.endpoint =
      options.endpoint.empty() ? env("AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL") : options.endpoint;
  std::string region =
      options.region.empty() ? env("AWS_REGION", "AWS_DEFAULT_REGION") : options.region;
  if (!region.empty()) location.region = region;
  if (options.credentials) return OpenS3Store(location, *options.credentials);
  ASSIGN_OR_RETURN(Credentials credentials, CredentialsFromEnvironment());
  return OpenS3Store(location, credentials);
}

Result<CopyReport> Replicate(ObjectStore& from, ObjectStore& to, delta::LazyParquetEngine& engine,
                             std::optional<int64_t> up_to, const Progress& progress,
                             const Sides& sides) {
  ASSIGN_OR_RETURN(delta::LogListing source, delta::ListLog(from));
  ASSIGN_OR_RETURN(delta::LogListing dest, delta::ListLog(to));
  CopyReport report;
  const int64_t source_head = Head(source);
  if (source_head < 0) return Status::NotFound(sides.from + " holds no pond history");
  const int64_t last = up_to ? std::min(*up_to, source_head) : source_head;
  report.before = report.after = Head(dest);
  if (report.before >= 0) {
    ASSIGN_OR_RETURN(std::string ours, tlogfs::LogTableId(from, source, engine));
    ASSIGN_OR_RETURN(std::string theirs, tlogfs::LogTableId(to, dest, engine));
    if (ours != theirs) {
      return Status::Conflict(sides.to + " holds another pond's history (pond id " + theirs + "; " +
                              sides.from + " is " + ours + ")");
    }
    if (report.before > source_head) {
      return Status::Conflict(sides.to + " has transactions " + sides.from +
                              " lacks (Delta version " + std::to_string(report.before) + " > " +
                              std::to_string(source_head) + ")");
    }
    if (static_cast<int64_t>(dest.commits.size()) != report.before + 1) {
      int64_t missing = 0;
      while (dest.commits.count(missing)) ++missing;
      return Status::Conflict(sides.to + " is damaged: its commit " + delta::CommitKey(missing) +
                              " is missing (pond verify tells more)");
    }
    // The destination's newest commit must be the source's of that version:
    // commits carry their transaction's time and id, so two histories that
    // parted differ there.
    ASSIGN_OR_RETURN(std::string a, from.Get(delta::CommitKey(report.before)));
    ASSIGN_OR_RETURN(std::string b, to.Get(delta::CommitKey(report.before)));
    if (a != b) {
      return Status::Conflict("the histories of " + sides.to + " and " + sides.from +
                              " have diverged at Delta version " + std::to_string(report.before));
    }
  }
  if (report.before >= last) return report;

  // The files the new commits name that the destination lacks, data first.
  std::vector<tlogfs::DamagedFile> damaged;
  ASSIGN_OR_RETURN(Named named, NamedFiles(from, engine, report.before, last, &damaged));
  if (!damaged.empty()) {
    return Status::Corruption(sides.from + " is damaged: " + damaged[0].path + " " +
                              damaged[0].reason + " (pond fsck tells more)");
  }
  ASSIGN_OR_RETURN(std::vector<std::string> have_keys, to.ListKeys(""));
  std::set<std::string> have(have_keys.begin(), have_keys.end());
  std::vector<std::pair<std::string, std::optional<uint64_t>>> copy;
  uint64_t total = 0;
  for (const auto& [key, size] : named.blobs) {
    if (have.count(key)) continue;
    copy.emplace_back(key, size);
    total += size;
  }
  for (const auto& [key, size] : named.data) {
    if (have.count(key)) continue;
    copy.emplace_back(key, size >= 0 ? std::optional<uint64_t>(size) : std::nullopt);
    total += size >= 0 ? static_cast<uint64_t>(size) : 0;
  }
  uint64_t done = 0;
  for (const auto& [key, size] : copy) {
    RETURN_IF_ERROR(CopyObject(from, to, key, size, done, total, progress));
    ++report.files;
  }
  report.bytes = done;

  // Then the commits, in order, each only if absent.
  for (int64_t v = report.before + 1; v <= last; ++v) {
    std::string key = delta::CommitKey(v);
    ASSIGN_OR_RETURN(std::string text, from.Get(key));
    Status st = to.PutIfAbsent(key, text);
    if (st.code() == StatusCode::kAlreadyExists) {
      // Another copy got there first: fine if it wrote the same commit.
      ASSIGN_OR_RETURN(std::string there, to.Get(key));
      if (there != text) {
        return Status::Conflict("the histories of " + sides.to + " and " + sides.from +
                                " have diverged at Delta version " + std::to_string(v));
      }
    } else {
      RETURN_IF_ERROR(st);
      ++report.commits;
      report.bytes += text.size();
    }
    report.after = v;
  }
  // Checkpoints up to the last commit (a reader's shortcut; the log is the truth).
  const delta::CheckpointFiles* newest = nullptr;
  for (const auto& [v, checkpoint] : source.checkpoints) {
    if (v > last || !checkpoint.complete()) continue;
    newest = &checkpoint;
    for (const std::string& key : checkpoint.keys()) {
      if (have.count(key)) continue;
      ASSIGN_OR_RETURN(std::string bytes, from.Get(key));
      Status st = to.PutIfAbsent(key, bytes);
      if (st.code() != StatusCode::kAlreadyExists) RETURN_IF_ERROR(st);
      report.bytes += bytes.size();
    }
  }
  if (newest) {
    auto hint = delta::ReadLastCheckpointHint(from);
    if (hint && hint->version == newest->version) {
      ASSIGN_OR_RETURN(std::string text, from.Get(delta::kLastCheckpointKey));
      RETURN_IF_ERROR(to.Put(delta::kLastCheckpointKey, text));
    }
  }
  return report;
}

Result<VerifyReport> Verify(ObjectStore& store, ObjectStore* local,
                            delta::LazyParquetEngine& engine, bool deep) {
  VerifyReport report;
  ASSIGN_OR_RETURN(delta::LogListing listing, delta::ListLog(store));
  const int64_t head = Head(listing);
  if (head < 0) {
    report.problems.push_back("the remote holds no pond history");
    return report;
  }
  // Contiguous, parseable commits.
  int64_t readable = -1;  // commits 0..readable are all there and parse
  for (int64_t v = 0; v <= head; ++v) {
    if (!listing.commits.count(v)) {
      report.problems.push_back("commit " + delta::CommitKey(v) + " is missing");
      break;
    }
    auto commit = tlogfs::ReadCommit(store, v);
    if (!commit.ok()) {
      report.problems.push_back(commit.status().message());
      break;
    }
    readable = v;
    ++report.commits;
  }
  // Every file those commits name.
  std::vector<tlogfs::DamagedFile> damaged;
  ASSIGN_OR_RETURN(Named named, NamedFiles(store, engine, -1, readable, &damaged));
  for (const tlogfs::DamagedFile& d : damaged) {
    report.problems.push_back("data file " + d.path + " " + d.reason);
  }
  for (const std::string& p : named.inline_problems) {
    if (deep) report.problems.push_back(p);
  }
  // Every checkpoint names exactly the files its commits leave live.
  std::set<std::string> live;
  int64_t replayed = -1;
  for (const auto& [v, checkpoint] : listing.checkpoints) {
    if (v > readable) break;
    for (; replayed < v; ++replayed) {
      ASSIGN_OR_RETURN(std::string text, store.Get(delta::CommitKey(replayed + 1)));
      auto actions = delta::ParseCommit(text);
      if (!actions.ok()) break;
      for (const auto& a : *actions) {
        if (a.kind == delta::Action::Kind::kAdd) live.insert(Decoded(a.add.path));
        if (a.kind == delta::Action::Kind::kRemove) live.erase(Decoded(a.remove.path));
      }
    }
    std::string name = delta::CheckpointKey(v);
    if (!checkpoint.complete()) {
      report.problems.push_back("checkpoint " + name + " is missing parts");
      continue;
    }
    auto snapshot = delta::LoadSnapshot(store, engine, v);
    if (!snapshot.ok()) {
      report.problems.push_back("checkpoint " + name +
                                " does not read: " + snapshot.status().message());
      continue;
    }
    std::set<std::string> listed;
    for (const auto& [path, add] : snapshot->files) listed.insert(path);
    if (listed != live) {
      report.problems.push_back("checkpoint " + name + " names other files than commits 0.." +
                                std::to_string(v) + " leave");
    }
  }
  report.data_files = static_cast<int64_t>(named.data.size());
  for (const auto& [key, size] : named.data) report.bytes += size >= 0 ? size : 0;
  // (Data files are always read, deep or not: that is how their blobs are known.)
  for (const auto& [key, size] : named.blobs) {
    ++report.blobs;
    report.bytes += size;
    auto info = store.Stat(key);
    if (info.status().IsNotFound()) {
      report.problems.push_back("blob " + key + " is missing");
      continue;
    }
    RETURN_IF_ERROR(info.status());
    if (info->size != size) {
      report.problems.push_back("blob " + key + " has " + std::to_string(info->size) +
                                " bytes where the log records " + std::to_string(size));
      continue;
    }
    if (!deep) continue;
    ASSIGN_OR_RETURN(auto in, store.OpenRead(key));
    Sha256 hasher;
    IoBuffer buf;
    while (true) {
      ASSIGN_OR_RETURN(size_t n, in->Read(buf.data(), buf.size()));
      if (n == 0) break;
      hasher.Update(std::string_view(buf.data(), n));
    }
    if ("_large_files/sha256=" + hasher.FinishHex() != key) {
      report.problems.push_back("blob " + key + " is damaged (its SHA-256 does not match)");
    }
  }
  // The remote's history is the local one, or an earlier state of it.
  if (local) {
    ASSIGN_OR_RETURN(delta::LogListing ours, delta::ListLog(*local));
    auto local_id = tlogfs::LogTableId(*local, ours, engine);
    auto remote_id = tlogfs::LogTableId(store, listing, engine);
    if (local_id.ok() && remote_id.ok() && *local_id != *remote_id) {
      report.problems.push_back("the remote holds another pond's history (pond id " + *remote_id +
                                ", this pond's is " + *local_id + ")");
    } else if (head > Head(ours)) {
      report.problems.push_back("the remote has transactions this pond lacks (Delta version " +
                                std::to_string(head) + " > " + std::to_string(Head(ours)) + ")");
    } else if (readable == head) {
      auto a = store.Get(delta::CommitKey(head));
      auto b = local->Get(delta::CommitKey(head));
      if (a.ok() && b.ok() && *a != *b) {
        report.problems.push_back(
            "the remote's history has diverged from this pond's at Delta "
            "version " +
            std::to_string(head));
      }
    }
  }
  return report;
}

Result<int64_t> VersionOfTxn(ObjectStore& store, int64_t txn) {
  ASSIGN_OR_RETURN(delta::LogListing listing, delta::ListLog(store));
  std::vector<int64_t> versions;
  for (const auto& [v, key] : listing.commits) versions.push_back(v);
  // The pond transaction of commit versions[i], or of the first pond commit
  // after it (commits of maintenance and of other Delta writers have none);
  // nullopt when none follows.
  using TxnAt = std::optional<std::pair<int64_t, int64_t>>;  // (transaction, version)
  auto pond_txn_from = [&](size_t i) -> Result<TxnAt> {
    for (size_t k = i; k < versions.size(); ++k) {
      ASSIGN_OR_RETURN(tlogfs::CommitContent commit, tlogfs::ReadCommit(store, versions[k]));
      if (commit.info) return TxnAt(std::make_pair(commit.info->txn_seq, versions[k]));
    }
    return TxnAt();
  };
  // Transactions grow with versions: find the first pond commit whose
  // transaction is at least `txn`. A pond alone numbers transaction N as
  // version N-1, and maintenance commits only move it later.
  size_t lo = 0, hi = versions.size();
  auto first_guess = std::lower_bound(versions.begin(), versions.end(), txn - 1);
  if (first_guess != versions.end()) {
    ASSIGN_OR_RETURN(auto at, pond_txn_from(static_cast<size_t>(first_guess - versions.begin())));
    if (at && at->first == txn) return at->second;
  }
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    ASSIGN_OR_RETURN(TxnAt at, pond_txn_from(mid));
    if (at && at->first < txn) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  if (lo < versions.size()) {
    ASSIGN_OR_RETURN(auto at, pond_txn_from(lo));
    if (at && at->first == txn) return at->second;
  }
  return Status::NotFound("the remote has no transaction " + std::to_string(txn));
}

}  // namespace pond::remote
