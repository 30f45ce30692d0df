#include "util/counters.h"

#include <cstdio>

namespace pond {

Counters& GlobalCounters() {
  static Counters counters;
  return counters;
}

void Counters::AddPhase(const std::string& name, double ms) {
  for (auto& [n, total] : phases_ms) {
    if (n == name) {
      total += ms;
      return;
    }
  }
  phases_ms.emplace_back(name, ms);
}

std::string Counters::Format() const {
  std::string out;
  auto line = [&](const char* name, int64_t v) {
    out += std::string(name) + ": " + std::to_string(v) + "\n";
  };
  line("directory reads", directory_reads);
  line("file reads", file_reads);
  line("file writes", file_writes);
  line("bytes read", bytes_read);
  line("bytes written", bytes_written);
  line("delta commits", delta_commits);
  line("data files read", data_files_read);
  line("data files written", data_files_written);
  if (!duckdb_module.empty()) out += "duckdb module: " + duckdb_module + "\n";
  for (const auto& [name, ms] : phases_ms) {
    char buf[128];
    std::snprintf(buf, sizeof(buf), "time %s: %.2f ms\n", name.c_str(), ms);
    out += buf;
  }
  return out;
}

}  // namespace pond
