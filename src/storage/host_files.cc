#include "storage/host_files.h"

#include "storage/temp_files.h"
#include "util/fd_read.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>

namespace pond {

HostFiles::~HostFiles() {
  if (dir_.empty()) return;
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
  for (int handle : registrations_) UnregisterTempFile(handle);
  for (const auto& [path, handle] : scratch_) UnregisterTempFile(handle);
}

Status HostFiles::EnsureDir() {
  if (!dir_.empty()) return Status::OK();
  std::error_code ec;
  std::string base = std::filesystem::temp_directory_path(ec).string();
  if (ec) base = "/tmp";
  std::string tmpl = base + "/pond-files-XXXXXX";
  if (!::mkdtemp(tmpl.data())) {
    return Status::IOError("cannot create a temporary folder in " + base + ": " +
                           std::strerror(errno));
  }
  dir_ = tmpl;
  registrations_.push_back(RegisterTempFile(dir_, /*is_dir=*/true));
  return Status::OK();
}

Result<std::string> HostFiles::ScratchPath(const std::string& name) {
  RETURN_IF_ERROR(EnsureDir());
  std::string path = dir_ + "/" + std::to_string(next_++) + "-" + name;
  scratch_[path] = RegisterTempFile(path);
  return path;
}

void HostFiles::Discard(const std::string& scratch_path) {
  auto found = scratch_.find(scratch_path);
  if (found == scratch_.end()) return;
  ::unlink(scratch_path.c_str());
  UnregisterTempFile(found->second);
  scratch_.erase(found);
}

Result<std::string> HostFiles::Path(const std::string& key) {
  if (auto local = store_.LocalPath(key)) {
    // A local object that is missing must say so like any other store would.
    RETURN_IF_ERROR(store_.Stat(key).status());
    return *local;
  }
  auto found = copies_.find(key);
  if (found != copies_.end()) return found->second;
  ASSIGN_OR_RETURN(auto stream, store_.OpenRead(key));
  ASSIGN_OR_RETURN(std::string path, ScratchPath("object"));
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return Status::IOError("cannot create " + path + ": " + std::strerror(errno));
  IoBuffer buf;
  Status st;
  while (st.ok()) {
    auto got = stream->Read(buf.data(), buf.size());
    if (!got.ok()) {
      st = got.status();
      break;
    }
    if (*got == 0) break;
    size_t done = 0;
    while (done < *got) {
      ssize_t put = ::write(fd, buf.data() + done, *got - done);
      if (put < 0 && errno == EINTR) continue;
      if (put < 0) {
        st = Status::IOError("cannot write " + path + ": " + std::strerror(errno));
        break;
      }
      done += static_cast<size_t>(put);
    }
  }
  if (::close(fd) != 0 && st.ok()) st = Status::IOError("cannot write " + path);
  if (!st.ok()) {
    ::unlink(path.c_str());
    return st;
  }
  copies_[key] = path;
  return path;
}

}  // namespace pond
