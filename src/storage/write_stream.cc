// WriteStream::AppendFile for every store: read the host file and Append.
#include "storage/object_store.h"
#include "util/fd_read.h"

namespace pond {

Result<uint64_t> WriteStream::AppendFile(int fd,
                                         const std::function<Status(std::string_view)>& observe) {
  uint64_t total = 0;
  RETURN_IF_ERROR(ReadPieces(fd, ThreadReadBuffer(), kReadPieceBytes, "a host file",
                             [&](std::string_view piece, bool&) -> Status {
                               RETURN_IF_ERROR(observe(piece));
                               RETURN_IF_ERROR(Append(piece));
                               total += piece.size();
                               return Status::OK();
                             }));
  return total;
}

}  // namespace pond
