#include "storage/temp_files.h"

#include <limits.h>
#include <unistd.h>

#include <atomic>
#include <cstring>

namespace pond {
namespace {

// A fixed table of slots, so a signal handler can walk it without allocating.
struct Slot {
  std::atomic<int> state{0};  // 0 free, 1 being written, 2 file, 3 folder
  char path[PATH_MAX];
};
constexpr int kSlots = 256;
Slot g_slots[kSlots];

}  // namespace

int RegisterTempFile(const std::string& path, bool is_dir) {
  if (path.size() >= PATH_MAX) return -1;
  for (int i = 0; i < kSlots; ++i) {
    int expected = 0;
    if (!g_slots[i].state.compare_exchange_strong(expected, 1)) continue;
    std::memcpy(g_slots[i].path, path.c_str(), path.size() + 1);
    g_slots[i].state.store(is_dir ? 3 : 2, std::memory_order_release);
    return i;
  }
  return -1;
}

void UnregisterTempFile(int handle) {
  if (handle < 0 || handle >= kSlots) return;
  g_slots[handle].state.store(0, std::memory_order_release);
}

void RemoveRegisteredTempFiles() {
  for (int pass = 2; pass <= 3; ++pass) {  // files first, then the folders that held them
    for (int i = 0; i < kSlots; ++i) {
      if (g_slots[i].state.load(std::memory_order_acquire) != pass) continue;
      if (pass == 2) {
        ::unlink(g_slots[i].path);
      } else {
        ::rmdir(g_slots[i].path);
      }
    }
  }
}

}  // namespace pond
