// Unit tests of the factory module's pure parts: waveforms, buckets, captures,
// config reading and env expansion, and each factory's config checks.
#include "factory/factory.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>

#include "factory/config.h"
#include "factory/reduce.h"
#include "factory/waveform.h"

namespace pond::factory {
namespace {

TEST(Waveform, KnownPoints) {
  Component sine{Wave::kSine, 2, 100, 1, 0, 0};
  EXPECT_DOUBLE_EQ(ComponentValue(sine, 0), 1);
  EXPECT_DOUBLE_EQ(ComponentValue(sine, 25), 3);     // a quarter period: the peak
  EXPECT_NEAR(ComponentValue(sine, 75), -1, 1e-12);  // three quarters: the trough
  Component shifted{Wave::kSine, 1, 100, 0, M_PI / 2, 0};
  EXPECT_DOUBLE_EQ(ComponentValue(shifted, 0), 1);  // phase in radians

  Component square{Wave::kSquare, 3, 60, 0, 0, 0};
  EXPECT_EQ(ComponentValue(square, 0), 3);  // sign(0) = +1
  EXPECT_EQ(ComponentValue(square, 15), 3);
  EXPECT_EQ(ComponentValue(square, 30), 3);  // the zero at half a period
  EXPECT_EQ(ComponentValue(square, 45), -3);
  EXPECT_EQ(ComponentValue(square, 60), 3);

  Component tri{Wave::kTriangle, 1, 4, 0, 0, 0};
  EXPECT_DOUBLE_EQ(ComponentValue(tri, 0), -1);  // u = 0: 4u - 1
  EXPECT_DOUBLE_EQ(ComponentValue(tri, 1), 0);   // u = 0.25
  EXPECT_DOUBLE_EQ(ComponentValue(tri, 2), 1);   // u = 0.5: 3 - 4u
  EXPECT_DOUBLE_EQ(ComponentValue(tri, 3), 0);   // u = 0.75
  EXPECT_DOUBLE_EQ(ComponentValue(tri, 4), -1);  // a whole period

  Component line{Wave::kLine, 0, 0, 10, 0, 0.5};
  EXPECT_DOUBLE_EQ(ComponentValue(line, 0), 10);
  EXPECT_DOUBLE_EQ(ComponentValue(line, 8), 14);
}

TEST(Buckets, EpochAlignedAndCorrectBefore1970) {
  const int64_t hour = 3600'000'000;
  EXPECT_EQ(BucketStart(0, hour), 0);
  EXPECT_EQ(BucketStart(hour - 1, hour), 0);
  EXPECT_EQ(BucketStart(hour, hour), hour);
  EXPECT_EQ(BucketStart(-1, hour), -hour);
  EXPECT_EQ(BucketStart(-hour, hour), -hour);
  // A 7-day bucket starts on the epoch's Thursday, not on a Monday.
  const int64_t week = 7 * 24 * hour;
  EXPECT_EQ(BucketStart(week + 5, week), week);
  EXPECT_EQ(BucketStartSql("x", 60), "(x - ((x % 60) + 60) % 60)");
}

TEST(Captures, StarsAndSubstitution) {
  EXPECT_EQ(StarCaptures("*.series", "temp.series"), std::vector<std::string>{"temp"});
  EXPECT_EQ(StarCaptures("*", "north"), std::vector<std::string>{"north"});
  EXPECT_EQ(StarCaptures("a*_*.csv", "ab_cd.csv"), (std::vector<std::string>{"b", "cd"}));
  EXPECT_EQ(StarCaptures("x?z", "xyz"), std::vector<std::string>{"xyz"});  // no star
  std::string out;
  ASSERT_TRUE(SubstituteCaptures("$0/$1-$$", {"a", "b"}, &out));
  EXPECT_EQ(out, "a/b-$");
  EXPECT_FALSE(SubstituteCaptures("$2", {"a", "b"}, &out));
  EXPECT_TRUE(MatchColumn("temp*", "temperature"));
  EXPECT_TRUE(MatchColumn("*.C", "temp.C"));
  EXPECT_FALSE(MatchColumn("temp", "temperature"));
  EXPECT_TRUE(MatchColumn("temp", "temp"));
}

TEST(Config, EnvExpansion) {
  ::setenv("POND_UNIT_A", "alpha", 1);
  ::unsetenv("POND_UNIT_UNSET");
  EXPECT_EQ(ExpandEnv("x ${env:POND_UNIT_A} y").value(), "x alpha y");
  EXPECT_EQ(ExpandEnv("${env:POND_UNIT_UNSET:-fallback}").value(), "fallback");
  EXPECT_EQ(ExpandEnv("cost: $$5 and $HOME").value(), "cost: $5 and $HOME");
  auto missing = ExpandEnv("${env:POND_UNIT_UNSET}");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("POND_UNIT_UNSET"), std::string::npos);
  EXPECT_FALSE(ExpandEnv("${env:POND_UNIT_A").ok());
}

TEST(Config, UnknownKeysAreNamedWithTheirLine) {
  auto node = ParseYaml("a: 1\nb: two\nzzz: 3\n", "test").value();
  Fields f(node, "test config");
  EXPECT_EQ(f.Integer("a").value(), 1);
  EXPECT_FALSE(f.Integer("b").ok());
  Status done = f.Done();
  ASSERT_FALSE(done.ok());
  EXPECT_EQ(done.message(), "test config: unknown key 'zzz' (line 3)");
  auto bad = ParseYaml("a: [1,\n", "broken.yaml");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("line"), std::string::npos);
}

