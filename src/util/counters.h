// Performance counters for `pond --verbose`: what a command read and wrote,
// and how long each phase took. One set per process.
//
// Thread safety: counters are atomics; phases are recorded by one thread.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace pond {

struct Counters {
  std::atomic<int64_t> directory_reads{0};
  std::atomic<int64_t> file_reads{0};
  std::atomic<int64_t> file_writes{0};
  std::atomic<int64_t> bytes_read{0};
  std::atomic<int64_t> bytes_written{0};
  std::atomic<int64_t> delta_commits{0};
  std::atomic<int64_t> data_files_read{0};
  std::atomic<int64_t> data_files_written{0};
  std::vector<std::pair<std::string, double>> phases_ms;  // in order of first use
  std::string duckdb_module;  // the path it was loaded from, once loaded

  void AddPhase(const std::string& name, double ms);
  // The counters as lines for people ("directory reads: 3", ...).
  std::string Format() const;
};

Counters& GlobalCounters();

// Adds the time from construction to destruction to phase `name`.
class PhaseTimer {
 public:
  explicit PhaseTimer(std::string name)
      : name_(std::move(name)), start_(std::chrono::steady_clock::now()) {}
  ~PhaseTimer() {
    GlobalCounters().AddPhase(
        name_, std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start_)
                   .count());
  }
  PhaseTimer(const PhaseTimer&) = delete;
  PhaseTimer& operator=(const PhaseTimer&) = delete;

 private:
  std::string name_;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace pond
