#include "util/time.h"

#include <gtest/gtest.h>

#include <vector>

namespace pond {
namespace {

constexpr int64_t kHour = 3600LL * 1000000;

int64_t At(const std::string& text) {
  auto r = ParseMicrosUtc(text);
  EXPECT_TRUE(r.ok()) << text << ": " << r.status().ToString();
  return r.ok() ? *r : INT64_MIN;
}

TEST(ParseMicrosUtcTest, OffsetsAreHonoured) {
  int64_t day = At("2026-01-01");
  EXPECT_EQ(At("2026-01-01T05:00:00+02:00"), day + 3 * kHour);
  EXPECT_EQ(At("2026-01-01T05:00:00-02:00"), day + 7 * kHour);
  EXPECT_EQ(At("2026-01-01T05:00:00+0200"), day + 3 * kHour);
  EXPECT_EQ(At("2026-01-01T05:00+02"), day + 3 * kHour);
  EXPECT_EQ(At("2026-01-01T05:30:00+05:30"), day);
  EXPECT_EQ(At("2026-01-01T05:00:00Z"), day + 5 * kHour);
  EXPECT_EQ(At("2026-01-01T05:00:00z"), day + 5 * kHour);
  EXPECT_EQ(At("2026-01-01 05:00"), day + 5 * kHour);  // naive: UTC
  EXPECT_EQ(At("2026-01-01T00:30:00+01:00"), day - kHour / 2);  // the day before, in UTC
}

TEST(ParseMicrosUtcTest, FractionsAndEpoch) {
  EXPECT_EQ(At("1970-01-01"), 0);
  EXPECT_EQ(At("2026-11-26T10:10:19.5Z"), 1795687819500000LL);
  EXPECT_EQ(At("1970-01-01T00:00:00.000001Z"), 1);
  EXPECT_EQ(At("1970-01-01T00:00:00.123456789Z"), 123456);  // truncated to micros
  EXPECT_EQ(At("1969-12-31T23:59:59Z"), -1000000);
  EXPECT_EQ(At("2024-02-29"), At("2024-03-01") - 24 * kHour);
  EXPECT_EQ(At("2000-02-29T12:00:00Z"), 951825600LL * 1000000);
}

TEST(ParseMicrosUtcTest, AnythingElseIsRefusedNamingTheText) {
  for (const char* bad :
       {"", "yesterday", "2026", "2026-1-01", "2026-13-01", "2025-02-29", "2025-02-31",
        "2026-04-31", "2026-01-00", "2026-01-01T", "2026-01-01T5:00", "2026-01-01T24:00",
        "2026-01-01T10:60", "2026-01-01T10:00:60", "2026-01-01T10:00:00 PST",
        "2026-01-01T10:00:00Zjunk", "2026-01-01 junk", "2026-01-01T10:00:00+2",
        "2026-01-01T10:00:00+24:00", "2026-01-01T10:00:00.", "2026-01-01T10:00:00.1234567890Z",
        "2026-01-01T10:00:00+02:00:00", " 2026-01-01", "2026-01-01 "}) {
    auto r = ParseMicrosUtc(bad);
    EXPECT_FALSE(r.ok()) << "accepted '" << bad << "'";
    if (!r.ok()) {
      EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
      EXPECT_NE(r.status().message().find("'" + std::string(bad) + "'"), std::string::npos)
          << r.status().message();
    }
  }
}

TEST(FormatMicrosUtcTest, RoundTrips) {
  for (int64_t t : std::vector<int64_t>{0, 1, -1, 1795687819500000LL}) {
    EXPECT_EQ(At(FormatMicrosUtc(t)), t) << FormatMicrosUtc(t);
  }
}

}  // namespace
}  // namespace pond
