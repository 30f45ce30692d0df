// SHA-256, one-shot and streaming (OpenSSL underneath).
//
// Thread safety: a Sha256 object is used by one thread at a time.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "util/status.h"

namespace pond {

class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void Update(std::string_view bytes);
  // Returns the lowercase hex digest (64 characters). The object is spent afterwards.
  std::string FinishHex();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// SHA-256 computed on a worker thread, so that hashing a large stream overlaps
// with reading and writing it. Holds at most `max_pending` chunks (bounded
// memory); Update() blocks while the worker is that far behind.
//
// Thread safety: Update, UpdateHere and FinishHex are called from one
// thread at a time.
class AsyncSha256 {
 public:
  explicit AsyncSha256(size_t max_pending = 4);
  ~AsyncSha256();
  AsyncSha256(const AsyncSha256&) = delete;
  AsyncSha256& operator=(const AsyncSha256&) = delete;

  void Update(std::string_view chunk);
  // Hashes `chunk` on the caller's thread once every earlier chunk is hashed:
  // no copy, for a caller that is a worker thread already.
  void UpdateHere(std::string_view chunk);

  // Content up to this size is hashed on the caller's thread: no thread is
  // started for it.
  static constexpr uint64_t kInlineHashBytes = 256 << 10;
  // Waits for every chunk, then returns the lowercase hex digest.
  std::string FinishHex();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Lowercase hex SHA-256 of `bytes`.
std::string Sha256Hex(std::string_view bytes);

// Lowercase hex SHA-256 of host file `path`, streamed. IOError naming it.
Result<std::string> Sha256OfFile(const std::string& path);

// Lowercase hex of raw bytes.
std::string HexEncode(std::string_view bytes);

}  // namespace pond
