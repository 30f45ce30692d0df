#include "tinyfs/persistence.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include "util/hash.h"

namespace pond::tinyfs {

Status ContentWriter::AppendFile(int fd, const std::function<void(uint64_t)>& on_bytes) {
  constexpr size_t kBufferBytes = 1 << 20;
  std::unique_ptr<char[]> buf(new char[kBufferBytes]);
  while (true) {
    ssize_t got = ::read(fd, buf.get(), kBufferBytes);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0)
      return Status::IOError(std::string("cannot read a host file: ") + std::strerror(errno));
    if (got == 0) return Status::OK();
    RETURN_IF_ERROR(Append(std::string_view(buf.get(), static_cast<size_t>(got))));
    on_bytes(static_cast<uint64_t>(got));
  }
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
