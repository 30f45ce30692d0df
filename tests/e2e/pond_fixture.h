// A fresh pond per test, and the checks end-to-end tests make of a command.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "e2e/run_pond.h"
#include "parquet/engine.h"

namespace pond::testing {

using Strings = std::vector<std::string>;

inline constexpr int64_t kSecond = 1000000;
inline constexpr int64_t kHourMicros = 3600 * kSecond;
inline constexpr int64_t kJan1 = 1767225600LL * kSecond;  // 2026-01-01T00:00:00Z

inline Strings Lines(const std::string& text) {
  Strings lines;
  std::stringstream ss(text);
  std::string line;
  while (std::getline(ss, line)) lines.push_back(line);
  return lines;
}

// A command that worked: exit 0, nothing on stderr.
inline ::testing::AssertionResult Ok(const PondRun& r) {
  if (r.exit_code == 0 && r.err.empty()) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << "exit " << r.exit_code << "\nstderr: " << r.err << "\nstdout: " << r.out;
}

// A command that failed as it should: the exit code, nothing on stdout, and
// exactly one line on stderr, "pond: ..." containing `needle`.
inline ::testing::AssertionResult Fails(const PondRun& r, int code, const std::string& needle) {
  if (r.exit_code == code && r.out.empty() && LineCount(r.err) == 1 &&
      r.err.rfind("pond: ", 0) == 0 && r.err.find(needle) != std::string::npos) {
    return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure()
         << "exit " << r.exit_code << " (want " << code << ")\nstderr: " << r.err
         << "(want one line with '" << needle << "')\nstdout: " << r.out;
}

class PondFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    std::filesystem::create_directories(host_);
    ASSERT_TRUE(Ok(Pond({"init"})));
  }

  PondRun Pond(const Strings& args, const std::string& env = "") {
    return RunPond(args, "POND=" + ShellQuote(pond_) + (env.empty() ? "" : " " + env));
  }

  // The output of a command that must work.
  std::string Out(const Strings& args, const std::string& env = "") {
    PondRun r = Pond(args, env);
    EXPECT_TRUE(Ok(r)) << args[0];
    return r.out;
  }

  // Writes a host file under host_ (creating parents) and returns its path.
  std::string Host(const std::string& name, const std::string& bytes) {
    std::filesystem::path p = std::filesystem::path(host_) / name;
    std::filesystem::create_directories(p.parent_path());
    std::ofstream out(p, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    return p.string();
  }

  // Writes `batch` as a Parquet host file under host_ and returns its path.
  std::string HostParquet(const std::string& name, const RowBatch& batch) {
    std::string path = host_ + "/" + name;
    std::filesystem::create_directories(std::filesystem::path(path).parent_path());
    auto engine = OpenParquetEngine();
    EXPECT_TRUE(engine.ok());
    if (engine.ok()) {
      Status st = (*engine)->WriteRows(batch, path);
      EXPECT_TRUE(st.ok()) << st.ToString();
    }
    return path;
  }

  // `hours` hourly readings of `temp` from `start`, the value at hour h being `base + h`.
  static RowBatch Hourly(int64_t start, int hours, double base = 0) {
    RowBatch b;
    b.columns = {{"timestamp", CellType::kTimestamp}, {"temp", CellType::kDouble}};
    for (int h = 0; h < hours; ++h) {
      b.rows.push_back({Cell(start + h * kHourMicros), Cell(base + h)});
    }
    return b;
  }

  // The keys under the pond's data/ folder with this prefix, as sorted paths.
  Strings DataFiles(const std::string& prefix) {
    Strings out;
    std::error_code ec;
    for (const auto& e : std::filesystem::recursive_directory_iterator(pond_ + "/data", ec)) {
      std::string rel = e.path().string().substr(pond_.size() + 6);
      if (e.is_regular_file() && rel.rfind(prefix, 0) == 0) out.push_back(rel);
    }
    std::sort(out.begin(), out.end());
    return out;
  }

  TempDir dir_;
  std::string pond_ = dir_.path() + "/pond";
  std::string host_ = dir_.path() + "/host";
};

}  // namespace pond::testing
