// A progress line for long work: what is done (files, bytes), the rate and,
// when the total is known, the share done and the time left, e.g.
//
//   copy: 1,204 files, 12.3 MiB, 45.6 MiB/s
//   push: 40% of 1.2 GiB, 88.0 MiB/s, 9 s left
//   query: 62%, 3 s left
//
// Drawn on standard error only when it is a terminal (and not --quiet), not
// before the work has taken kFirstDrawMs, at most ten times a second, and
// erased when the work ends, so nothing of it stays on the screen or in a log.
//
// Thread safety: Add() may be called from any thread; the rest from one.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>

namespace pond {

class Progress {
 public:
  // The line is drawn on `fd` when `enabled`.
  Progress(std::string label, bool enabled, int fd = 2);
  ~Progress();  // erases the line
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  // The work's size, when known before it starts (0 bytes: unknown).
  void SetTotal(uint64_t bytes);
  void Add(uint64_t bytes, uint64_t files = 0);
  // For work measured only as a share done (a query): 0..1. The line then
  // shows the share and the time left.
  void SetFraction(double done);
  // Erases the line; later calls draw nothing.
  void Finish();

  // The text of the line after `elapsed_ms` (exposed for tests).
  std::string Line(double elapsed_ms) const;

  // How long work runs before its line appears (POND_PROGRESS_DELAY_MS
  // overrides it, for tests).
  static constexpr int kFirstDrawMs = 500;

 private:
  void MaybeDraw();

  const std::string label_;
  const int fd_;
  bool enabled_;
  const std::chrono::steady_clock::time_point start_;
  int first_draw_ms_;
  std::atomic<uint64_t> bytes_{0};
  std::atomic<uint64_t> files_{0};
  std::atomic<uint64_t> total_{0};
  std::atomic<int64_t> permille_{-1};  // SetFraction's share in 1/1000 (-1: not used)
  std::mutex draw_;                    // held while drawing
  double last_ms_ = -1e9;              // guarded by draw_
  bool drawn_ = false;                 // guarded by draw_: a line is on the screen
};

// Whether progress lines are wanted: standard error is a terminal that can
// erase a line, and the user did not ask for quiet.
bool ProgressWanted(bool quiet);

}  // namespace pond
