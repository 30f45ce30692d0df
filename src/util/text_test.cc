#include "util/text.h"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace pond
