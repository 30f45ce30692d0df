// An ObjectStore on S3 or an S3-compatible service, over libcurl with our
// own SigV4 signing (remote/sigv4.h).
//
// s3://bucket/prefix maps key K to object prefix/K. Without an endpoint the
// store talks to AWS (https://bucket.s3.REGION.amazonaws.com, virtual-hosted);
// with one (http://127.0.0.1:9000) it uses path-style addressing
// (ENDPOINT/bucket/prefix/K), as local services want.
//
// PutIfAbsent and if_absent writes send If-None-Match: * (412 means the key
// exists). Large writes are multipart uploads of 16 MiB parts, 4 at a time;
// reads of large objects are ranged GETs of 8 MiB. Requests that fail with
// 5xx, 429, SlowDown or a network error are retried 5 times with backoff; an
// error is one sentence, from the service's error XML when it sent one.
// Credentials come from AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and
// AWS_SESSION_TOKEN and are never printed.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "remote/sigv4.h"
#include "storage/object_store.h"

namespace pond::remote {

struct S3Location {
  std::string bucket;
  std::string prefix;    // without leading or trailing '/'; may be empty
  std::string endpoint;  // empty: AWS
  std::string region = "us-east-1";
};

// Parses s3://bucket[/prefix]. InvalidArgument for anything else.
Result<S3Location> ParseS3Url(const std::string& url);

// Credentials from the environment; InvalidArgument naming what is missing.
Result<Credentials> CredentialsFromEnvironment();

// What S3 answers, parsed (exposed for tests).
struct S3Error {
  std::string code;  // "NoSuchKey"; empty when the body is no error document
  std::string message;
};
S3Error ParseS3Error(const std::string& body);

struct S3ListPage {
  std::vector<ObjectInfo> objects;  // full object keys, as listed
  bool truncated = false;
  std::string next_token;
};
// A ListObjectsV2 result; IOError when the body is not one.
Result<S3ListPage> ParseS3ListPage(const std::string& body);

Result<std::unique_ptr<ObjectStore>> OpenS3Store(const S3Location& location,
                                                 const Credentials& credentials);

}  // namespace pond::remote
