#include "remote/cached_store.h"

#include <sys/stat.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>

#include "util/fd_read.h"
#include "util/hash.h"
#include "util/id.h"

namespace pond::remote {
namespace {

namespace hostfs = std::filesystem;

bool Immutable(const std::string& key) {
  if (key.rfind("part_id=", 0) == 0 || key.rfind("_large_files/", 0) == 0) return true;
  return key.rfind("_delta_log/", 0) == 0 && (key.ends_with(".json") || key.ends_with(".parquet"));
}

Status ReadOnly() { return Status::InvalidArgument("a pond read from a remote is read-only here"); }

class CachedStore final : public ObjectStore {
 public:
  CachedStore(std::unique_ptr<ObjectStore> remote, std::string folder)
      : remote_(std::move(remote)), folder_(std::move(folder)) {}

  Result<std::string> Get(const std::string& key) override {
    if (!Immutable(key)) return remote_->Get(key);
    ASSIGN_OR_RETURN(std::string path, Fetch(key));
    std::ifstream in(path, std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (!in.good() && !in.eof()) return Status::IOError("cannot read the cached copy of " + key);
    return bytes;
  }

  Result<std::unique_ptr<ReadStream>> OpenRead(const std::string& key) override {
    if (!Immutable(key)) return remote_->OpenRead(key);
    ASSIGN_OR_RETURN(std::string path, Fetch(key));
    return OpenHostFile(path);
  }

  Result<ObjectInfo> Stat(const std::string& key) override {
    if (Immutable(key)) {
      struct stat st;
      if (::stat(CachePath(key).c_str(), &st) == 0) {
        return ObjectInfo{key, static_cast<uint64_t>(st.st_size),
                          static_cast<int64_t>(st.st_mtime) * 1000};
      }
    }
    return remote_->Stat(key);
  }

  Status Put(const std::string&, std::string_view) override { return ReadOnly(); }
  Status PutIfAbsent(const std::string&, std::string_view) override { return ReadOnly(); }
  Result<std::unique_ptr<WriteStream>> OpenWrite(const std::string&, bool) override {
    return ReadOnly();
  }
  Result<std::vector<ObjectInfo>> List(const std::string& prefix) override {
    return remote_->List(prefix);
  }
  Result<std::vector<std::string>> ListKeys(const std::string& prefix) override {
    return remote_->ListKeys(prefix);
  }
  Status Delete(const std::string&) override { return ReadOnly(); }

  // An immutable object's cached copy, fetched now if it is not there yet
  // (nullopt when it cannot be: the caller then reads it through the store,
  // which reports why).
  std::optional<std::string> LocalPath(const std::string& key) const override {
    if (!Immutable(key) || !ValidateKey(key).ok()) return std::nullopt;
    auto path = const_cast<CachedStore*>(this)->Fetch(key);
    if (!path.ok()) return std::nullopt;
    return *path;
  }

 private:
  std::string CachePath(const std::string& key) const { return folder_ + "/objects/" + key; }

  // The cached copy of `key`, fetched from the remote the first time.
  Result<std::string> Fetch(const std::string& key) {
    RETURN_IF_ERROR(ValidateKey(key));
    std::string path = CachePath(key);
    std::error_code ec;
    if (hostfs::exists(path, ec)) return path;
    std::lock_guard<std::mutex> lock(mu_);
    if (hostfs::exists(path, ec)) return path;
    hostfs::create_directories(hostfs::path(path).parent_path(), ec);
    if (ec)
      return Status::IOError("cannot create the cache folder for " + key + ": " + ec.message());
    ASSIGN_OR_RETURN(auto in, remote_->OpenRead(key));
    std::string tmp = path + ".part-" + NewUuidV7();
    {
      std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
      IoBuffer buf;
      while (true) {
        auto n = in->Read(buf.data(), buf.size());
        if (!n.ok()) {
          out.close();
          hostfs::remove(tmp, ec);
          return n.status();
        }
        if (*n == 0) break;
        out.write(buf.data(), static_cast<std::streamsize>(*n));
      }
      if (!out.flush()) {
        hostfs::remove(tmp, ec);
        return Status::IOError("cannot write the cached copy of " + key);
      }
    }
    hostfs::rename(tmp, path, ec);
    if (ec) {
      hostfs::remove(tmp, ec);
      return Status::IOError("cannot keep the cached copy of " + key);
    }
    return path;
  }

  std::unique_ptr<ObjectStore> remote_;
  std::string folder_;
  std::mutex mu_;
};

}  // namespace

Result<std::unique_ptr<ObjectStore>> NewCachedStore(std::unique_ptr<ObjectStore> remote,
                                                    std::string folder) {
  // Commits are immutable in one history; a remote replaced by another
  // history shows in its first commit or in the newest one we hold.
  std::string log = folder + "/objects/_delta_log";
  std::error_code ec;
  std::vector<std::string> cached;
  for (const auto& e : hostfs::directory_iterator(log, ec)) {
    std::string name = e.path().filename().string();
    if (name.size() == 25 && name.ends_with(".json")) cached.push_back(name);
  }
  std::sort(cached.begin(), cached.end());
  bool stale = false;
  for (const std::string* name :
       {cached.empty() ? nullptr : &cached.front(), cached.empty() ? nullptr : &cached.back()}) {
    if (!name) continue;
    std::ifstream in(log + "/" + *name, std::ios::binary);
    std::string mine((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    auto theirs = remote->Get("_delta_log/" + *name);
    if (!theirs.ok() || *theirs != mine) stale = true;
  }
  if (stale) {
    for (const char* part : {"/objects", "/cache"}) hostfs::remove_all(folder + part, ec);
    if (ec) return Status::IOError("cannot empty the stale cache " + folder + ": " + ec.message());
  }
  return std::unique_ptr<ObjectStore>(new CachedStore(std::move(remote), std::move(folder)));
}

Result<std::string> RemoteCacheFolder(const std::string& where) {
  std::string base;
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg == '/') {
    base = xdg;
  } else if (const char* home = std::getenv("HOME"); home && *home == '/') {
    base = std::string(home) + "/.cache";
  } else {
    return Status::InvalidArgument("no cache folder for a remote pond: set XDG_CACHE_HOME or HOME");
  }
  std::string folder = base + "/pond/" + Sha256Hex(where).substr(0, 32);
  std::error_code ec;
  hostfs::create_directories(folder, ec);
  if (ec) return Status::IOError("cannot create " + folder + ": " + ec.message());
  return folder;
}

}  // namespace pond::remote
