#include "tinyfs/persistence.h"

#include "util/hash.h"

namespace pond::tinyfs {

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
