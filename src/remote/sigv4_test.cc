// The signer against the published AWS Signature Version 4 examples: the
// S3 developer guide's GET object, PUT object and list objects requests
// (examplebucket, 2013-05-24), and vectors of the SigV4 test suite
// (get-vanilla and get-vanilla-query-order-key-case, 2015-08-30).
#include "remote/sigv4.h"

#include <gtest/gtest.h>

#include "util/hash.h"

namespace pond::remote {
namespace {

const Credentials kS3Example = {"AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
                                ""};
const Credentials kSuite = {"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", ""};
const std::string kEmpty = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

std::string Signature(const std::string& authorization) {
  return authorization.substr(authorization.find("Signature=") + 10);
}

TEST(SigV4, S3GetObject) {
  SignedRequest r{"GET",
                  "/test.txt",
                  {},
                  {{"Host", "examplebucket.s3.amazonaws.com"},
                   {"Range", "bytes=0-9"},
                   {"x-amz-content-sha256", kEmpty},
                   {"x-amz-date", "20130524T000000Z"}},
                  kEmpty};
  EXPECT_EQ(Sha256Hex(CanonicalRequest(r)),
            "7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972");
  EXPECT_EQ(Authorization(r, kS3Example, "us-east-1", "s3", "20130524T000000Z"),
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
            "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, "
            "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
}

TEST(SigV4, S3PutObjectEncodesTheKey) {
  std::string body_hash = Sha256Hex("Welcome to Amazon S3.");
  EXPECT_EQ(body_hash, "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072");
  SignedRequest r{"PUT",
                  "/test$file.text",
                  {},
                  {{"Host", "examplebucket.s3.amazonaws.com"},
                   {"Date", "Fri, 24 May 2013 00:00:00 GMT"},
                   {"x-amz-date", "20130524T000000Z"},
                   {"x-amz-storage-class", "REDUCED_REDUNDANCY"},
                   {"x-amz-content-sha256", body_hash}},
                  body_hash};
  EXPECT_EQ(CanonicalRequest(r).substr(0, 22), "PUT\n/test%24file.text\n");
  EXPECT_EQ(Signature(Authorization(r, kS3Example, "us-east-1", "s3", "20130524T000000Z")),
            "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd");
}

TEST(SigV4, S3ListObjectsSortsTheQuery) {
  SignedRequest r{"GET",
                  "/",
                  {{"prefix", "J"}, {"max-keys", "2"}},
                  {{"Host", "examplebucket.s3.amazonaws.com"},
                   {"x-amz-date", "20130524T000000Z"},
                   {"x-amz-content-sha256", kEmpty}},
                  kEmpty};
  EXPECT_EQ(Signature(Authorization(r, kS3Example, "us-east-1", "s3", "20130524T000000Z")),
            "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7");
}

TEST(SigV4, TestSuiteGetVanilla) {
  SignedRequest r{"GET",
                  "/",
                  {},
                  {{"Host", "example.amazonaws.com"}, {"X-Amz-Date", "20150830T123600Z"}},
                  kEmpty};
  EXPECT_EQ(Authorization(r, kSuite, "us-east-1", "service", "20150830T123600Z"),
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
            "SignedHeaders=host;x-amz-date, "
            "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
  r.query = {{"Param2", "value2"}, {"Param1", "value1"}};
  EXPECT_EQ(Signature(Authorization(r, kSuite, "us-east-1", "service", "20150830T123600Z")),
            "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500");
}

TEST(SigV4, UriEncoding) {
  EXPECT_EQ(UriEncode("a b/c+d~e_f.g-h", true), "a%20b/c%2Bd~e_f.g-h");
  EXPECT_EQ(UriEncode("a/b=c", false), "a%2Fb%3Dc");
  EXPECT_EQ(UriEncode("\xc3\xbc", false), "%C3%BC");
  EXPECT_EQ(UriEncode("part_id=01a2/x.parquet", true), "part_id%3D01a2/x.parquet");
}

TEST(SigV4, HeaderValuesAreTrimmedAndTheSignatureDependsOnEveryPart) {
  SignedRequest r{"GET", "/k", {}, {{"Host", "h"}, {"X-Amz-Meta-A", "  a   b  "}}, kEmpty};
  EXPECT_NE(CanonicalRequest(r).find("x-amz-meta-a:a b\n"), std::string::npos);
  std::string base = Authorization(r, kSuite, "us-east-1", "s3", "20150830T123600Z");
  SignedRequest other = r;
  other.path = "/k2";
  EXPECT_NE(Authorization(other, kSuite, "us-east-1", "s3", "20150830T123600Z"), base);
  EXPECT_NE(Authorization(r, kSuite, "eu-west-1", "s3", "20150830T123600Z"), base);
  Credentials wrong = kSuite;
  wrong.secret_access_key += "x";
  EXPECT_NE(Authorization(r, wrong, "us-east-1", "s3", "20150830T123600Z"), base);
}

}  // namespace
}  // namespace pond::remote
