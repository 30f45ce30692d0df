// Durations written for people: "90s", "15m", "1h30m", "2d", "1w".
#pragma once

#include <cstdint>
#include <string>

#include "util/status.h"

namespace pond {

// Microseconds in `text`: one or more <whole number><unit> parts, units
// w, d, h, m, s, ms, us (largest first, each at most once), e.g. "1h30m".
// InvalidArgument naming the text otherwise (also for "" and for overflow).
Result<int64_t> ParseDurationMicros(const std::string& text);

}  // namespace pond
