// sample_data DIR: writes the demo's sample sensor data under DIR.
//
//   DIR/stations/<station>/readings.parquet   a day of hourly readings (a time series)
//   DIR/notes/<station>.txt                   a field note per station (raw data)
//
// The values are computed, not random, so every run writes the same bytes.
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "parquet/engine.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: sample_data DIR\n");
    return 2;
  }
  const std::string root = argv[1];
  auto engine = pond::OpenParquetEngine();
  if (!engine.ok()) {
    std::fprintf(stderr, "sample_data: %s\n", engine.status().message().c_str());
    return 1;
  }
  const int64_t day = 1767225600000000;  // 2026-01-01T00:00:00Z
  const char* stations[] = {"north", "south", "lake"};
  for (int s = 0; s < 3; ++s) {
    std::string dir = root + "/stations/" + stations[s];
    std::filesystem::create_directories(dir);
    pond::RowBatch batch;
    batch.columns = {{"timestamp", pond::CellType::kTimestamp},
                     {"station", pond::CellType::kString},
                     {"temperature", pond::CellType::kDouble},
                     {"humidity", pond::CellType::kDouble}};
    for (int h = 0; h < 24; ++h) {
      double temp = 4.0 + 3 * s + 5 * std::sin((h - 9) * M_PI / 12);
      double humidity = 70 - 10 * std::sin((h - 9) * M_PI / 12) + s;
      batch.rows.push_back({day + int64_t{h} * 3600 * 1000000, std::string(stations[s]),
                            std::round(temp * 10) / 10, std::round(humidity * 10) / 10});
    }
    pond::Status st = (*engine)->WriteRows(batch, dir + "/readings.parquet");
    if (!st.ok()) {
      std::fprintf(stderr, "sample_data: %s\n", st.message().c_str());
      return 1;
    }
    std::filesystem::create_directories(root + "/notes");
    std::ofstream(root + "/notes/" + stations[s] + ".txt")
        << "Station " << stations[s] << ": sensor serviced 2026-01-01, battery 95%.\n";
  }
  return 0;
}
