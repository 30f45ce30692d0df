#include "storage/temp_files.h"

#include <limits.h>
#include <unistd.h>

#include <atomic>
#include <cstring>

namespace pond {
namespace {

// A fixed table of slots, so a signal handler can walk it without allocating.
// Both arrays are zero at load time (no constructor runs): the paths' pages
// are touched only when a path is registered.
constexpr int kSlots = 256;
constinit std::atomic<int> g_state[kSlots] = {};  // 0 free, 1 being written, 2 file, 3 folder
char g_paths[kSlots][PATH_MAX];

}  // namespace

int RegisterTempFile(const std::string& path, bool is_dir) {
  if (path.size() >= PATH_MAX) return -1;
  for (int i = 0; i < kSlots; ++i) {
    int expected = 0;
    if (!g_state[i].compare_exchange_strong(expected, 1)) continue;
    std::memcpy(g_paths[i], path.c_str(), path.size() + 1);
    g_state[i].store(is_dir ? 3 : 2, std::memory_order_release);
    return i;
  }
  return -1;
}

void UnregisterTempFile(int handle) {
  if (handle < 0 || handle >= kSlots) return;
  g_state[handle].store(0, std::memory_order_release);
}

void RemoveRegisteredTempFiles() {
  for (int pass = 2; pass <= 3; ++pass) {  // files first, then the folders that held them
    for (int i = 0; i < kSlots; ++i) {
      if (g_state[i].load(std::memory_order_acquire) != pass) continue;
      if (pass == 2) {
        ::unlink(g_paths[i]);
      } else {
        ::rmdir(g_paths[i]);
      }
    }
  }
}

}  // namespace pond
