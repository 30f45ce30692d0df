// Time helpers: the pond stores instants as microseconds since the Unix epoch (UTC).
#pragma once

#include <cstdint>
#include <string>

#include "util/status.h"

namespace pond {

// Microseconds since the Unix epoch, now.
int64_t NowMicros();

// Milliseconds since the Unix epoch, now (Delta's commitInfo and add.modificationTime unit).
int64_t NowMillis();

// "2026-11-26T10:10:19.123456Z" for `micros` since the epoch.
std::string FormatMicrosUtc(int64_t micros);

// Parses an ISO-8601 instant ("2026-11-26", "2026-11-26T10:10", "2026-11-26 10:10:19.5",
// optional trailing "Z") as UTC. InvalidArgument when it is not one.
Result<int64_t> ParseMicrosUtc(const std::string& text);

}  // namespace pond
