// Reading an open host file descriptor a piece at a time.
#pragma once

#include <cstddef>
#include <functional>
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

// One buffer of kReadPieceBytes per thread, reused: reading many small files
// would otherwise allocate and clear one for each.
inline constexpr size_t kReadPieceBytes = 1 << 20;
char* ThreadReadBuffer();

}  // namespace pond
