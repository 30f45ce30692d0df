#include "remote/s3_store.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <map>
#include <mutex>
#include <pugixml.hpp>
#include <thread>
#include <vector>

#include "net/http.h"
#include "util/hash.h"
#include "util/text.h"

namespace pond::remote {
namespace {

constexpr uint64_t kPartSize = 16ull << 20;  // multipart part, and the single-PUT limit
constexpr uint64_t kRangeSize = 8ull << 20;  // one ranged GET
constexpr int kParallelParts = 4;
constexpr int kAttempts = 5;
const char* kEmptySha256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

using net::Body;
using net::Http;
using net::Response;

std::string AmzDate() {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

// An S3 error document's code and message, if the body is one.
std::pair<std::string, std::string> ErrorOf(const std::string& body) {
  S3Error e = ParseS3Error(body);
  return {e.code, e.message};
}

int64_t ParseHttpDate(const std::string& text) {
  std::tm tm{};
  if (!strptime(text.c_str(), "%a, %d %b %Y %H:%M:%S", &tm)) return 0;
  return static_cast<int64_t>(timegm(&tm)) * 1000;
}

}  // namespace

S3Error ParseS3Error(const std::string& body) {
  pugi::xml_document doc;
  if (body.empty() || !doc.load_buffer(body.data(), body.size())) return {};
  pugi::xml_node error = doc.child("Error");
  return {error.child_value("Code"), error.child_value("Message")};
}

namespace {

int64_t ParseIsoDate(const std::string& text) {
  std::tm tm{};
  if (!strptime(text.c_str(), "%Y-%m-%dT%H:%M:%S", &tm)) return 0;
  return static_cast<int64_t>(timegm(&tm)) * 1000;
}

class S3Store;

class S3ReadStream final : public ReadStream {
 public:
  S3ReadStream(S3Store* store, std::string key, uint64_t size)
      : store_(store), key_(std::move(key)), size_(size) {}
  Result<size_t> Read(char* buf, size_t n) override;

 private:
  S3Store* store_;
  std::string key_;
  uint64_t size_;
  uint64_t next_ = 0;  // the next byte to fetch
  std::string chunk_;
  size_t used_ = 0;
};

class S3WriteStream final : public WriteStream {
 public:
  S3WriteStream(S3Store* store, std::string key, bool if_absent)
      : store_(store), key_(std::move(key)), if_absent_(if_absent) {}
  ~S3WriteStream() override {
    if (fd_ >= 0) ::close(fd_);
  }
  Status Append(std::string_view bytes) override;
  Status Commit() override { return CommitAs(key_); }
  Status CommitAs(const std::string& key) override;
  uint64_t size() const override { return size_; }

 private:
  S3Store* store_;
  std::string key_;
  bool if_absent_;
  std::string memory_;  // the bytes while they fit in one PUT
  int fd_ = -1;         // then an unlinked temporary file
  uint64_t size_ = 0;
  bool done_ = false;
};

class S3Store final : public ObjectStore {
 public:
  S3Store(S3Location location, Credentials credentials)
      : location_(std::move(location)), credentials_(std::move(credentials)) {
    if (location_.endpoint.empty()) {
      host_ = location_.bucket + ".s3." + location_.region + ".amazonaws.com";
      origin_ = "https://" + host_;
    } else {
      origin_ = location_.endpoint;
      while (!origin_.empty() && origin_.back() == '/') origin_.pop_back();
      size_t scheme = origin_.find("://");
      host_ = scheme == std::string::npos ? origin_ : origin_.substr(scheme + 3);
      host_ = host_.substr(0, host_.find('/'));
      base_ = "/" + location_.bucket;
    }
  }

  Result<std::string> Get(const std::string& key) override {
    RETURN_IF_ERROR(ValidateKey(key));
    ASSIGN_OR_RETURN(Response r, Call("GET", ObjectPath(key), {}, {}, {}, kEmptySha256));
    if (r.status != 200) return Failure(r, "GET", key);
    return std::move(r.body);
  }

  Result<std::unique_ptr<ReadStream>> OpenRead(const std::string& key) override {
    ASSIGN_OR_RETURN(ObjectInfo info, Stat(key));
    return std::unique_ptr<ReadStream>(new S3ReadStream(this, key, info.size));
  }

