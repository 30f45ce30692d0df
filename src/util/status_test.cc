#include "util/status.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <thread>

#include "util/hash.h"
#include "util/id.h"
#include "util/time.h"

namespace pond {
namespace {

Result<int> Half(int x) {
  if (x % 2 != 0) return Status::InvalidArgument("odd");
  return x / 2;
}

Result<int> Quarter(int x) {
  ASSIGN_OR_RETURN(int h, Half(x));
  ASSIGN_OR_RETURN(int q, Half(h));
  return q;
}

Status CheckEven(int x) {
  RETURN_IF_ERROR(Half(x).status());
  return Status::OK();
}

TEST(StatusTest, MacrosPropagateErrorsAndValues) {
  EXPECT_EQ(*Quarter(12), 3);
  EXPECT_EQ(Quarter(6).status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(CheckEven(4).ok());
  EXPECT_FALSE(CheckEven(3).ok());
  EXPECT_EQ(Status::NotFound("x").WithContext("open").ToString(), "not found: open: x");
}

TEST(HashTest, KnownDigests) {
  EXPECT_EQ(Sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  Sha256 h;
  h.Update("ab");
  h.Update("c");
  EXPECT_EQ(h.FinishHex(), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(HashTest, AsyncMatchesSync) {
  std::string data;
  for (int i = 0; i < 100000; ++i) data += static_cast<char>(i * 31 + 7);
  AsyncSha256 async(2);
  for (size_t off = 0; off < data.size(); off += 4097) async.Update(data.substr(off, 4097));
  EXPECT_EQ(async.FinishHex(), Sha256Hex(data));
  // Past the inline limit the rest is hashed on the worker thread.
  std::string big(AsyncSha256::kInlineHashBytes * 3 + 17, 'x');
  for (size_t i = 0; i < big.size(); i += 977) big[i] = static_cast<char>(i);
  AsyncSha256 mixed;
  for (size_t off = 0; off < big.size(); off += 65536) mixed.Update(big.substr(off, 65536));
  EXPECT_EQ(mixed.FinishHex(), Sha256Hex(big));
  AsyncSha256 empty;
  EXPECT_EQ(empty.FinishHex(), Sha256Hex(""));
}

// Chunks hashed on another thread with UpdateHere follow those queued with
// Update, in order, whether or not the worker has caught up.
TEST(HashTest, UpdateHereContinuesAfterQueuedChunks) {
  std::string big(AsyncSha256::kInlineHashBytes * 4 + 5, 'y');
  for (size_t i = 0; i < big.size(); i += 613) big[i] = static_cast<char>(i * 7);
  for (size_t split : {size_t{1000}, AsyncSha256::kInlineHashBytes * 3}) {
    AsyncSha256 hash(2);
    for (size_t off = 0; off < split; off += 65536) {
      hash.Update(big.substr(off, std::min<size_t>(65536, split - off)));
    }
    std::thread other([&] {
      for (size_t off = split; off < big.size(); off += 100003) {
        hash.UpdateHere(std::string_view(big).substr(off, 100003));
      }
    });
    other.join();
    EXPECT_EQ(hash.FinishHex(), Sha256Hex(big)) << split;
  }
}

TEST(IdTest, UuidV7IsWellFormedAndIncreasing) {
  std::string prev = NewUuidV7();
  for (int i = 0; i < 10000; ++i) {
    std::string id = NewUuidV7();
    ASSERT_TRUE(LooksLikeUuid(id)) << id;
    ASSERT_EQ(id[14], '7');
    ASSERT_LT(prev, id);
    prev = id;
  }
}

TEST(StatusTest, AResultFromAnOkStatusIsAnErrorNotASuccess) {
  Result<int> r{Status::OK()};
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInternal);
}

TEST(TimeTest, ParseAndFormatRoundTrip) {
  ASSERT_EQ(*ParseMicrosUtc("1970-01-01"), 0);
  ASSERT_EQ(*ParseMicrosUtc("2026-11-26T10:10:19.5Z"), 1795687819500000LL);
  EXPECT_EQ(FormatMicrosUtc(1795687819500000LL), "2026-11-26T10:10:19.500000Z");
  EXPECT_FALSE(ParseMicrosUtc("yesterday").ok());
  EXPECT_FALSE(ParseMicrosUtc("2026-13-01").ok());
}

}  // namespace
}  // namespace pond
