#include "util/fd_read.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

namespace pond {

Status ReadPieces(int fd, char* buf, size_t size, const std::string& what,
                  const std::function<Status(std::string_view piece, bool& stop)>& piece) {
  bool stop = false;
  while (!stop) {
    ssize_t got = ::read(fd, buf, size);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) return Status::IOError("cannot read " + what + ": " + std::strerror(errno));
    if (got == 0) break;
    RETURN_IF_ERROR(piece(std::string_view(buf, static_cast<size_t>(got)), stop));
  }
  return Status::OK();
}

char* ThreadReadBuffer() {
  thread_local std::unique_ptr<char[]> buf(new char[kReadPieceBytes]);
  return buf.get();
}

}  // namespace pond