  Result<ObjectInfo> Stat(const std::string& key) override {
    RETURN_IF_ERROR(ValidateKey(key));
    ASSIGN_OR_RETURN(Response r, Call("HEAD", ObjectPath(key), {}, {}, {}, kEmptySha256));
    if (r.status != 200) return Failure(r, "HEAD", key);
    ObjectInfo info;
    info.key = key;
    info.size = std::strtoull(r.headers["content-length"].c_str(), nullptr, 10);
    info.modified_millis = ParseHttpDate(r.headers["last-modified"]);
    return info;
  }

  Status Put(const std::string& key, std::string_view data) override {
    return PutBytes(key, data, false);
  }
  Status PutIfAbsent(const std::string& key, std::string_view data) override {
    return PutBytes(key, data, true);
  }

  Result<std::unique_ptr<WriteStream>> OpenWrite(const std::string& key, bool if_absent) override {
    RETURN_IF_ERROR(ValidateKey(key));
    return std::unique_ptr<WriteStream>(new S3WriteStream(this, key, if_absent));
  }

  Result<std::vector<ObjectInfo>> List(const std::string& prefix) override {
    std::vector<ObjectInfo> out;
    std::string root = location_.prefix.empty() ? "" : location_.prefix + "/";
    std::string token;
    while (true) {
      std::vector<std::pair<std::string, std::string>> query = {{"list-type", "2"},
                                                                {"prefix", root + prefix}};
      if (!token.empty()) query.emplace_back("continuation-token", token);
      ASSIGN_OR_RETURN(Response r, Call("GET", base_ + "/", query, {}, {}, kEmptySha256));
      if (r.status != 200) return Failure(r, "LIST", prefix.empty() ? "/" : prefix);
      ASSIGN_OR_RETURN(S3ListPage page, ParseS3ListPage(r.body));
      for (ObjectInfo& info : page.objects) {
        if (info.key.rfind(root, 0) != 0) continue;
        info.key = info.key.substr(root.size());
        if (!ValidateKey(info.key).ok()) continue;  // not one of ours
        out.push_back(std::move(info));
      }
      if (!page.truncated) break;
      token = page.next_token;
      if (token.empty()) return Status::IOError("the S3 listing was cut short without a token");
    }
    std::sort(out.begin(), out.end(),
              [](const ObjectInfo& a, const ObjectInfo& b) { return a.key < b.key; });
    return out;
  }

  Status Delete(const std::string& key) override {
    RETURN_IF_ERROR(Stat(key).status());
    ASSIGN_OR_RETURN(Response r, Call("DELETE", ObjectPath(key), {}, {}, {}, kEmptySha256));
    if (r.status != 204 && r.status != 200) return Failure(r, "DELETE", key);
    return Status::OK();
  }

  std::optional<std::string> LocalPath(const std::string&) const override { return std::nullopt; }

  // --- for the streams

  Status GetRange(const std::string& key, uint64_t offset, uint64_t length, std::string* out) {
    ASSIGN_OR_RETURN(Response r, Call("GET", ObjectPath(key), {},
                                      {"Range: bytes=" + std::to_string(offset) + "-" +
                                       std::to_string(offset + length - 1)},
                                      {}, kEmptySha256));
    if (r.status != 206 && r.status != 200) return Failure(r, "GET", key);
    if (r.status == 200) r.body = r.body.substr(std::min<size_t>(offset, r.body.size()), length);
    *out = std::move(r.body);
    return Status::OK();
  }

  Status PutBytes(const std::string& key, std::string_view data, bool if_absent) {
    RETURN_IF_ERROR(ValidateKey(key));
    Body body;
    body.bytes = data;
    std::vector<std::string> headers;
    if (if_absent) headers.push_back("If-None-Match: *");
    std::string hash = data.size() <= kPartSize ? Sha256Hex(data) : "UNSIGNED-PAYLOAD";
    ASSIGN_OR_RETURN(Response r, Call("PUT", ObjectPath(key), {}, headers, body, hash));
    if (r.status != 200) return Failure(r, "PUT", key);
    return Status::OK();
  }

