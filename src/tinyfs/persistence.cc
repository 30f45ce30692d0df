#include "tinyfs/persistence.h"

#include "util/fd_read.h"
#include "util/hash.h"

namespace pond::tinyfs {

Status ContentWriter::AppendFile(int fd, const std::function<void(uint64_t)>& on_bytes) {
  return ReadPieces(fd, ThreadReadBuffer(), kReadPieceBytes, "a host file",
                    [&](std::string_view piece, bool&) -> Status {
                      RETURN_IF_ERROR(Append(piece));
                      on_bytes(piece.size());
                      return Status::OK();
                    });
}

ContentRef InlineContent(std::string bytes) {
  ContentRef ref;
  ref.size = bytes.size();
  ref.sha256 = Sha256Hex(bytes);
  ref.inline_bytes = std::move(bytes);
  return ref;
}

Result<std::string> ReadAll(ReadStream& stream) {
  std::string out;
  char buf[64 * 1024];
  while (true) {
    ASSIGN_OR_RETURN(size_t n, stream.Read(buf, sizeof(buf)));
    if (n == 0) break;
    out.append(buf, n);
  }
  return out;
}

}  // namespace pond::tinyfs
