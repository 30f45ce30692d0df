// The local-directory object store: each object is a host file under the root.
//
// Atomicity comes from the file system: an object is first written to a
// ".tmp-<uuid>" file beside its final name and fsynced, then published in one
// step, by rename() (Put, which may replace) or link() (PutIfAbsent, which
// fails with EEXIST rather than replace). The directory is fsynced afterwards so
// the new name survives a power cut. Readers therefore see a whole object or
// none, and List hides the ".tmp-" files that a crash may leave behind.
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "storage/object_store.h"
#include "storage/temp_files.h"
#include "util/id.h"

namespace pond {
namespace {

constexpr std::string_view kTempPrefix = ".tmp-";

// One sentence naming what failed, the key and the system's reason.
Status SysError(std::string_view verb, std::string_view key, int err) {
  return Status::IOError("cannot " + std::string(verb) + " '" + std::string(key) +
                         "': " + std::strerror(err));
}

Status NoObject(std::string_view key) {
  return Status::NotFound("no object '" + std::string(key) + "'");
}

// Whether `err` from a lookup means "there is no file at this path".
bool IsAbsent(int err) { return err == ENOENT || err == ENOTDIR; }

int64_t ModifiedMillis(const struct stat& st) {
  return static_cast<int64_t>(st.st_mtim.tv_sec) * 1000 + st.st_mtim.tv_nsec / 1000000;
}

// Everything before the last '/' of `path`.
std::string Parent(const std::string& path) { return path.substr(0, path.rfind('/')); }

// fsyncs directory `dir` so the names just added to or removed from it survive
// a power cut. Returns 0 or an errno value.
int SyncDir(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return errno;
  int err = ::fsync(fd) == 0 ? 0 : errno;
  ::close(fd);
  return err;
}

// mkdir -p for host directory `dir`. A directory this call creates is fsynced
// into its parent, so a later fsync of the object's own directory is enough for
// the whole path to survive. Returns 0 or an errno value.
int MakeDirs(const std::string& dir) {
  struct stat st;
  if (::stat(dir.c_str(), &st) == 0) return S_ISDIR(st.st_mode) ? 0 : ENOTDIR;
  size_t slash = dir.rfind('/');
  bool has_parent = slash != std::string::npos && slash > 0;
  if (has_parent) {
    if (int err = MakeDirs(dir.substr(0, slash)); err != 0) return err;
  }
  if (::mkdir(dir.c_str(), 0755) != 0) return errno == EEXIST ? 0 : errno;  // EEXIST: a racer won
  return has_parent ? SyncDir(dir.substr(0, slash)) : 0;
}

class LocalReadStream : public ReadStream {
 public:
  LocalReadStream(int fd, std::string key) : fd_(fd), key_(std::move(key)) {}
  ~LocalReadStream() override { ::close(fd_); }
  LocalReadStream(const LocalReadStream&) = delete;
  LocalReadStream& operator=(const LocalReadStream&) = delete;

  Result<size_t> Read(char* buf, size_t n) override {
    while (true) {
      ssize_t got = ::read(fd_, buf, n);
      if (got >= 0) return static_cast<size_t>(got);
      if (errno != EINTR) return SysError("read", key_, errno);
    }
  }

 private:
  int fd_;
  std::string key_;
};

// A write in progress: a temp file beside the final name. Removed on
// destruction unless Commit() published it.
class LocalWriteStream : public WriteStream {
 public:
  // `registration` is the temp file's entry in the registry, made before the
  // file was created (a signal between the two must not leave it behind).
  LocalWriteStream(std::string root, int fd, std::string temp_path, std::string final_path,
                   std::string key, bool if_absent, int registration)
      : root_(std::move(root)),
        fd_(fd),
        temp_path_(std::move(temp_path)),
        final_path_(std::move(final_path)),
        key_(std::move(key)),
        if_absent_(if_absent),
        registration_(registration) {}
  ~LocalWriteStream() override {
    if (fd_ >= 0) ::close(fd_);
    if (!published_) ::unlink(temp_path_.c_str());
    UnregisterTempFile(registration_);
  }
  LocalWriteStream(const LocalWriteStream&) = delete;
  LocalWriteStream& operator=(const LocalWriteStream&) = delete;

