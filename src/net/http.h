// HTTP over libcurl, for the S3 store and the collectors: one request at a
// time per Http object, its connection kept between requests; TLS
// certificates are verified (libcurl's default, never turned off).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace pond::net {

// What a request sends: bytes in memory, or a range of a file.
struct Body {
  std::string_view bytes;
  int fd = -1;
  uint64_t offset = 0;
  uint64_t length = 0;
  uint64_t size() const { return fd >= 0 ? length : bytes.size(); }
};

struct Response {
  long status = 0;
  std::string body;
  std::map<std::string, std::string> headers;  // lowercase names
};

class Http {
 public:
  Http();
  ~Http();
  Http(const Http&) = delete;
  Http& operator=(const Http&) = delete;

  // Sends the request; false (and why in `error`) only when no HTTP answer
  // came. `headers` are "Name: value" lines. A transfer that stalls for
  // `stall_seconds` fails.
  bool Send(const std::string& method, const std::string& url,
            const std::vector<std::string>& headers, const Body& body, Response* response,
            std::string* error, long stall_seconds = 20);

 private:
  void* curl_;
};

}  // namespace pond::net
