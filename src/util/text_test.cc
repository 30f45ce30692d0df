#include "util/text.h"

#include <gtest/gtest.h>

#include "util/utf8.h"

namespace pond {
namespace {

TEST(EscapeControlTest, ControlsAreEscapedAndTextIsKept) {
  EXPECT_EQ(EscapeControl("plain név.txt"), "plain név.txt");
  EXPECT_EQ(EscapeControl("a\nb\tc\rd"), "a\\nb\\tc\\rd");
  EXPECT_EQ(EscapeControl("\x1b[31mred"), "\\x1b[31mred");
  EXPECT_EQ(EscapeControl(std::string("\x7f\x01", 2)), "\\x7f\\x01");
  EXPECT_EQ(EscapeControl("back\\slash"), "back\\slash");
  EXPECT_EQ(EscapeControl(EscapeControl("a\x1b")), EscapeControl("a\x1b"));
  EXPECT_TRUE(HasControl("a\x1b"));
  EXPECT_TRUE(HasControl("\x7f"));
  EXPECT_FALSE(HasControl("é ünïcode"));
}

TEST(Utf8Test, EscapesOnlyTextThatIsNotUtf8) {
  EXPECT_TRUE(IsUtf8("caf\xc3\xa9 \xf0\x9f\x8c\x8a"));
  EXPECT_FALSE(IsUtf8("caf\xe9"));
  EXPECT_EQ(EscapeNonUtf8("caf\xc3\xa9"), "caf\xc3\xa9");  // valid: unchanged
  EXPECT_EQ(EscapeNonUtf8("caf\xe9.txt"), "caf\\xe9.txt");
  EXPECT_EQ(EscapeNonUtf8("\xc3\xa9\xff"), "\\xc3\\xa9\\xff");  // one bad byte: all escaped
  EXPECT_TRUE(IsUtf8(EscapeNonUtf8("\xfe\xff")));
}

}  // namespace
}  // namespace pond
