// The waves synthetic-timeseries sums: pure functions of time, for tests.
#pragma once

namespace pond::factory {

enum class Wave { kSine, kTriangle, kSquare, kLine };

struct Component {
  Wave type = Wave::kSine;
  double amplitude = 0;
  double period = 0;  // seconds; required (> 0) for the periodic waves
  double offset = 0;
  double phase = 0;  // radians
  double slope = 0;  // per second (line)
};

// The component's value `t` seconds after the series' start:
//   sine     offset + A·sin(2π·t/P + phase)
//   square   offset + A·sign(sin(2π·t/P + phase)), sign(0) = +1 (exact at
//            the zeros: +A where the phase fraction is at most 1/2)
//   triangle u = frac(t/P + phase/2π): offset + A·(4u−1 if u < 0.5 else 3−4u)
//   line     offset + slope·t
double ComponentValue(const Component& c, double t);

}  // namespace pond::factory
