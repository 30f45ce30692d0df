#include "util/hash.h"

#include <cerrno>
#include <cstdio>
#include <cstring>

// OpenSSL 3 deprecates the one-algorithm SHA256_* functions in favour of EVP,
// but EVP's first use loads providers and the configuration file, and linking
// it pulls in most of libcrypto. The SHA256_* functions run the same assembly
// (SHA-NI where the CPU has it) without that, so they are used here, and only
// here: statically linked, they add 25 KB to the binary and nothing to its
// start-up. (Nettle's SHA-256, used for HMAC in remote/sigv4.cc, is about 12%
// slower, which a 1 GiB copy feels.)
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/sha.h>

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "util/fd_read.h"

namespace pond {

struct Sha256::Impl {
  SHA256_CTX ctx;
};

Sha256::Sha256() : impl_(std::make_unique<Impl>()) { SHA256_Init(&impl_->ctx); }

Sha256::~Sha256() = default;

void Sha256::Update(std::string_view bytes) {
  SHA256_Update(&impl_->ctx, bytes.data(), bytes.size());
}

std::string Sha256::FinishHex() {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256_Final(digest, &impl_->ctx);
  return HexEncode(std::string_view(reinterpret_cast<const char*>(digest), sizeof(digest)));
}

struct AsyncSha256::Impl {
  Sha256 hash;
  size_t max_pending;
  std::mutex mu;
  std::condition_variable changed;
  std::deque<std::string> pending;  // guarded by mu
  bool done = false;                // guarded by mu
  bool busy = false;                // guarded by mu: the worker is hashing a chunk
  uint64_t inline_bytes = 0;        // hashed on the caller's thread, before the worker
  std::thread worker;               // started once the content outgrows kInlineHashBytes

  void Run() {
    std::unique_lock<std::mutex> lock(mu);
    while (true) {
      changed.wait(lock, [&] { return done || !pending.empty(); });
      if (pending.empty()) return;  // done, and nothing left
      std::string chunk = std::move(pending.front());
      pending.pop_front();
      busy = true;
      changed.notify_all();
      lock.unlock();
      hash.Update(chunk);
      lock.lock();
      busy = false;
      changed.notify_all();
    }
  }
};

AsyncSha256::AsyncSha256(size_t max_pending) : impl_(std::make_unique<Impl>()) {
  impl_->max_pending = max_pending == 0 ? 1 : max_pending;
}

AsyncSha256::~AsyncSha256() {
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    impl_->done = true;
  }
  impl_->changed.notify_all();
  if (impl_->worker.joinable()) impl_->worker.join();
}

void AsyncSha256::Update(std::string_view chunk) {
  if (!impl_->worker.joinable()) {
    // Small content costs less to hash here than to hand to a thread.
    if (impl_->inline_bytes + chunk.size() <= kInlineHashBytes) {
      impl_->hash.Update(chunk);
      impl_->inline_bytes += chunk.size();
      return;
    }
    impl_->worker = std::thread([this] { impl_->Run(); });
  }
  std::unique_lock<std::mutex> lock(impl_->mu);
  impl_->changed.wait(lock, [&] { return impl_->pending.size() < impl_->max_pending; });
  impl_->pending.emplace_back(chunk);
  impl_->changed.notify_all();
}

void AsyncSha256::UpdateHere(std::string_view chunk) {
  std::unique_lock<std::mutex> lock(impl_->mu);
  impl_->changed.wait(lock, [&] { return impl_->pending.empty() && !impl_->busy; });
  impl_->hash.Update(chunk);
}

std::string AsyncSha256::FinishHex() {
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    impl_->done = true;
  }
  impl_->changed.notify_all();
  if (impl_->worker.joinable()) impl_->worker.join();
  return impl_->hash.FinishHex();
}

std::string Sha256Hex(std::string_view bytes) {
  Sha256 h;
  h.Update(bytes);
  return h.FinishHex();
}

std::string HexEncode(std::string_view bytes) {
  static const char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 0xf]);
  }
  return out;
}

Result<std::string> Sha256OfFile(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return Status::IOError("cannot read " + path + ": " + std::strerror(errno));
  Sha256 h;
  IoBuffer buf;
  size_t got;
  while ((got = std::fread(buf.data(), 1, buf.size(), f)) > 0) {
    h.Update(std::string_view(buf.data(), got));
  }
  bool failed = std::ferror(f) != 0;
  std::fclose(f);
  if (failed) return Status::IOError("cannot read " + path);
  return h.FinishHex();
}

}  // namespace pond
