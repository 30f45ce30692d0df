#include "util/time.h"

#include <chrono>
#include <cstdio>
#include <ctime>

namespace pond {

int64_t NowMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

int64_t NowMillis() { return NowMicros() / 1000; }

std::string FormatMicrosUtc(int64_t micros) {
  int64_t secs = micros / 1000000;
  int64_t frac = micros % 1000000;
  if (frac < 0) {
    frac += 1000000;
    secs -= 1;
  }
  time_t t = static_cast<time_t>(secs);
  struct tm tm_utc;
  gmtime_r(&t, &tm_utc);
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%06lldZ", tm_utc.tm_year + 1900,
                tm_utc.tm_mon + 1, tm_utc.tm_mday, tm_utc.tm_hour, tm_utc.tm_min, tm_utc.tm_sec,
                static_cast<long long>(frac));
  return buf;
}

Result<int64_t> ParseMicrosUtc(const std::string& text) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0;
  double s = 0;
  char sep = 0;
  int n = std::sscanf(text.c_str(), "%4d-%2d-%2d%c%2d:%2d:%lf", &y, &mo, &d, &sep, &h, &mi, &s);
  bool ok = (n == 3) || (n >= 6 && (sep == 'T' || sep == ' '));
  if (!ok || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s < 0 || s >= 61) {
    return Status::InvalidArgument("'" + text +
                                   "' is not a date or time (expected e.g. 2026-11-26T10:00:00Z)");
  }
  if (n < 6) h = mi = 0, s = 0;
  // Days from civil date (proleptic Gregorian), after H. Hinnant's published algorithm.
  int yy = y - (mo <= 2);
  int era = (yy >= 0 ? yy : yy - 399) / 400;
  unsigned yoe = static_cast<unsigned>(yy - era * 400);
  unsigned doy = (153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  int64_t days = static_cast<int64_t>(era) * 146097 + static_cast<int64_t>(doe) - 719468;
  int64_t whole = static_cast<int64_t>(s);
  int64_t micros_frac = static_cast<int64_t>((s - static_cast<double>(whole)) * 1e6 + 0.5);
  return ((days * 24 + h) * 60 + mi) * 60 * 1000000LL + whole * 1000000LL + micros_frac;
}

}  // namespace pond
