// What S3 answers, parsed: error documents, ListObjectsV2 pages, s3:// URLs.
#include <gtest/gtest.h>

#include "remote/s3_store.h"

namespace pond::remote {
namespace {

TEST(S3Xml, ErrorDocument) {
  S3Error e = ParseS3Error(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>SignatureDoesNotMatch</Code>"
      "<Message>The request signature we calculated does not match the signature you "
      "provided.</Message><RequestId>4442587FB7D0A2F9</RequestId></Error>");
  EXPECT_EQ(e.code, "SignatureDoesNotMatch");
  EXPECT_EQ(e.message.rfind("The request signature", 0), 0u);
  EXPECT_EQ(ParseS3Error("").code, "");
  EXPECT_EQ(ParseS3Error("not xml <").code, "");
  EXPECT_EQ(ParseS3Error("<ListBucketResult/>").code, "");
}

TEST(S3Xml, ListPage) {
  auto page = ParseS3ListPage(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
      "<ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Name>b</Name>"
      "<Prefix>p/</Prefix><KeyCount>2</KeyCount><MaxKeys>2</MaxKeys><IsTruncated>true</IsTruncated>"
      "<Contents><Key>p/_delta_log/00000000000000000000.json</Key>"
      "<LastModified>2026-01-02T03:04:05.000Z</LastModified><ETag>\"x\"</ETag><Size>1863</Size>"
      "</Contents><Contents><Key>p/a&amp;b</Key><LastModified>2026-01-02T03:04:06.000Z"
      "</LastModified><Size>0</Size></Contents>"
      "<NextContinuationToken>1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=</NextContinuationToken>"
      "</ListBucketResult>");
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  ASSERT_EQ(page->objects.size(), 2u);
  EXPECT_EQ(page->objects[0].key, "p/_delta_log/00000000000000000000.json");
  EXPECT_EQ(page->objects[0].size, 1863u);
  EXPECT_EQ(page->objects[0].modified_millis, 1767323045000);
  EXPECT_EQ(page->objects[1].key, "p/a&b");  // entities decoded
  EXPECT_TRUE(page->truncated);
  EXPECT_EQ(page->next_token, "1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=");
  auto last =
      ParseS3ListPage("<ListBucketResult><IsTruncated>false</IsTruncated></ListBucketResult>");
  ASSERT_TRUE(last.ok());
  EXPECT_TRUE(last->objects.empty());
  EXPECT_FALSE(last->truncated);
  EXPECT_FALSE(ParseS3ListPage("<Error><Code>AccessDenied</Code></Error>").ok());
  EXPECT_FALSE(ParseS3ListPage("").ok());
}

TEST(S3Url, BucketAndPrefix) {
  auto a = ParseS3Url("s3://my-bucket/ponds/field/");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->bucket, "my-bucket");
  EXPECT_EQ(a->prefix, "ponds/field");
  auto b = ParseS3Url("s3://bucket");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->prefix, "");
  EXPECT_FALSE(ParseS3Url("s3://Bad_Bucket/x").ok());
  EXPECT_FALSE(ParseS3Url("s3://ab").ok());
  EXPECT_FALSE(ParseS3Url("s3://bucket/a/../b").ok());
  EXPECT_FALSE(ParseS3Url("http://bucket/x").ok());
}

}  // namespace
}  // namespace pond::remote