  // Uploads `size` bytes of file `fd` as `key` in parts, several at a time.
  Status Multipart(const std::string& key, int fd, uint64_t size, bool if_absent) {
    std::string path = ObjectPath(key);
    ASSIGN_OR_RETURN(Response created, Call("POST", path, {{"uploads", ""}}, {}, {}, kEmptySha256));
    if (created.status != 200) return Failure(created, "PUT", key);
    pugi::xml_document doc;
    doc.load_buffer(created.body.data(), created.body.size());
    std::string upload_id = doc.child("InitiateMultipartUploadResult").child_value("UploadId");
    if (upload_id.empty()) return Status::IOError("the S3 service started no upload for " + key);
    const uint64_t parts = (size + kPartSize - 1) / kPartSize;
    std::vector<std::string> etags(parts);
    std::atomic<uint64_t> next{0};
    std::mutex mu;
    Status first_error;
    auto worker = [&] {
      while (true) {
        uint64_t i = next++;
        if (i >= parts) return;
        {
          std::lock_guard<std::mutex> lock(mu);
          if (!first_error.ok()) return;
        }
        Body body;
        body.fd = fd;
        body.offset = i * kPartSize;
        body.length = std::min(kPartSize, size - body.offset);
        auto r = Call("PUT", path, {{"partNumber", std::to_string(i + 1)}, {"uploadId", upload_id}},
                      {}, body, "UNSIGNED-PAYLOAD");
        Status st = r.status();
        if (st.ok() && r->status != 200) st = Failure(*r, "PUT", key);
        if (st.ok()) etags[i] = r->headers["etag"];
        if (!st.ok()) {
          std::lock_guard<std::mutex> lock(mu);
          if (first_error.ok()) first_error = st;
        }
      }
    };
    std::vector<std::thread> threads;
    for (int t = 0; t < kParallelParts && static_cast<uint64_t>(t) < parts; ++t) {
      threads.emplace_back(worker);
    }
    for (auto& t : threads) t.join();
    Status st = first_error;
    if (st.ok()) {
      std::string xml = "<CompleteMultipartUpload>";
      for (uint64_t i = 0; i < parts; ++i) {
        xml += "<Part><PartNumber>" + std::to_string(i + 1) + "</PartNumber><ETag>" + etags[i] +
               "</ETag></Part>";
      }
      xml += "</CompleteMultipartUpload>";
      Body body;
      body.bytes = xml;
      std::vector<std::string> headers;
      if (if_absent) headers.push_back("If-None-Match: *");
      auto r = Call("POST", path, {{"uploadId", upload_id}}, headers, body, Sha256Hex(xml));
      st = r.status();
      // A completion can fail after its 200: the error is in the body.
      if (st.ok() && (r->status != 200 || !ErrorOf(r->body).first.empty())) {
        st = Failure(*r, "PUT", key);
      }
      if (st.ok()) return st;
    }
    (void)Call("DELETE", path, {{"uploadId", upload_id}}, {}, {}, kEmptySha256);
    return st;
  }

 private:
  std::string ObjectPath(const std::string& key) const {
    return base_ + "/" + (location_.prefix.empty() ? "" : location_.prefix + "/") + key;
  }

  std::unique_ptr<Http> Take() {
    std::lock_guard<std::mutex> lock(mu_);
    if (pool_.empty()) return std::make_unique<Http>();
    auto h = std::move(pool_.back());
    pool_.pop_back();
    return h;
  }
  void Give(std::unique_ptr<Http> h) {
    std::lock_guard<std::mutex> lock(mu_);
    pool_.push_back(std::move(h));
  }

