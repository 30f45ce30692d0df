#include "util/progress.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "util/text.h"

namespace pond {
namespace {

constexpr double kRedrawMs = 100;

std::string WithCommas(uint64_t n) {
  std::string digits = std::to_string(n);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

std::string Seconds(double s) {
  if (s < 60) return std::to_string(static_cast<int>(s + 0.5)) + " s";
  int m = static_cast<int>(s / 60 + 0.5);
  if (m < 60) return std::to_string(m) + " min";
  return std::to_string(m / 60) + " h " + std::to_string(m % 60) + " min";
}

void WriteAll(int fd, const std::string& text) {
  size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n <= 0) return;  // a progress line is never worth failing for
    done += static_cast<size_t>(n);
  }
}

}  // namespace

Progress::Progress(std::string label, bool enabled, int fd)
    : label_(std::move(label)),
      fd_(fd),
      enabled_(enabled),
      start_(std::chrono::steady_clock::now()),
      first_draw_ms_(kFirstDrawMs) {
  if (const char* delay = std::getenv("POND_PROGRESS_DELAY_MS")) first_draw_ms_ = std::atoi(delay);
}

Progress::~Progress() { Finish(); }

void Progress::SetTotal(uint64_t bytes) { total_ = bytes; }

void Progress::Add(uint64_t bytes, uint64_t files) {
  bytes_ += bytes;
  files_ += files;
  if (enabled_) MaybeDraw();
}

void Progress::SetFraction(double done) {
  permille_ = static_cast<int64_t>(std::clamp(done, 0.0, 1.0) * 1000);
  if (enabled_) MaybeDraw();
}

std::string Progress::Line(double elapsed_ms) const {
  const uint64_t bytes = bytes_, files = files_, total = total_;
  const double secs = elapsed_ms / 1000;
  if (const int64_t permille = permille_; permille >= 0) {
    std::string line = label_ + ": " + std::to_string(permille / 10) + "%";
    if (permille >= 10 && permille < 1000) {
      line += ", " +
              Seconds(secs * static_cast<double>(1000 - permille) / static_cast<double>(permille)) +
              " left";
    }
    return line;
  }
  const double rate = secs > 0 ? static_cast<double>(bytes) / secs : 0;
  std::string line = label_ + ": ";
  if (total > 0) {
    line += std::to_string(
                static_cast<int>(100.0 * static_cast<double>(bytes) / static_cast<double>(total))) +
            "% of " + HumanSize(total);
  } else {
    if (files > 0) line += WithCommas(files) + (files == 1 ? " file, " : " files, ");
    line += HumanSize(bytes);
  }
  if (secs >= 0.2) line += ", " + HumanSize(static_cast<uint64_t>(rate)) + "/s";
  if (total > bytes && rate > 0) {
    line += ", " + Seconds(static_cast<double>(total - bytes) / rate) + " left";
  }
  return line;
}

void Progress::MaybeDraw() {
  std::unique_lock<std::mutex> lock(draw_, std::try_to_lock);
  if (!lock.owns_lock() || !enabled_) return;  // another thread is drawing
  double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start_).count();
  if (ms < first_draw_ms_ || ms - last_ms_ < kRedrawMs) return;
  last_ms_ = ms;
  WriteAll(fd_, "\r\033[K" + Line(ms));
  drawn_ = true;
}

void Progress::Finish() {
  std::lock_guard<std::mutex> lock(draw_);
  if (drawn_) WriteAll(fd_, "\r\033[K");
  drawn_ = false;
  enabled_ = false;
}

bool ProgressWanted(bool quiet) {
  if (quiet || !::isatty(STDERR_FILENO)) return false;
  const char* term = std::getenv("TERM");
  return term == nullptr || std::strcmp(term, "dumb") != 0;
}

}  // namespace pond
