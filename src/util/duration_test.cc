#include "util/duration.h"

#include <gtest/gtest.h>

namespace pond {
namespace {

TEST(DurationTest, PartsAddUp) {
  EXPECT_EQ(*ParseDurationMicros("15m"), 15LL * 60 * 1000000);
  EXPECT_EQ(*ParseDurationMicros("1h30m"), 90LL * 60 * 1000000);
  EXPECT_EQ(*ParseDurationMicros("2d"), 2LL * 86400 * 1000000);
  EXPECT_EQ(*ParseDurationMicros("1w1d"), 8LL * 86400 * 1000000);
  EXPECT_EQ(*ParseDurationMicros("0s"), 0);
  EXPECT_EQ(*ParseDurationMicros("1s500ms"), 1500000);
  EXPECT_EQ(*ParseDurationMicros("250us"), 250);
}

TEST(DurationTest, AnythingElseIsRefused) {
  for (const char* bad : {"", "15", "m", "1x", "1m1h", "1h1h", "-5m", "1.5h", "1h ", " 1h",
                          "99999999999999999999s", "1 h"}) {
    auto r = ParseDurationMicros(bad);
    EXPECT_FALSE(r.ok()) << bad;
    if (!r.ok()) EXPECT_NE(r.status().message().find(bad), std::string::npos);
  }
}

}  // namespace
}  // namespace pond
