// Reading an open host file descriptor a piece at a time.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "util/status.h"

namespace pond {

// Reads `fd` from its offset into `buf` (`size` bytes), calling `piece` with
// each piece read until the end, or until `piece` sets `stop`. A failed read
// is IOError "cannot read WHAT: <the system's reason>"; the piece's own error
// comes back as it is.
Status ReadPieces(int fd, char* buf, size_t size, const std::string& what,
                  const std::function<Status(std::string_view piece, bool& stop)>& piece);

inline constexpr size_t kReadPieceBytes = 1 << 20;

// A buffer to read into, left uncleared: only the pages a read fills are ever
// mapped in. Clearing a 1 MiB buffer costs 256 page faults, which was most of
// the time `pond cat` took to print a small file.
class IoBuffer {
 public:
  explicit IoBuffer(size_t size = kReadPieceBytes)
      : data_(std::make_unique_for_overwrite<char[]>(size)), size_(size) {}
  char* data() { return data_.get(); }
  size_t size() const { return size_; }

 private:
  std::unique_ptr<char[]> data_;
  size_t size_;
};

// One buffer of kReadPieceBytes per thread, reused: reading many small files
// would otherwise allocate one for each.
char* ThreadReadBuffer();

}  // namespace pond
