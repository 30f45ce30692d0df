#include "net/http.h"

#include <curl/curl.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

namespace pond::net {

Http::Http() {
  static const bool initialized = [] {
    return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
  }();
  (void)initialized;
  curl_ = curl_easy_init();
}

Http::~Http() { curl_easy_cleanup(static_cast<CURL*>(curl_)); }

bool Http::Send(const std::string& method, const std::string& url,
                const std::vector<std::string>& headers, const Body& body, Response* response,
                std::string* error, long stall_seconds) {
  CURL* curl_ = static_cast<CURL*>(this->curl_);
  curl_easy_reset(curl_);
  *response = Response();
  struct Upload {
    const Body* body;
    uint64_t sent = 0;
  } upload{&body};
  curl_slist* list = nullptr;
  for (const std::string& h : headers) list = curl_slist_append(list, h.c_str());
  list = curl_slist_append(list, "Expect:");  // no 100-continue round trip
  curl_easy_setopt(curl_, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl_, CURLOPT_HTTPHEADER, list);
  curl_easy_setopt(curl_, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl_, CURLOPT_CONNECTTIMEOUT, 10L);
  curl_easy_setopt(curl_, CURLOPT_LOW_SPEED_LIMIT, 1L);  // a stalled transfer fails
  curl_easy_setopt(curl_, CURLOPT_LOW_SPEED_TIME, stall_seconds);
  if (method == "HEAD") {
    curl_easy_setopt(curl_, CURLOPT_NOBODY, 1L);
  } else if (method == "PUT" || method == "POST") {
    curl_easy_setopt(curl_, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(curl_, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(body.size()));
    curl_easy_setopt(curl_, CURLOPT_READDATA, &upload);
    curl_easy_setopt(
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
    if (method == "POST") curl_easy_setopt(curl_, CURLOPT_CUSTOMREQUEST, "POST");
  } else if (method != "GET") {
    curl_easy_setopt(curl_, CURLOPT_CUSTOMREQUEST, method.c_str());
  }
  curl_easy_setopt(curl_, CURLOPT_WRITEDATA, &response->body);
  curl_easy_setopt(
      curl_, CURLOPT_WRITEFUNCTION, +[](char* p, size_t size, size_t n, void* data) -> size_t {
        static_cast<std::string*>(data)->append(p, size * n);
        return size * n;
      });
  curl_easy_setopt(curl_, CURLOPT_HEADERDATA, &response->headers);
  curl_easy_setopt(
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
  CURLcode rc = curl_easy_perform(curl_);
  curl_slist_free_all(list);
  if (rc != CURLE_OK) {
    *error = curl_easy_strerror(rc);
    return false;
  }
  curl_easy_getinfo(curl_, CURLINFO_RESPONSE_CODE, &response->status);
  return true;
}

}  // namespace pond::net
