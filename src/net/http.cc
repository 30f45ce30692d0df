#include "net/http.h"

#include <curl/curl.h>
#include <dlfcn.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <string>

namespace pond::net {
namespace {

// libcurl, loaded on first use: most commands never touch the network, and
// linking it would load two dozen libraries (TLS, Kerberos, LDAP, ...) at the
// start of every one.
struct Curl {
  CURLcode (*global_init)(long);
  CURL* (*easy_init)();
  void (*easy_cleanup)(CURL*);
  void (*easy_reset)(CURL*);
  CURLcode (*easy_setopt)(CURL*, CURLoption, ...);
  CURLcode (*easy_getinfo)(CURL*, CURLINFO, ...);
  CURLcode (*easy_perform)(CURL*);
  const char* (*easy_strerror)(CURLcode);
  curl_slist* (*slist_append)(curl_slist*, const char*);
  void (*slist_free_all)(curl_slist*);
  std::string failure;  // why it could not be loaded; empty when loaded
};

template <typename F>
bool Resolve(void* lib, const char* name, F* fn) {
  *fn = reinterpret_cast<F>(::dlsym(lib, name));
  return *fn != nullptr;
}

const Curl& Api() {
  static const Curl curl = [] {
    Curl c{};
    void* lib = ::dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
      c.failure = std::string("libcurl is not installed (Debian package libcurl4): ") + dlerror();
      return c;
    }
    bool ok = Resolve(lib, "curl_global_init", &c.global_init) &&
              Resolve(lib, "curl_easy_init", &c.easy_init) &&
              Resolve(lib, "curl_easy_cleanup", &c.easy_cleanup) &&
              Resolve(lib, "curl_easy_reset", &c.easy_reset) &&
              Resolve(lib, "curl_easy_setopt", &c.easy_setopt) &&
              Resolve(lib, "curl_easy_getinfo", &c.easy_getinfo) &&
              Resolve(lib, "curl_easy_perform", &c.easy_perform) &&
              Resolve(lib, "curl_easy_strerror", &c.easy_strerror) &&
              Resolve(lib, "curl_slist_append", &c.slist_append) &&
              Resolve(lib, "curl_slist_free_all", &c.slist_free_all);
    if (!ok) {
      c.failure = "libcurl.so.4 lacks a function pond needs";
    } else if (c.global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
      c.failure = "libcurl could not start";
    }
    return c;
  }();
  return curl;
}

}  // namespace

Http::Http() : curl_(Api().failure.empty() ? Api().easy_init() : nullptr) {}

Http::~Http() {
  if (curl_) Api().easy_cleanup(static_cast<CURL*>(curl_));
}

bool Http::Send(const std::string& method, const std::string& url,
                const std::vector<std::string>& headers, const Body& body, Response* response,
                std::string* error, long stall_seconds) {
  const Curl& c = Api();
  if (!this->curl_) {
    *error = c.failure.empty() ? "libcurl could not start a transfer" : c.failure;
    return false;
  }
  CURL* curl_ = static_cast<CURL*>(this->curl_);
  c.easy_reset(curl_);
  *response = Response();
  struct Upload {
    const Body* body;
    uint64_t sent = 0;
  } upload{&body};
  curl_slist* list = nullptr;
  for (const std::string& h : headers) list = c.slist_append(list, h.c_str());
  list = c.slist_append(list, "Expect:");  // no 100-continue round trip
  c.easy_setopt(curl_, CURLOPT_URL, url.c_str());
  c.easy_setopt(curl_, CURLOPT_HTTPHEADER, list);
  c.easy_setopt(curl_, CURLOPT_NOSIGNAL, 1L);
  c.easy_setopt(curl_, CURLOPT_CONNECTTIMEOUT, 10L);
  c.easy_setopt(curl_, CURLOPT_LOW_SPEED_LIMIT, 1L);  // a stalled transfer fails
  c.easy_setopt(curl_, CURLOPT_LOW_SPEED_TIME, stall_seconds);
  if (method == "HEAD") {
    c.easy_setopt(curl_, CURLOPT_NOBODY, 1L);
  } else if (method == "PUT" || method == "POST") {
    c.easy_setopt(curl_, CURLOPT_UPLOAD, 1L);
    c.easy_setopt(curl_, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(body.size()));
    c.easy_setopt(curl_, CURLOPT_READDATA, &upload);
    c.easy_setopt(
        curl_, CURLOPT_READFUNCTION, +[](char* buf, size_t size, size_t n, void* data) -> size_t {
          auto* up = static_cast<Upload*>(data);
          uint64_t left = up->body->size() - up->sent;
          size_t want = static_cast<size_t>(std::min<uint64_t>(left, size * n));
          if (want == 0) return 0;
          if (up->body->fd >= 0) {
            ssize_t got =
                ::pread(up->body->fd, buf, want, static_cast<off_t>(up->body->offset + up->sent));
            if (got <= 0) return CURL_READFUNC_ABORT;
            want = static_cast<size_t>(got);
          } else {
            std::memcpy(buf, up->body->bytes.data() + up->sent, want);
          }
          up->sent += want;
          return want;
        });
    if (method == "POST") c.easy_setopt(curl_, CURLOPT_CUSTOMREQUEST, "POST");
  } else if (method != "GET") {
    c.easy_setopt(curl_, CURLOPT_CUSTOMREQUEST, method.c_str());
  }
  c.easy_setopt(curl_, CURLOPT_WRITEDATA, &response->body);
  c.easy_setopt(
      curl_, CURLOPT_WRITEFUNCTION, +[](char* p, size_t size, size_t n, void* data) -> size_t {
        static_cast<std::string*>(data)->append(p, size * n);
        return size * n;
      });
  c.easy_setopt(curl_, CURLOPT_HEADERDATA, &response->headers);
  c.easy_setopt(
      curl_, CURLOPT_HEADERFUNCTION, +[](char* p, size_t size, size_t n, void* data) -> size_t {
        std::string line(p, size * n);
        size_t colon = line.find(':');
        if (colon != std::string::npos) {
          std::string name = line.substr(0, colon);
          for (char& c : name) c = static_cast<char>(std::tolower(c));
          std::string value = line.substr(colon + 1);
          while (!value.empty() && (value.front() == ' ')) value.erase(0, 1);
          while (!value.empty() &&
                 (value.back() == '\r' || value.back() == '\n' || value.back() == ' ')) {
            value.pop_back();
          }
          (*static_cast<std::map<std::string, std::string>*>(data))[name] = value;
        }
        return size * n;
      });
  CURLcode rc = c.easy_perform(curl_);
  c.slist_free_all(list);
  if (rc != CURLE_OK) {
    *error = c.easy_strerror(rc);
    return false;
  }
  c.easy_getinfo(curl_, CURLINFO_RESPONSE_CODE, &response->status);
  return true;
}

}  // namespace pond::net