  Status Append(std::string_view bytes) override {
    if (fd_ < 0) return Status::InvalidArgument("write stream of '" + key_ + "' is closed");
    RETURN_IF_ERROR(WriteAll(bytes));
    size_ += bytes.size();
    return Status::OK();
  }

  Status Commit() override {
    if (fd_ < 0) return Status::InvalidArgument("write stream of '" + key_ + "' is closed");
    // The data must be on disk before its name is, or a crash could publish a
    // name with missing bytes.
    int rc = ::fsync(fd_);
    int err = errno;
    int close_rc = ::close(fd_);
    int close_err = errno;
    fd_ = -1;
    if (rc != 0) return SysError("write", key_, err);
    if (close_rc != 0) return SysError("write", key_, close_err);
    if (if_absent_) {
      if (::link(temp_path_.c_str(), final_path_.c_str()) != 0) {
        if (errno == EEXIST) return Status::AlreadyExists("object '" + key_ + "' already exists");
        return SysError("write", key_, errno);
      }
      published_ = true;
      // The object is published; the temp name is now just a second link to
      // it. Failing to remove it must not report the write as failed (the
      // caller would retry a write that took effect); gc removes it later.
      (void)::unlink(temp_path_.c_str());
    } else {
      if (::rename(temp_path_.c_str(), final_path_.c_str()) != 0) {
        return SysError("write", key_, errno);
      }
    }
    published_ = true;
    if (int err = SyncDir(Parent(final_path_)); err != 0) return SysError("write", key_, err);
    return Status::OK();
  }

  Status CommitAs(const std::string& key) override {
    RETURN_IF_ERROR(ValidateKey(key));
    std::string final_path = root_ + "/" + key;
    if (int err = MakeDirs(Parent(final_path)); err != 0) return SysError("write", key, err);
    key_ = key;
    final_path_ = std::move(final_path);
    return Commit();
  }

  uint64_t size() const override { return size_; }

