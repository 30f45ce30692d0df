#include "util/hash.h"

#include <openssl/evp.h>

#include <condition_variable>
#include <deque>
#include <mutex>
#include <stdexcept>
#include <thread>

namespace pond {

struct Sha256::Impl {
  EVP_MD_CTX* ctx = nullptr;
};

Sha256::Sha256() : impl_(std::make_unique<Impl>()) {
  impl_->ctx = EVP_MD_CTX_new();
  if (impl_->ctx == nullptr || EVP_DigestInit_ex(impl_->ctx, EVP_sha256(), nullptr) != 1) {
    throw std::runtime_error("OpenSSL could not start a SHA-256 digest");
  }
}

Sha256::~Sha256() { EVP_MD_CTX_free(impl_->ctx); }

void Sha256::Update(std::string_view bytes) {
  EVP_DigestUpdate(impl_->ctx, bytes.data(), bytes.size());
}

std::string Sha256::FinishHex() {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(impl_->ctx, digest, &len);
  return HexEncode(std::string_view(reinterpret_cast<const char*>(digest), len));
}

struct AsyncSha256::Impl {
  Sha256 hash;
  size_t max_pending;
  std::mutex mu;
  std::condition_variable changed;
  std::deque<std::string> pending;  // guarded by mu
  bool done = false;                // guarded by mu
  std::thread worker;

  void Run() {
    std::unique_lock<std::mutex> lock(mu);
    while (true) {
      changed.wait(lock, [&] { return done || !pending.empty(); });
      if (pending.empty()) return;  // done, and nothing left
      std::string chunk = std::move(pending.front());
      pending.pop_front();
      changed.notify_all();
      lock.unlock();
      hash.Update(chunk);
      lock.lock();
    }
  }
};

AsyncSha256::AsyncSha256(size_t max_pending) : impl_(std::make_unique<Impl>()) {
  impl_->max_pending = max_pending == 0 ? 1 : max_pending;
  impl_->worker = std::thread([this] { impl_->Run(); });
}

AsyncSha256::~AsyncSha256() {
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    impl_->done = true;
  }
  impl_->changed.notify_all();
  if (impl_->worker.joinable()) impl_->worker.join();
}

void AsyncSha256::Update(std::string chunk) {
  std::unique_lock<std::mutex> lock(impl_->mu);
  impl_->changed.wait(lock, [&] { return impl_->pending.size() < impl_->max_pending; });
  impl_->pending.push_back(std::move(chunk));
  impl_->changed.notify_all();
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

}  // namespace pond
