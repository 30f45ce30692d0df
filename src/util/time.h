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

// Parses an RFC 3339 / ISO 8601 instant, strictly:
//   2026-11-26                         a bare date: midnight UTC
//   2026-11-26T10:10  2026-11-26 10:10:19.5   a naive time: UTC
//   ...Z  ...+02:00  ...-0530  ...+02  an offset, honoured
// Seconds may carry up to nine fraction digits (kept to the microsecond,
// truncated). The date must exist (no 2025-02-31); hours 00-23, minutes and
// seconds 00-59; offsets up to 23:59. Anything else, trailing text included, is
// InvalidArgument naming the text.
Result<int64_t> ParseMicrosUtc(const std::string& text);

// Days since 1970-01-01 of a proleptic Gregorian date (month 1-12, day 1-31;
// not validated).
int64_t DaysFromCivil(int64_t year, int month, int day);

}  // namespace pond