  // The kernel copies the bytes (copy_file_range: no trip through this
  // process, and on file systems that can, no copy at all), while a second
  // thread reads back each finished piece of the object for `observe`: what
  // is hashed is what the object holds, even if the source changes meanwhile.
  Result<uint64_t> AppendFile(int src,
                              const std::function<Status(std::string_view)>& observe) override {
    if (fd_ < 0) return Status::InvalidArgument("write stream of '" + key_ + "' is closed");
    constexpr size_t kPieceBytes = 8 << 20;
    std::mutex mu;
    std::condition_variable cv;
    uint64_t copied = size_;  // guarded by mu: the object's bytes so far
    bool finished = false;    // guarded by mu
    Status seen;              // guarded by mu: the reader's failure
    std::thread reader([&, from = size_] {
      constexpr size_t kReadBytes = 1 << 20;
      std::unique_ptr<char[]> buf(new char[kReadBytes]);
      uint64_t done = from;
      std::unique_lock<std::mutex> lock(mu);
      while (true) {
        cv.wait(lock, [&] { return finished || copied > done; });
        const uint64_t upto = copied;
        const bool last = finished;
        lock.unlock();
        Status st;
        while (st.ok() && done < upto) {
          size_t want = static_cast<size_t>(std::min<uint64_t>(kReadBytes, upto - done));
          ssize_t got = ::pread(fd_, buf.get(), want, static_cast<off_t>(done));
          if (got < 0 && errno == EINTR) continue;
          if (got <= 0) {
            st = SysError("read back", key_, got < 0 ? errno : EIO);
            break;
          }
          st = observe(std::string_view(buf.get(), static_cast<size_t>(got)));
          done += static_cast<uint64_t>(got);
        }
        lock.lock();
        if (!st.ok()) {
          seen = st;
          cv.notify_all();
          return;
        }
        if (last && done >= copied) return;
      }
    });
    const uint64_t start = size_;
    Status st;
    bool kernel = true;
    std::unique_ptr<char[]> buf;
    while (true) {
      {
        std::lock_guard<std::mutex> lock(mu);
        if (!seen.ok()) break;
      }
      ssize_t n = -1;
      if (kernel) {
        n = ::copy_file_range(src, nullptr, fd_, nullptr, kPieceBytes, 0);
        if (n < 0 && (errno == EXDEV || errno == EINVAL || errno == ENOSYS || errno == EOPNOTSUPP ||
                      errno == EBADF)) {
          kernel = false;  // not between these files: copy through a buffer
          continue;
        }
      } else {
        if (!buf) buf.reset(new char[kPieceBytes]);
        n = ::read(src, buf.get(), kPieceBytes);
        if (n > 0) {
          st = WriteAll(std::string_view(buf.get(), static_cast<size_t>(n)));
          if (!st.ok()) break;
        }
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        st = Status::IOError(std::string("cannot read a host file into '") + key_ +
                             "': " + std::strerror(errno));
        break;
      }
      if (n == 0) break;
      // Start writing this piece to disk now, so that the disk works while
      // the rest is copied and hashed and Commit's fsync has little left.
      (void)::sync_file_range(fd_, static_cast<off_t>(size_), n, SYNC_FILE_RANGE_WRITE);
      size_ += static_cast<uint64_t>(n);
      std::lock_guard<std::mutex> lock(mu);
      copied = size_;
      cv.notify_all();
    }
    {
      std::lock_guard<std::mutex> lock(mu);
      finished = true;
      cv.notify_all();
    }
    // The disk finishes the writes started above while the reader hashes the
    // last pieces: Commit's fsync then has nothing left to wait for. A
    // failure is reported here (the kernel reports it once).
    if (st.ok() && size_ > start && ::fdatasync(fd_) != 0) {
      st = SysError("sync", key_, errno);
    }
    reader.join();
    RETURN_IF_ERROR(st);
    RETURN_IF_ERROR(seen);
    return size_ - start;
  }

 private:
  // Writes all of `bytes` at the file's offset (size_ is the caller's to count).
  Status WriteAll(std::string_view bytes) {
    while (!bytes.empty()) {
      ssize_t put = ::write(fd_, bytes.data(), bytes.size());
      if (put < 0) {
        if (errno == EINTR) continue;
        return SysError("write", key_, errno);
      }
      bytes.remove_prefix(static_cast<size_t>(put));
    }
    return Status::OK();
  }

  std::string root_;
  int fd_;
  std::string temp_path_;
  std::string final_path_;
  std::string key_;
  bool if_absent_;
  int registration_;  // in the temp-file registry, so an interrupt removes the file
  bool published_ = false;
  uint64_t size_ = 0;
};

class LocalStore : public ObjectStore {
 public:
  explicit LocalStore(std::string root) : root_(std::move(root)) {}

  Result<std::string> Get(const std::string& key) override {
    ASSIGN_OR_RETURN(int fd, OpenForRead(key));
    LocalReadStream stream(fd, key);  // owns fd from here on
    struct stat st;
    std::string data;
    if (::fstat(fd, &st) == 0) data.reserve(static_cast<size_t>(st.st_size));
    char buf[64 * 1024];
    while (true) {
      ASSIGN_OR_RETURN(size_t got, stream.Read(buf, sizeof(buf)));
      if (got == 0) return data;
      data.append(buf, got);
    }
  }

  Result<std::unique_ptr<ReadStream>> OpenRead(const std::string& key) override {
    ASSIGN_OR_RETURN(int fd, OpenForRead(key));
    return std::unique_ptr<ReadStream>(new LocalReadStream(fd, key));
  }

