// synthetic-timeseries: a series computed from waveforms, for demos and tests.
//
//   start: 2026-01-01T00:00:00Z
//   end: 2026-01-02T00:00:00Z        # inclusive
//   interval: 15m
//   time_column: timestamp           # default
//   points:
//     - name: temperature
//       components:
//         - {type: sine, amplitude: 5, period: 1d, offset: 20}
//
// `period` is a duration ("1d") or a number of seconds.
#include <cmath>
#include <set>

#include "factory/evaluator.h"
#include "factory/waveform.h"
#include "parquet/engine.h"
#include "util/duration.h"
#include "util/text.h"

namespace pond::factory {

double ComponentValue(const Component& c, double t) {
  constexpr double kTwoPi = 2 * M_PI;
  switch (c.type) {
    case Wave::kSine:
      return c.offset + c.amplitude * std::sin(kTwoPi * t / c.period + c.phase);
    case Wave::kSquare: {
      // sign(sin(x)) with sign(0) = +1, decided on the phase fraction so that
      // the zeros at whole half periods are exact (floating sin(π) is not 0).
      double x = t / c.period + c.phase / kTwoPi;
      double u = x - std::floor(x);
      return c.offset + (u <= 0.5 ? c.amplitude : -c.amplitude);
    }
    case Wave::kTriangle: {
      double x = t / c.period + c.phase / kTwoPi;
      double u = x - std::floor(x);
      return c.offset + c.amplitude * (u < 0.5 ? 4 * u - 1 : 3 - 4 * u);
    }
    case Wave::kLine:
      return c.offset + c.slope * t;
  }
  return 0;
}

namespace {

struct Point {
  std::string name;
  std::vector<Component> components;
};

struct Config : ParsedConfig {
  int64_t start = 0;
  int64_t end = 0;
  int64_t interval = 0;
  std::string time_column;
  std::vector<Point> points;
};

// A period: a duration ("1d") or a number of seconds.
Result<double> PeriodSeconds(Fields& f) {
  YAML::Node raw = f.Raw("period");
  double seconds = 0;
  if (raw.IsScalar() && YAML::convert<double>::decode(raw, seconds)) {
    if (seconds > 0 && std::isfinite(seconds)) return seconds;
  } else if (raw.IsScalar()) {
    auto micros = ParseDurationMicros(raw.Scalar());
    if (micros.ok() && *micros > 0) return static_cast<double>(*micros) / 1e6;
  }
  return f.Error("'period' must be a duration such as 1d or a number of seconds above 0" +
                 LineOf(raw));
}

class SyntheticTimeseries final : public Factory {
 public:
  std::string_view name() const override { return "synthetic-timeseries"; }
  std::string_view description() const override {
    return "a series of sums of sine, triangle, square and line waves at a fixed interval";
  }
  Makes makes() const override { return Makes::kSeries; }

  Result<std::shared_ptr<const ParsedConfig>> Parse(const YAML::Node& node) const override {
    Fields f(node, "synthetic-timeseries config");
    auto config = std::make_shared<Config>();
    ASSIGN_OR_RETURN(config->start, f.Time("start"));
    ASSIGN_OR_RETURN(config->end, f.Time("end"));
    if (config->end < config->start) return f.Error("'end' must not come before 'start'");
    ASSIGN_OR_RETURN(config->interval, f.Duration("interval"));
    ASSIGN_OR_RETURN(auto time_column, f.OptString("time_column"));
    config->time_column = time_column.value_or("timestamp");
    ASSIGN_OR_RETURN(auto points, f.List("points", true));
    if (points.empty()) return f.Error("'points' must name at least one point");
    std::set<std::string> names{config->time_column};
    for (size_t i = 0; i < points.size(); ++i) {
      Fields p(points[i], "synthetic-timeseries config: " + Item("points", i));
      Point point;
      ASSIGN_OR_RETURN(point.name, p.String("name"));
      if (point.name.empty()) return p.Error("'name' must not be empty");
      if (!names.insert(point.name).second) {
        return p.Error("the name '" + EscapeControl(point.name) + "' is used twice");
      }
      ASSIGN_OR_RETURN(auto components, p.List("components", true));
      if (components.empty()) return p.Error("'components' must have at least one component");
      for (size_t j = 0; j < components.size(); ++j) {
        Fields c(components[j], p.where() + "." + Item("components", j));
        Component comp;
        ASSIGN_OR_RETURN(std::string type, c.String("type"));
        if (type == "sine") {
          comp.type = Wave::kSine;
        } else if (type == "triangle") {
          comp.type = Wave::kTriangle;
        } else if (type == "square") {
          comp.type = Wave::kSquare;
        } else if (type == "line") {
          comp.type = Wave::kLine;
        } else {
          return c.Error("'type' must be sine, triangle, square or line, not '" +
                         EscapeControl(type) + "'");
        }
        ASSIGN_OR_RETURN(comp.amplitude, c.Number("amplitude", 0.0));
        ASSIGN_OR_RETURN(comp.offset, c.Number("offset", 0.0));
        ASSIGN_OR_RETURN(comp.phase, c.Number("phase", 0.0));
        ASSIGN_OR_RETURN(comp.slope, c.Number("slope", 0.0));
        if (comp.type != Wave::kLine) {
          if (!c.Has("period")) return c.Error("'period' is required for a " + type + " wave");
          ASSIGN_OR_RETURN(comp.period, PeriodSeconds(c));
        } else if (c.Has("period")) {
          ASSIGN_OR_RETURN(comp.period, PeriodSeconds(c));
        }
        RETURN_IF_ERROR(c.Done());
        point.components.push_back(comp);
      }
      RETURN_IF_ERROR(p.Done());
      config->points.push_back(std::move(point));
    }
    RETURN_IF_ERROR(f.Done());
    int64_t rows = (config->end - config->start) / config->interval + 1;
    if (rows > 100'000'000) {
      return f.Error("start, end and interval make " + std::to_string(rows) +
                     " rows; at most 100,000,000 are allowed");
    }
    return std::shared_ptr<const ParsedConfig>(config);
  }

  Result<tinyfs::DynamicContent> Compute(Evaluation& ev,
                                         const ParsedConfig& parsed) const override {
    const auto& config = dynamic_cast<const Config&>(parsed);
    std::string key = CacheKey({std::string(name()), ev.config_text});
    return ev.eval.Materialize(key, config.time_column, [&](const std::string& dest) -> Status {
      RowBatch batch;
      batch.columns.push_back({config.time_column, CellType::kTimestamp});
      for (const Point& p : config.points) batch.columns.push_back({p.name, CellType::kDouble});
      for (int64_t t = config.start; t <= config.end; t += config.interval) {
        std::vector<Cell> row;
        row.reserve(batch.columns.size());
        row.emplace_back(t);
        double seconds = static_cast<double>(t - config.start) / 1e6;
        for (const Point& p : config.points) {
          double sum = 0;
          for (const Component& c : p.components) sum += ComponentValue(c, seconds);
          row.emplace_back(sum);
        }
        batch.rows.push_back(std::move(row));
      }
      ASSIGN_OR_RETURN(auto engine, OpenParquetEngine());
      return engine->WriteRows(batch, dest);
    });
  }
};

POND_REGISTER_FACTORY(SyntheticTimeseries);

}  // namespace
}  // namespace pond::factory
