#include "remote/sigv4.h"

#include <nettle/hmac.h>

#include <algorithm>

#include "util/hash.h"
#include "util/url.h"

namespace pond::remote {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// A header value as SigV4 signs it: trimmed, runs of spaces as one.
std::string TrimValue(std::string_view v) {
  std::string out;
  bool space = false;
  for (char c : v) {
    if (c == ' ' || c == '\t') {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

// The lowercase header names, sorted, and their canonical lines.
std::pair<std::string, std::string> CanonicalHeaders(const SignedRequest& r) {
  std::vector<std::pair<std::string, std::string>> headers;
  for (const auto& [name, value] : r.headers) headers.emplace_back(Lower(name), TrimValue(value));
  std::stable_sort(headers.begin(), headers.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::string lines, names;
  for (size_t i = 0; i < headers.size(); ++i) {
    // A header given twice is signed once, its values joined by commas.
    if (i > 0 && headers[i].first == headers[i - 1].first) {
      lines.pop_back();
      lines += "," + headers[i].second + "\n";
      continue;
    }
    lines += headers[i].first + ":" + headers[i].second + "\n";
    names += (names.empty() ? "" : ";") + headers[i].first;
  }
  return {lines, names};
}

std::string Scope(const std::string& amz_date, const std::string& region,
                  const std::string& service) {
  return amz_date.substr(0, 8) + "/" + region + "/" + service + "/aws4_request";
}

}  // namespace

std::string HmacSha256(std::string_view key, std::string_view data, bool raw) {
  hmac_sha256_ctx ctx;
  hmac_sha256_set_key(&ctx, key.size(), reinterpret_cast<const uint8_t*>(key.data()));
  hmac_sha256_update(&ctx, data.size(), reinterpret_cast<const uint8_t*>(data.data()));
  uint8_t out[SHA256_DIGEST_SIZE];
  hmac_sha256_digest(&ctx, sizeof(out), out);
  std::string bytes(reinterpret_cast<const char*>(out), sizeof(out));
  return raw ? bytes : HexEncode(bytes);
}

std::string UriEncode(std::string_view text, bool keep_slash) {
  return PercentEncode(text, keep_slash ? "/" : "");
}

std::string CanonicalRequest(const SignedRequest& r) {
  std::vector<std::pair<std::string, std::string>> query;
  for (const auto& [name, value] : r.query) {
    query.emplace_back(UriEncode(name, false), UriEncode(value, false));
  }
  std::sort(query.begin(), query.end());
  std::string q;
  for (const auto& [name, value] : query) q += (q.empty() ? "" : "&") + name + "=" + value;
  auto [lines, names] = CanonicalHeaders(r);
  std::string path = r.path.empty() ? "/" : UriEncode(r.path, true);
  return r.method + "\n" + path + "\n" + q + "\n" + lines + "\n" + names + "\n" + r.payload_sha256;
}

std::string Authorization(const SignedRequest& request, const Credentials& credentials,
                          const std::string& region, const std::string& service,
                          const std::string& amz_date) {
  std::string scope = Scope(amz_date, region, service);
  std::string to_sign =
      "AWS4-HMAC-SHA256\n" + amz_date + "\n" + scope + "\n" + Sha256Hex(CanonicalRequest(request));
  std::string key = HmacSha256("AWS4" + credentials.secret_access_key, amz_date.substr(0, 8), true);
  key = HmacSha256(key, region, true);
  key = HmacSha256(key, service, true);
  key = HmacSha256(key, "aws4_request", true);
  std::string signature = HmacSha256(key, to_sign, false);
  return "AWS4-HMAC-SHA256 Credential=" + credentials.access_key_id + "/" + scope +
         ", SignedHeaders=" + CanonicalHeaders(request).second + ", Signature=" + signature;
}

}  // namespace pond::remote