  Result<ObjectInfo> Stat(const std::string& key) override {
    RETURN_IF_ERROR(ValidateKey(key));
    struct stat st;
    if (::stat(Path(key).c_str(), &st) != 0) {
      if (IsAbsent(errno)) return NoObject(key);
      return SysError("stat", key, errno);
    }
    if (S_ISDIR(st.st_mode)) return NoObject(key);  // a directory is not an object
    return ObjectInfo{key, static_cast<uint64_t>(st.st_size), ModifiedMillis(st)};
  }

  Status Put(const std::string& key, std::string_view data) override {
    return WriteWhole(key, data, /*if_absent=*/false);
  }

  Status PutIfAbsent(const std::string& key, std::string_view data) override {
    return WriteWhole(key, data, /*if_absent=*/true);
  }

  Result<std::unique_ptr<WriteStream>> OpenWrite(const std::string& key, bool if_absent) override {
    RETURN_IF_ERROR(ValidateKey(key));
    std::string final_path = Path(key);
    std::string dir = Parent(final_path);
    if (int err = MakeDirs(dir); err != 0) return SysError("write", key, err);
    std::string temp_path = dir + "/" + std::string(kTempPrefix) + NewUuidV7();
    int registration = RegisterTempFile(temp_path);
    int fd = ::open(temp_path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0) {
      int err = errno;
      UnregisterTempFile(registration);
      return SysError("write", key, err);
    }
    return std::unique_ptr<WriteStream>(new LocalWriteStream(
        root_, fd, std::move(temp_path), std::move(final_path), key, if_absent, registration));
  }

  Result<std::vector<ObjectInfo>> List(const std::string& prefix) override {
    std::vector<ObjectInfo> out;
    // Split the prefix into the directory to walk and a filter on its entries.
    size_t slash = prefix.rfind('/');
    std::string dir_key = slash == std::string::npos ? "" : prefix.substr(0, slash);
    std::string name_prefix = slash == std::string::npos ? prefix : prefix.substr(slash + 1);
    // No valid key can start with a prefix whose directory part is not a valid
    // key ("/x", "a//", "../"), so such a prefix lists nothing and can never
    // make the walk leave the root.
    if (slash != std::string::npos && !ValidateKey(dir_key).ok()) return out;
    if (name_prefix.find('\0') != std::string::npos) return out;
    std::string dir = dir_key.empty() ? root_ : Path(dir_key);
    std::string key_prefix = dir_key.empty() ? "" : dir_key + "/";
    RETURN_IF_ERROR(Walk(dir, key_prefix, name_prefix, prefix, &out));
    std::sort(out.begin(), out.end(),
              [](const ObjectInfo& a, const ObjectInfo& b) { return a.key < b.key; });
    return out;
  }

  Result<std::vector<std::string>> ListKeys(const std::string& prefix) override {
    std::vector<std::string> out;
    size_t slash = prefix.rfind('/');
    std::string dir_key = slash == std::string::npos ? "" : prefix.substr(0, slash);
    std::string name_prefix = slash == std::string::npos ? prefix : prefix.substr(slash + 1);
    if (slash != std::string::npos && !ValidateKey(dir_key).ok()) return out;
    if (name_prefix.find('\0') != std::string::npos) return out;
    std::string dir = dir_key.empty() ? root_ : Path(dir_key);
    RETURN_IF_ERROR(WalkKeys(dir, dir_key.empty() ? "" : dir_key + "/", name_prefix, prefix, &out));
    return out;
  }

  Status Delete(const std::string& key) override {
    RETURN_IF_ERROR(ValidateKey(key));
    std::string path = Path(key);
    if (::unlink(path.c_str()) != 0) {
      // Linux reports EISDIR, POSIX EPERM, for a directory: not an object either.
      if (IsAbsent(errno) || errno == EISDIR) return NoObject(key);
      if (errno == EPERM) {
        struct stat st;
        if (::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) return NoObject(key);
      }
      return SysError("delete", key, errno);
    }
    if (int err = SyncDir(Parent(path)); err != 0) return SysError("delete", key, err);
    return Status::OK();
  }

