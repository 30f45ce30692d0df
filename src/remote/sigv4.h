// AWS Signature Version 4 for S3 requests (our own code: curl 7.88's
// CURLOPT_AWS_SIGV4 neither encodes paths nor sorts query parameters).
//
// The request is signed as sent: the canonical URI is the path with each
// segment URI-encoded once (S3 does not normalise or double-encode), the
// query is sorted by encoded name and value, and every header given is
// signed (names lowercased, values trimmed, runs of spaces collapsed).
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pond::remote {

struct Credentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // empty unless temporary credentials
};

struct SignedRequest {
  std::string method;
  std::string path;  // as in the URL but not yet encoded: "/bucket/a b.txt"
  std::vector<std::pair<std::string, std::string>> query;    // not yet encoded
  std::vector<std::pair<std::string, std::string>> headers;  // must include host
  std::string payload_sha256;                                // lowercase hex, or "UNSIGNED-PAYLOAD"
};

// RFC 3986 percent-encoding as SigV4 wants it: unreserved characters
// (A-Z a-z 0-9 - _ . ~) stay, '/' stays when `keep_slash`, every other byte
// becomes %XX (uppercase hex).
std::string UriEncode(std::string_view text, bool keep_slash);

// The canonical request of `request` (for tests and for error messages).
std::string CanonicalRequest(const SignedRequest& request);

// The Authorization header's value for `request` at `amz_date`
// (YYYYMMDDTHHMMSSZ, which must also be sent as x-amz-date).
std::string Authorization(const SignedRequest& request, const Credentials& credentials,
                          const std::string& region, const std::string& service,
                          const std::string& amz_date);

// Lowercase hex HMAC-SHA256 of `data` under `key` (raw bytes out when `raw`).
std::string HmacSha256(std::string_view key, std::string_view data, bool raw);

}  // namespace pond::remote