  // Signs and sends a request, retrying what may pass on a second try.
  Result<Response> Call(const std::string& method, const std::string& path,
                        const std::vector<std::pair<std::string, std::string>>& query,
                        const std::vector<std::string>& extra, const Body& body,
                        const std::string& payload_hash) {
    std::string url = origin_ + UriEncode(path, true);
    std::string q;
    for (const auto& [name, value] : query) {
      q += (q.empty() ? "?" : "&") + UriEncode(name, false) + "=" + UriEncode(value, false);
    }
    url += q;
    auto http = Take();
    std::string error;
    Response response;
    for (int attempt = 0; attempt < kAttempts; ++attempt) {
      if (attempt > 0) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100 << (attempt - 1)));
      }
      SignedRequest req;
      req.method = method;
      req.path = path;
      req.query = query;
      req.payload_sha256 = payload_hash;
      std::string date = AmzDate();
      req.headers = {{"host", host_}, {"x-amz-date", date}, {"x-amz-content-sha256", payload_hash}};
      if (!credentials_.session_token.empty()) {
        req.headers.emplace_back("x-amz-security-token", credentials_.session_token);
      }
      std::vector<std::string> headers;
      for (const std::string& h : extra) {
        size_t colon = h.find(':');
        req.headers.emplace_back(h.substr(0, colon), h.substr(colon + 2));
      }
      for (const auto& [name, value] : req.headers) headers.push_back(name + ": " + value);
      headers.push_back("Authorization: " +
                        Authorization(req, credentials_, location_.region, "s3", date));
      if (!http->Send(method, url, headers, body, &response, &error)) {
        if (attempt + 1 < kAttempts) continue;
        Give(std::move(http));
        return Status::IOError("cannot reach the S3 service at " + origin_ + ": " + error);
      }
      bool transient = response.status >= 500 || response.status == 429 ||
                       ErrorOf(response.body).first == "SlowDown";
      if (transient && attempt + 1 < kAttempts) continue;
      break;
    }
    Give(std::move(http));
    return response;
  }

  // The sentence for a response that is not what `what` wanted.
  Status Failure(const Response& r, const std::string& verb, const std::string& key) const {
    auto [code, message] = ErrorOf(r.body);
    std::string where = "s3://" + location_.bucket + "/" +
                        (location_.prefix.empty() ? "" : location_.prefix + "/") + key;
    if (r.status == 404 && code != "NoSuchBucket") {
      return Status::NotFound(EscapeControl(where) + " does not exist");
    }
    if (code == "NoSuchBucket") {
      return Status::NotFound("the bucket " + EscapeControl(location_.bucket) + " does not exist");
    }
    if (r.status == 412) return Status::AlreadyExists(EscapeControl(where) + " exists");
    if (code == "SignatureDoesNotMatch" || code == "InvalidAccessKeyId" ||
        (r.status == 403 && code.empty())) {
      return Status::InvalidArgument("the S3 service refused our credentials (" +
                                     (code.empty() ? "HTTP 403" : code) +
                                     "): check AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY");
    }
    std::string detail = code.empty() ? "HTTP " + std::to_string(r.status)
                                      : code + (message.empty() ? "" : ": " + message);
    return Status::IOError("S3 " + verb + " of " + EscapeControl(where) + " failed (" +
                           EscapeControl(detail) + ")");
  }

  S3Location location_;
  Credentials credentials_;
  std::string origin_;  // scheme://host[:port]
  std::string host_;    // the Host header
  std::string base_;    // "/bucket" with path-style addressing, else ""
  std::mutex mu_;
  std::vector<std::unique_ptr<Http>> pool_;
};

Result<size_t> S3ReadStream::Read(char* buf, size_t n) {
  if (used_ == chunk_.size()) {
    if (next_ >= size_) return size_t{0};
    uint64_t length = std::min(kRangeSize, size_ - next_);
    RETURN_IF_ERROR(store_->GetRange(key_, next_, length, &chunk_));
    if (chunk_.size() != length) {
      return Status::IOError("s3 object " + key_ + " changed size while it was read");
    }
    next_ += length;
    used_ = 0;
  }
  size_t take = std::min(n, chunk_.size() - used_);
  std::memcpy(buf, chunk_.data() + used_, take);
  used_ += take;
  return take;
}