  Result<std::vector<ObjectInfo>> ListUnfinished() override {
    std::vector<ObjectInfo> out;
    RETURN_IF_ERROR(WalkUnfinished(root_, "", &out));
    std::sort(out.begin(), out.end(),
              [](const ObjectInfo& a, const ObjectInfo& b) { return a.key < b.key; });
    return out;
  }

  Status DeleteUnfinished(const std::string& name) override {
    size_t slash = name.rfind('/');
    std::string dir = slash == std::string::npos ? "" : name.substr(0, slash);
    std::string base = slash == std::string::npos ? name : name.substr(slash + 1);
    if (!base.starts_with(kTempPrefix) || base.find('\0') != std::string::npos ||
        (!dir.empty() && !ValidateKey(dir).ok())) {
      return Status::InvalidArgument("'" + name + "' is not an unfinished write");
    }
    std::string path = root_ + "/" + name;
    if (::unlink(path.c_str()) != 0) {
      if (IsAbsent(errno)) return NoObject(name);
      return SysError("delete", name, errno);
    }
    return Status::OK();
  }

  std::optional<std::string> LocalPath(const std::string& key) const override {
    if (!ValidateKey(key).ok()) return std::nullopt;
    return Path(key);
  }

 private:
  std::string Path(const std::string& key) const { return root_ + "/" + key; }

  // An fd open for reading on the object's file; NotFound when it is absent or a directory.
  Result<int> OpenForRead(const std::string& key) {
    RETURN_IF_ERROR(ValidateKey(key));
    int fd = ::open(Path(key).c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      if (IsAbsent(errno) || errno == EISDIR) return NoObject(key);
      return SysError("read", key, errno);
    }
    struct stat st;
    if (::fstat(fd, &st) != 0) {
      int err = errno;
      ::close(fd);
      return SysError("read", key, err);
    }
    if (S_ISDIR(st.st_mode)) {
      ::close(fd);
      return NoObject(key);
    }
    return fd;
  }

  Status WriteWhole(const std::string& key, std::string_view data, bool if_absent) {
    ASSIGN_OR_RETURN(std::unique_ptr<WriteStream> stream, OpenWrite(key, if_absent));
    RETURN_IF_ERROR(stream->Append(data));
    return stream->Commit();
  }

  // Calls `visit(name, d_type)` for each entry of host directory `dir` but
  // "." and "..". A missing directory has no entries; `what` names the
  // listing in errors.
  template <typename Visit>
  static Status ForEachEntry(const std::string& dir, const std::string& what, Visit&& visit) {
    DIR* d = ::opendir(dir.c_str());
    if (d == nullptr) {
      if (IsAbsent(errno)) return Status::OK();
      return SysError("list", what, errno);
    }
    std::unique_ptr<DIR, int (*)(DIR*)> closer(d, &::closedir);
    while (true) {
      errno = 0;
      struct dirent* entry = ::readdir(d);
      if (entry == nullptr) {
        if (errno != 0) return SysError("list", what, errno);
        return Status::OK();
      }
      std::string_view name = entry->d_name;
      if (name == "." || name == "..") continue;
      RETURN_IF_ERROR(visit(name, entry->d_type));
    }
  }

  // Appends to `out` every file under host directory `dir` (whose key is
  // `key_prefix` + relative path) whose top-level name starts with `name_prefix`.
  // A missing directory lists as empty; `prefix` only names the listing in errors.
  Status Walk(const std::string& dir, const std::string& key_prefix, const std::string& name_prefix,
              const std::string& prefix, std::vector<ObjectInfo>* out) {
    return ForEachEntry(dir, prefix, [&](std::string_view name, unsigned char) -> Status {
      if (name.starts_with(kTempPrefix) || !name.starts_with(name_prefix)) return Status::OK();
      std::string path = dir + "/" + std::string(name);
      struct stat st;
      if (::stat(path.c_str(), &st) != 0) {
        if (errno == ENOENT) return Status::OK();  // deleted while we were listing
        return SysError("list", prefix, errno);
      }
      std::string key = key_prefix + std::string(name);
      if (S_ISDIR(st.st_mode)) return Walk(path, key + "/", "", prefix, out);
      if (S_ISREG(st.st_mode)) {
        out->push_back(ObjectInfo{key, static_cast<uint64_t>(st.st_size), ModifiedMillis(st)});
      }
      return Status::OK();
    });
  }

