// Test helpers shared by every test binary.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "util/status.h"

#define ASSERT_OK(expr)                                     \
  do {                                                      \
    ::pond::Status _s = (expr);                             \
    ASSERT_TRUE(_s.ok()) << #expr << ": " << _s.ToString(); \
  } while (0)

#define EXPECT_OK(expr)                                     \
  do {                                                      \
    ::pond::Status _s = (expr);                             \
    EXPECT_TRUE(_s.ok()) << #expr << ": " << _s.ToString(); \
  } while (0)

#define POND_TEST_ASSIGN_IMPL(tmp, lhs, expr)                        \
  auto tmp = (expr);                                                 \
  ASSERT_TRUE(tmp.ok()) << #expr << ": " << tmp.status().ToString(); \
  lhs = std::move(tmp).value()

#define ASSERT_OK_AND_ASSIGN(lhs, expr) \
  POND_TEST_ASSIGN_IMPL(POND_CONCAT(_test_result_, __LINE__), lhs, expr)

namespace pond::testing {

// A fresh empty directory under the system temp dir, removed when the object dies.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "pond-test-XXXXXX").string();
    path_ = mkdtemp(tmpl.data());
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// The shared/ folder beside the project (delta-conformance tables).
inline std::string SharedDir() {
  const char* env = std::getenv("POND_SHARED_DIR");
  return env ? env : "../shared";
}

}  // namespace pond::testing
