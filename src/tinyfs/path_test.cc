#include "tinyfs/path.h"

#include <gtest/gtest.h>

#include "test_util.h"

namespace pond::tinyfs {
namespace {

using Components = std::vector<std::string>;

TEST(NameTest, AcceptsOrdinaryNames) {
  EXPECT_OK(ValidateName("temp.series"));
  EXPECT_OK(ValidateName(".hidden"));
  EXPECT_OK(ValidateName("..."));
  EXPECT_OK(ValidateName("a b"));
  EXPECT_OK(ValidateName("température"));
  EXPECT_OK(ValidateName(std::string(255, 'x')));
}

TEST(NameTest, RejectsBytesThatAreNotUtf8) {
  Status s = ValidateName("bad\xff\xfename");
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "'bad\\xff\\xfename' is not a valid name: it is not UTF-8 text");
  EXPECT_FALSE(ValidateName("caf\xe9").ok());       // Latin-1
  EXPECT_FALSE(ValidateName("\xed\xa0\x80").ok());  // a UTF-16 surrogate
  EXPECT_FALSE(ValidateName("\xc0\xaf").ok());      // an overlong '/'
  EXPECT_OK(ValidateName("caf\xc3\xa9"));           // café
  EXPECT_OK(ValidateName("\xf0\x9f\x8c\x8a"));      // 🌊
}

TEST(NameTest, RejectsEmpty) {
  Status s = ValidateName("");
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "a name cannot be empty");
}

TEST(NameTest, RejectsDotAndDotDot) {
  for (std::string_view name : {".", ".."}) {
    Status s = ValidateName(name);
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << name;
    EXPECT_NE(s.message().find("'" + std::string(name) + "'"), std::string::npos) << s.message();
  }
}

TEST(NameTest, RejectsSlash) {
  Status s = ValidateName("a/b");
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "'a/b' is not a valid name: it contains '/'");
  EXPECT_FALSE(ValidateName("/").ok());
  EXPECT_FALSE(ValidateName("a/").ok());
}

TEST(NameTest, RejectsControlCharactersAndEscapesThemInTheMessage) {
  Status s = ValidateName(std::string_view("a\0b", 3));
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(),
            "'a\\x00b' is not a valid name: it contains a control character (such as a newline, "
            "tab or escape)");
  for (const char* bad : {"a\nb", "tab\there", "\x1b[31mred", "del\x7f", "cr\r"}) {
    Status st = ValidateName(bad);
    EXPECT_EQ(st.code(), StatusCode::kInvalidArgument) << bad;
    EXPECT_EQ(st.message().find_first_of("\n\t\x1b\x7f\r"), std::string::npos) << st.message();
  }
  EXPECT_OK(ValidateName("ünïcödé and spaces"));
}

TEST(NameTest, RejectsTooLong) {
  std::string name(256, 'x');
  Status s = ValidateName(name);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find(name), std::string::npos);
  EXPECT_NE(s.message().find("255 bytes"), std::string::npos);
  // The limit is in bytes, not characters: 128 two-byte characters is too long.
  std::string wide;
  for (int i = 0; i < 128; ++i) wide += "é";
  EXPECT_FALSE(ValidateName(wide).ok());
}

TEST(PathTest, SplitPath) {
  EXPECT_EQ(SplitPath("/a//b/./c/"), (Components{"a", "b", "c"}));
  EXPECT_EQ(SplitPath("../x"), (Components{"..", "x"}));
  EXPECT_EQ(SplitPath("/"), Components{});
  EXPECT_EQ(SplitPath(""), Components{});
  EXPECT_EQ(SplitPath("."), Components{});
  EXPECT_EQ(SplitPath("///"), Components{});
  EXPECT_EQ(SplitPath("a"), Components{"a"});
  EXPECT_EQ(SplitPath("/a/b/"), (Components{"a", "b"}));
  EXPECT_EQ(SplitPath("/a/../b"), (Components{"a", "..", "b"}));
  EXPECT_EQ(SplitPath("/.hidden/..."), (Components{".hidden", "..."}));
}

TEST(PathTest, IsAbsolute) {
  EXPECT_TRUE(IsAbsolute("/"));
  EXPECT_TRUE(IsAbsolute("/a"));
  EXPECT_FALSE(IsAbsolute("a/b"));
  EXPECT_FALSE(IsAbsolute(""));
}

TEST(PathTest, JoinPath) {
  EXPECT_EQ(JoinPath({}), "/");
  EXPECT_EQ(JoinPath({"a"}), "/a");
  EXPECT_EQ(JoinPath({"a", "b"}), "/a/b");
  EXPECT_EQ(JoinPath(SplitPath("/a//b/./c/")), "/a/b/c");
}

TEST(PathTest, ChildPath) {
  EXPECT_EQ(ChildPath("/", "a"), "/a");
  EXPECT_EQ(ChildPath("/a", "b"), "/a/b");
  EXPECT_EQ(ChildPath("/a/", "b"), "/a/b");
  EXPECT_EQ(ChildPath("rel", "b"), "rel/b");
  EXPECT_EQ(ChildPath("", "b"), "b");
}

TEST(PathTest, NormalizeAbsolute) {
  EXPECT_EQ(NormalizeAbsolute("/a/./b/../c/"), "/a/c");
  EXPECT_EQ(NormalizeAbsolute("/"), "/");
  EXPECT_EQ(NormalizeAbsolute(""), "/");
  EXPECT_EQ(NormalizeAbsolute("/.."), "/");
  EXPECT_EQ(NormalizeAbsolute("/../../a"), "/a");
  EXPECT_EQ(NormalizeAbsolute("/a/.."), "/");
  EXPECT_EQ(NormalizeAbsolute("/a/b/../../.."), "/");
  EXPECT_EQ(NormalizeAbsolute("/./."), "/");
  EXPECT_EQ(NormalizeAbsolute("//a///b//"), "/a/b");
  EXPECT_EQ(NormalizeAbsolute("/a/b/"), "/a/b");
  EXPECT_EQ(NormalizeAbsolute("/.../a"), "/.../a");
  EXPECT_EQ(NormalizeAbsolute("a/b"), "/a/b");
}

}  // namespace
}  // namespace pond::tinyfs