// Each factory's config checks, through the registry.
Status Check(const std::string& factory, const std::string& config) {
  auto f = FindFactory(factory);
  if (!f.ok()) return f.status();
  return ParseConfig(**f, config).status();
}

TEST(FactoryConfigs, RejectWhatIsWrong) {
  const std::string points = "points:\n  - name: p\n    components: [{type: line}]\n";
  EXPECT_TRUE(Check("synthetic-timeseries",
                    "start: 2026-01-01\nend: 2026-01-02\ninterval: 1h30m\n" + points)
                  .ok());
  EXPECT_FALSE(Check("synthetic-timeseries",
                     "start: 2026-01-02\nend: 2026-01-01\ninterval: 1h\n" + points)
                   .ok());  // end before start
  EXPECT_FALSE(Check("synthetic-timeseries",
                     "start: 2026-01-01\nend: 2026-01-02\ninterval: 1h\npoints:\n"
                     "  - {name: p, components: [{type: line}]}\n"
                     "  - {name: p, components: [{type: line}]}\n")
                   .ok());  // a name twice
  EXPECT_FALSE(Check("temporal-reduce",
                     "in_pattern: /a\nout_pattern: x\nresolutions: [1h]\n"
                     "aggregations: [{type: avg}]\n")
                   .ok());  // time_column is required
  EXPECT_FALSE(Check("temporal-reduce",
                     "in_pattern: ftp:///a\nout_pattern: x\ntime_column: t\nresolutions: [1h]\n"
                     "aggregations: [{type: avg}]\n")
                   .ok());
  EXPECT_FALSE(Check("dynamic-dir",
                     "entries:\n  - {name: a, factory: column-rename, config: {rules: "
                     "[{type: direct, from: x, to: y}]}}\n  - {name: a, factory: column-rename, "
                     "config: {rules: [{type: direct, from: x, to: y}]}}\n")
                   .ok());
  EXPECT_FALSE(
      Check("column-rename", "rules:\n  - {type: direct, from: a, to: b, cast: uuid}\n").ok());
  EXPECT_FALSE(
      Check("column-rename", "rules:\n  - {type: pattern, pattern: '(', replacement: x}\n").ok());
  EXPECT_FALSE(Check("sql-derived-table", "patterns: {}\n").ok());
  EXPECT_FALSE(Check("timeseries-pivot", "pattern: /a/*\ncolumns: []\n").ok());
}

}  // namespace
}  // namespace pond::factory
