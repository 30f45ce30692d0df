#include "util/duration.h"

#include <array>
#include <string_view>

namespace pond {

Result<int64_t> ParseDurationMicros(const std::string& text) {
  struct Unit {
    std::string_view name;
    int64_t micros;
  };
  // Longest names first where one is a prefix of another ("ms" before "m").
  static constexpr std::array<Unit, 7> kUnits = {{{"w", 7LL * 86400 * 1000000},
                                                  {"d", 86400LL * 1000000},
                                                  {"h", 3600LL * 1000000},
                                                  {"ms", 1000},
                                                  {"m", 60LL * 1000000},
                                                  {"s", 1000000},
                                                  {"us", 1}}};
  static constexpr std::array<int, 7> kRank = {0, 1, 2, 5, 3, 4, 6};  // largest first
  auto bad = [&] {
    return Status::InvalidArgument("'" + text + "' is not a duration (use e.g. 30s, 15m, 1h30m, 2d)");
  };
  if (text.empty()) return bad();
  int64_t total = 0;
  int last_rank = -1;
  size_t i = 0;
  while (i < text.size()) {
    if (text[i] < '0' || text[i] > '9') return bad();
    int64_t n = 0;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
      if (n > (INT64_MAX - 9) / 10) return bad();
      n = n * 10 + (text[i++] - '0');
    }
    std::string_view rest = std::string_view(text).substr(i);
    int found = -1;
    for (size_t u = 0; u < kUnits.size(); ++u) {
      if (rest.starts_with(kUnits[u].name)) {
        // "m" must not match the start of "ms".
        if (kUnits[u].name == "m" && rest.starts_with("ms")) continue;
        found = static_cast<int>(u);
        break;
      }
    }
    if (found < 0 || kRank[static_cast<size_t>(found)] <= last_rank) return bad();
    last_rank = kRank[static_cast<size_t>(found)];
    const Unit& unit = kUnits[static_cast<size_t>(found)];
    if (n > (INT64_MAX - total) / unit.micros) return bad();
    total += n * unit.micros;
    i += unit.name.size();
  }
  return total;
}

}  // namespace pond
