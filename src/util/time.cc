#include "util/time.h"

#include <chrono>
#include <cstdio>
#include <ctime>
#include <string_view>

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

int64_t DaysFromCivil(int64_t year, int month, int day) {
  // The days-from-civil algorithm for the proleptic Gregorian calendar, as
  // H. Hinnant describes it: count whole 400-year eras, then days in the era.
  int64_t y = year - (month <= 2 ? 1 : 0);
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  int64_t yoe = y - era * 400;
  int64_t doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

namespace {

bool IsLeap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int DaysInMonth(int64_t y, int m) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && IsLeap(y) ? 29 : kDays[m - 1];
}

// A cursor over the text that reads fixed-width digit fields.
class Cursor {
 public:
  explicit Cursor(std::string_view s) : s_(s) {}
  bool Digits(int width, int64_t* out) {
    if (pos_ + static_cast<size_t>(width) > s_.size()) return false;
    int64_t v = 0;
    for (int i = 0; i < width; ++i) {
      char c = s_[pos_ + static_cast<size_t>(i)];
      if (c < '0' || c > '9') return false;
      v = v * 10 + (c - '0');
    }
    pos_ += static_cast<size_t>(width);
    *out = v;
    return true;
  }
  bool Take(char c) {
    if (pos_ < s_.size() && s_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  bool AtDigit() const { return pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9'; }
  bool Done() const { return pos_ == s_.size(); }
  char Peek() const { return pos_ < s_.size() ? s_[pos_] : '\0'; }

 private:
  std::string_view s_;
  size_t pos_ = 0;
};

}  // namespace

Result<int64_t> ParseMicrosUtc(const std::string& text) {
  auto bad = [&](const std::string& why) {
    return Status::InvalidArgument("'" + text + "' is not a valid time (" + why +
                                   "; use e.g. 2026-01-01, 2026-01-01T05:00:00Z or "
                                   "2026-01-01T05:00:00+02:00)");
  };
  Cursor c(text);
  int64_t year = 0, month = 0, day = 0;
  if (!c.Digits(4, &year) || !c.Take('-') || !c.Digits(2, &month) || !c.Take('-') ||
      !c.Digits(2, &day)) {
    return bad("expected a date as YYYY-MM-DD");
  }
  if (month < 1 || month > 12) return bad("there is no month " + std::to_string(month));
  if (day < 1 || day > DaysInMonth(year, static_cast<int>(month))) {
    return bad("that month has no day " + std::to_string(day));
  }
  int64_t micros = DaysFromCivil(year, static_cast<int>(month), static_cast<int>(day)) *
                   86400LL * 1000000LL;
  if (c.Done()) return micros;  // a bare date: midnight UTC
  if (!c.Take('T') && !c.Take('t') && !c.Take(' ')) {
    return bad("the date must be followed by 'T' and a time");
  }
  int64_t hour = 0, minute = 0, second = 0, frac = 0;
  if (!c.Digits(2, &hour) || !c.Take(':') || !c.Digits(2, &minute)) {
    return bad("expected a time as HH:MM or HH:MM:SS");
  }
  if (c.Take(':')) {
    if (!c.Digits(2, &second)) return bad("expected seconds as SS");
    if (c.Take('.') || c.Take(',')) {
      int digits = 0;
      int64_t scale = 100000;
      while (c.AtDigit()) {
        int64_t d = 0;
        (void)c.Digits(1, &d);
        if (++digits > 9) return bad("more than nine fraction digits");
        if (digits <= 6) {
          frac += d * scale;
          scale /= 10;
        }
      }
      if (digits == 0) return bad("expected digits after the decimal point");
    }
  }
  if (hour > 23) return bad("there is no hour " + std::to_string(hour));
  if (minute > 59) return bad("there is no minute " + std::to_string(minute));
  if (second > 59) return bad("there is no second " + std::to_string(second));
  micros += ((hour * 60 + minute) * 60 + second) * 1000000LL + frac;
  if (c.Done() || c.Take('Z') || c.Take('z')) {
    if (!c.Done()) return bad("unexpected text after the time");
    return micros;
  }
  char sign = c.Peek();
  if (sign != '+' && sign != '-') return bad("unexpected text after the time");
  (void)c.Take(sign);
  int64_t off_h = 0, off_m = 0;
  if (!c.Digits(2, &off_h)) return bad("expected an offset as +HH:MM");
  if (c.Take(':')) {
    if (!c.Digits(2, &off_m)) return bad("expected an offset as +HH:MM");
  } else if (c.AtDigit() && !c.Digits(2, &off_m)) {
    return bad("expected an offset as +HH:MM");
  }
  if (!c.Done()) return bad("unexpected text after the offset");
  if (off_h > 23 || off_m > 59) return bad("the offset is out of range");
  int64_t offset = (off_h * 60 + off_m) * 60 * 1000000LL;
  // 05:00+02:00 is 03:00Z: subtract an east offset.
  return sign == '+' ? micros - offset : micros + offset;
}

}  // namespace pond