  // Like Walk, for names only: the entry type from readdir saves a stat per
  // file (one is made only where the file system does not say).
  Status WalkKeys(const std::string& dir, const std::string& key_prefix,
                  const std::string& name_prefix, const std::string& prefix,
                  std::vector<std::string>* out) {
    return ForEachEntry(dir, prefix, [&](std::string_view name, unsigned char type) -> Status {
      if (name.starts_with(kTempPrefix) || !name.starts_with(name_prefix)) return Status::OK();
      if (type == DT_REG) {  // the common case: no stat, no path
        out->push_back(key_prefix + std::string(name));
        return Status::OK();
      }
      std::string path = dir + "/" + std::string(name);
      if (type == DT_UNKNOWN || type == DT_LNK) {
        struct stat st;
        if (::stat(path.c_str(), &st) != 0) {
          if (errno == ENOENT) return Status::OK();
          return SysError("list", prefix, errno);
        }
        type = S_ISDIR(st.st_mode) ? DT_DIR : S_ISREG(st.st_mode) ? DT_REG : DT_UNKNOWN;
      }
      std::string key = key_prefix + std::string(name);
      if (type == DT_DIR) return WalkKeys(path, key + "/", "", prefix, out);
      if (type == DT_REG) out->push_back(std::move(key));
      return Status::OK();
    });
  }

  // Appends every ".tmp-" file under host directory `dir` (relative name `rel`).
  Status WalkUnfinished(const std::string& dir, const std::string& rel,
                        std::vector<ObjectInfo>* out) {
    return ForEachEntry(
        dir, rel.empty() ? "." : rel, [&](std::string_view name, unsigned char) -> Status {
          std::string path = dir + "/" + std::string(name);
          std::string child = rel.empty() ? std::string(name) : rel + "/" + std::string(name);
          struct stat st;
          if (::lstat(path.c_str(), &st) != 0) return Status::OK();
          if (S_ISDIR(st.st_mode)) return WalkUnfinished(path, child, out);
          if (name.starts_with(kTempPrefix)) {
            out->push_back(
                ObjectInfo{child, static_cast<uint64_t>(st.st_size), ModifiedMillis(st)});
          }
          return Status::OK();
        });
  }

  const std::string root_;  // host path of the store, without a trailing '/'
};

}  // namespace

Result<std::unique_ptr<ReadStream>> OpenHostFile(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (IsAbsent(errno)) return Status::NotFound("'" + path + "' does not exist");
    return SysError("open", path, errno);
  }
  return std::unique_ptr<ReadStream>(new LocalReadStream(fd, path));
}

Result<std::unique_ptr<ObjectStore>> OpenLocalStore(const std::string& root,
                                                    bool create_if_missing) {
  if (root.empty()) return Status::InvalidArgument("the store's root directory must not be empty");
  std::string trimmed = root;
  while (trimmed.size() > 1 && trimmed.back() == '/') trimmed.pop_back();
  if (!create_if_missing) {
    struct stat st;
    if (::stat(trimmed.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
      return Status::NotFound("there is no directory '" + trimmed + "'");
    }
    return std::unique_ptr<ObjectStore>(new LocalStore(std::move(trimmed)));
  }
  if (int err = MakeDirs(trimmed); err != 0) {
    return Status::IOError("cannot open the store at '" + trimmed + "': " + std::strerror(err));
  }
  return std::unique_ptr<ObjectStore>(new LocalStore(std::move(trimmed)));
}

}  // namespace pond