Status S3WriteStream::Append(std::string_view bytes) {
  if (done_) return Status::Internal("append after commit");
  if (fd_ < 0 && memory_.size() + bytes.size() <= kPartSize) {
    memory_.append(bytes);
    size_ += bytes.size();
    return Status::OK();
  }
  if (fd_ < 0) {
    // Too big for one PUT: spill to an unlinked temporary file.
    const char* dir = std::getenv("TMPDIR");
    std::string tmpl = std::string(dir && *dir ? dir : "/tmp") + "/pond-s3-XXXXXX";
    fd_ = ::mkstemp(tmpl.data());
    if (fd_ < 0) return Status::IOError("cannot create a temporary file for an S3 upload");
    ::unlink(tmpl.c_str());
    if (::write(fd_, memory_.data(), memory_.size()) != static_cast<ssize_t>(memory_.size())) {
      return Status::IOError("cannot write a temporary file for an S3 upload");
    }
    memory_.clear();
    memory_.shrink_to_fit();
  }
  size_t off = 0;
  while (off < bytes.size()) {
    ssize_t w = ::write(fd_, bytes.data() + off, bytes.size() - off);
    if (w <= 0) return Status::IOError("cannot write a temporary file for an S3 upload");
    off += static_cast<size_t>(w);
  }
  size_ += bytes.size();
  return Status::OK();
}

Status S3WriteStream::CommitAs(const std::string& key) {
  if (done_) return Status::Internal("commit twice");
  RETURN_IF_ERROR(ValidateKey(key));
  done_ = true;
  if (fd_ < 0) return store_->PutBytes(key, memory_, if_absent_);
  return store_->Multipart(key, fd_, size_, if_absent_);
}

}  // namespace

Result<S3ListPage> ParseS3ListPage(const std::string& body) {
  pugi::xml_document doc;
  pugi::xml_node result;
  if (doc.load_buffer(body.data(), body.size())) result = doc.child("ListBucketResult");
  if (!result) return Status::IOError("the S3 service sent a listing that is not one");
  S3ListPage page;
  for (pugi::xml_node c : result.children("Contents")) {
    ObjectInfo info;
    info.key = c.child_value("Key");
    info.size = std::strtoull(c.child_value("Size"), nullptr, 10);
    info.modified_millis = ParseIsoDate(c.child_value("LastModified"));
    page.objects.push_back(std::move(info));
  }
  page.truncated = std::string(result.child_value("IsTruncated")) == "true";
  page.next_token = result.child_value("NextContinuationToken");
  return page;
}

Result<S3Location> ParseS3Url(const std::string& url) {
  if (url.rfind("s3://", 0) != 0) {
    return Status::InvalidArgument("'" + EscapeControl(url) + "' is not an s3:// URL");
  }
  std::string rest = url.substr(5);
  S3Location loc;
  size_t slash = rest.find('/');
  loc.bucket = rest.substr(0, slash);
  if (slash != std::string::npos) loc.prefix = rest.substr(slash + 1);
  while (!loc.prefix.empty() && loc.prefix.back() == '/') loc.prefix.pop_back();
  bool bucket_ok = loc.bucket.size() >= 3 && loc.bucket.size() <= 63;
  for (char c : loc.bucket) {
    if (!std::islower(static_cast<unsigned char>(c)) &&
        !std::isdigit(static_cast<unsigned char>(c)) && c != '-' && c != '.') {
      bucket_ok = false;
    }
  }
  if (!bucket_ok) {
    return Status::InvalidArgument("'" + EscapeControl(url) +
                                   "' does not name an S3 bucket (s3://bucket/prefix)");
  }
  if (!loc.prefix.empty() && !ValidateKey(loc.prefix).ok()) {
    return Status::InvalidArgument("'" + EscapeControl(url) + "' has an invalid prefix");
  }
  return loc;
}

Result<Credentials> CredentialsFromEnvironment() {
  Credentials c;
  const char* id = std::getenv("AWS_ACCESS_KEY_ID");
  const char* secret = std::getenv("AWS_SECRET_ACCESS_KEY");
  const char* token = std::getenv("AWS_SESSION_TOKEN");
  if (!id || !*id || !secret || !*secret) {
    return Status::InvalidArgument(
        "no S3 credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY");
  }
  c.access_key_id = id;
  c.secret_access_key = secret;
  if (token) c.session_token = token;
  return c;
}

Result<std::unique_ptr<ObjectStore>> OpenS3Store(const S3Location& location,
                                                 const Credentials& credentials) {
  return std::unique_ptr<ObjectStore>(new S3Store(location, credentials));
}

}  // namespace pond::remote
