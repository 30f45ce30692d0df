// WriteStream::AppendFile for every store: read the host file and Append.
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include "storage/object_store.h"

namespace pond {

Result<uint64_t> WriteStream::AppendFile(int fd,
                                         const std::function<Status(std::string_view)>& observe) {
  constexpr size_t kBufferBytes = 1 << 20;
  std::unique_ptr<char[]> buf(new char[kBufferBytes]);
  uint64_t total = 0;
  while (true) {
    ssize_t got = ::read(fd, buf.get(), kBufferBytes);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0)
      return Status::IOError(std::string("cannot read a host file: ") + std::strerror(errno));
    if (got == 0) return total;
    std::string_view chunk(buf.get(), static_cast<size_t>(got));
    RETURN_IF_ERROR(observe(chunk));
    RETURN_IF_ERROR(Append(chunk));
    total += chunk.size();
  }
}

}  // namespace pond
