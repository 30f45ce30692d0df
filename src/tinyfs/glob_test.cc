#include "tinyfs/glob.h"

#include <gtest/gtest.h>

#include <chrono>

#include "test_util.h"
#include "tinyfs/path.h"

namespace pond::tinyfs {
namespace {

using Captures = std::vector<std::string>;
using Kind = GlobComponent::Kind;

// Compiles `pattern` and matches the path `path` (split on '/').
std::optional<Captures> MatchPath(std::string_view pattern, std::string_view path) {
  Result<GlobPattern> glob = GlobPattern::Compile(pattern);
  EXPECT_TRUE(glob.ok()) << pattern << ": " << glob.status().ToString();
  if (!glob.ok()) return std::nullopt;
  return glob->Match(SplitPath(path));
}

TEST(GlobCompileTest, ClassifiesComponents) {
  ASSERT_OK_AND_ASSIGN(GlobPattern glob, GlobPattern::Compile("/sensors/*/temp.series"));
  EXPECT_TRUE(glob.absolute());
  EXPECT_FALSE(glob.is_literal());
  ASSERT_EQ(glob.components().size(), 3u);
  EXPECT_EQ(glob.components()[0].kind, Kind::kLiteral);
  EXPECT_EQ(glob.components()[0].text, "sensors");
  EXPECT_EQ(glob.components()[1].kind, Kind::kWildcard);
  EXPECT_EQ(glob.components()[1].text, "*");
  EXPECT_EQ(glob.components()[2].kind, Kind::kLiteral);

  ASSERT_OK_AND_ASSIGN(glob, GlobPattern::Compile("a/**/b?/[xy]"));
  EXPECT_FALSE(glob.absolute());
  ASSERT_EQ(glob.components().size(), 4u);
  EXPECT_EQ(glob.components()[1].kind, Kind::kRecursive);
  EXPECT_EQ(glob.components()[2].kind, Kind::kWildcard);
  EXPECT_EQ(glob.components()[3].kind, Kind::kWildcard);
  EXPECT_EQ(glob.components()[3].text, "[xy]");
}

TEST(GlobCompileTest, DropsEmptyAndDotComponentsKeepsDotDot) {
  ASSERT_OK_AND_ASSIGN(GlobPattern glob, GlobPattern::Compile("//a/./../b//"));
  ASSERT_EQ(glob.components().size(), 3u);
  EXPECT_EQ(glob.components()[1].kind, Kind::kLiteral);
  EXPECT_EQ(glob.components()[1].text, "..");
  EXPECT_TRUE(glob.is_literal());

  ASSERT_OK_AND_ASSIGN(glob, GlobPattern::Compile("/"));
  EXPECT_TRUE(glob.absolute());
  EXPECT_TRUE(glob.components().empty());
  EXPECT_TRUE(glob.is_literal());
  EXPECT_EQ(glob.Match({}), Captures{});
  EXPECT_EQ(glob.Match({"a"}), std::nullopt);
}

TEST(GlobCompileTest, EscapesMakeLiterals) {
  ASSERT_OK_AND_ASSIGN(GlobPattern glob, GlobPattern::Compile(R"(/a\*b/\[x\]/\?/\\/\**)"));
  ASSERT_EQ(glob.components().size(), 5u);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(glob.components()[i].kind, Kind::kLiteral) << i;
  EXPECT_EQ(glob.components()[0].text, "a*b");
  EXPECT_EQ(glob.components()[1].text, "[x]");
  EXPECT_EQ(glob.components()[2].text, "?");
  EXPECT_EQ(glob.components()[3].text, "\\");
  // An escaped star then a real one is a wildcard, not "**"; its text stays as written.
  EXPECT_EQ(glob.components()[4].kind, Kind::kWildcard);
  EXPECT_EQ(glob.components()[4].text, "\\**");
  EXPECT_EQ(glob.Match({"a*b", "[x]", "?", "\\", "*tail"}), Captures{"*tail"});
  EXPECT_EQ(glob.Match({"axb", "[x]", "?", "\\", "*tail"}), std::nullopt);

  // A lone ']' is an ordinary character.
  ASSERT_OK_AND_ASSIGN(glob, GlobPattern::Compile("a]"));
  EXPECT_TRUE(glob.is_literal());
}

TEST(GlobCompileTest, RejectsMalformedPatterns) {
  for (std::string_view pattern :
       {"", "a**b", "**x", "x**", "/a/***/b", "[abc", "/a/[", "[]", "[!]", "[^]", "[]abc", "[!",
        "[z-a]", "a\\", "[a-\\", "/ok/**/fine/b**"}) {
    Result<GlobPattern> glob = GlobPattern::Compile(pattern);
    EXPECT_EQ(glob.status().code(), StatusCode::kInvalidArgument) << "'" << pattern << "'";
  }
  EXPECT_EQ(GlobPattern::Compile("").status().message(), "a pattern cannot be empty");
  std::string message = GlobPattern::Compile("/x/a**b").status().message();
  EXPECT_NE(message.find("'/x/a**b'"), std::string::npos) << message;
  message = GlobPattern::Compile("[]").status().message();
  EXPECT_NE(message.find("empty"), std::string::npos) << message;
  message = GlobPattern::Compile("[ab").status().message();
  EXPECT_NE(message.find("not closed"), std::string::npos) << message;
}

TEST(GlobCompileTest, AcceptsStarsInsideClasses) {
  ASSERT_OK_AND_ASSIGN(GlobPattern glob, GlobPattern::Compile("[**]"));
  EXPECT_EQ(glob.components()[0].kind, Kind::kWildcard);
  ASSERT_OK(GlobPattern::Compile("[]]").status());
  ASSERT_OK(GlobPattern::Compile("[!]]").status());
  ASSERT_OK(GlobPattern::Compile("*[*]*").status());
}

TEST(GlobComponentTest, Stars) {
  EXPECT_TRUE(MatchComponent("*", "anything"));
  EXPECT_TRUE(MatchComponent("*", ""));
  EXPECT_TRUE(MatchComponent("*", ".hidden"));
  EXPECT_TRUE(MatchComponent("*.csv", "data.csv"));
  EXPECT_TRUE(MatchComponent("*.csv", ".csv"));
  EXPECT_FALSE(MatchComponent("*.csv", "data.csv.bak"));
  EXPECT_TRUE(MatchComponent("a*b*c", "abc"));
  EXPECT_TRUE(MatchComponent("a*b*c", "aXXbYYbZZc"));
  EXPECT_FALSE(MatchComponent("a*b*c", "aXXbYYcZZ"));
  EXPECT_TRUE(MatchComponent("*a", "banana"));
  EXPECT_FALSE(MatchComponent("*x", "banana"));
  EXPECT_TRUE(MatchComponent("temp*", "temp"));
}

TEST(GlobComponentTest, EmptyName) {
  EXPECT_TRUE(MatchComponent("*", ""));
  EXPECT_FALSE(MatchComponent("?", ""));
  EXPECT_FALSE(MatchComponent("[a]", ""));
  EXPECT_FALSE(MatchComponent("a", ""));
  EXPECT_TRUE(MatchComponent("", ""));
  EXPECT_FALSE(MatchComponent("", "a"));
}

TEST(GlobComponentTest, QuestionMark) {
  EXPECT_TRUE(MatchComponent("?", "a"));
  EXPECT_TRUE(MatchComponent("?", "."));
  EXPECT_FALSE(MatchComponent("?", "ab"));
  EXPECT_TRUE(MatchComponent("t??p", "temp"));
  EXPECT_FALSE(MatchComponent("t??p", "tmp"));
  EXPECT_TRUE(MatchComponent("?*", "x"));
  EXPECT_FALSE(MatchComponent("?*", ""));
  // One character is one UTF-8 code point.
  EXPECT_TRUE(MatchComponent("?", "é"));
  EXPECT_TRUE(MatchComponent("temp-?C", "temp-°C"));
  EXPECT_FALSE(MatchComponent("??", "é"));
  // A byte that is not valid UTF-8 is one character.
  EXPECT_TRUE(MatchComponent("a?b",
                             "a\xff"
                             "b"));
}

TEST(GlobComponentTest, Classes) {
  EXPECT_TRUE(MatchComponent("[abc]", "b"));
  EXPECT_FALSE(MatchComponent("[abc]", "d"));
  EXPECT_TRUE(MatchComponent("[a-z]", "m"));
  EXPECT_FALSE(MatchComponent("[a-z]", "M"));
  EXPECT_TRUE(MatchComponent("[a-cx-z0-9]", "y"));
  EXPECT_TRUE(MatchComponent("[a-cx-z0-9]", "5"));
  EXPECT_FALSE(MatchComponent("[a-cx-z0-9]", "m"));
  EXPECT_TRUE(MatchComponent("[!a-z]", "M"));
  EXPECT_FALSE(MatchComponent("[!a-z]", "m"));
  EXPECT_TRUE(MatchComponent("[^a-z]", "M"));
  EXPECT_FALSE(MatchComponent("[^a-z]", "m"));
  EXPECT_TRUE(MatchComponent("[.]*", ".x"));
  EXPECT_TRUE(MatchComponent("file[0-9][0-9].csv", "file42.csv"));
  EXPECT_FALSE(MatchComponent("file[0-9][0-9].csv", "file4x.csv"));
  // ']' first is a member; '-' first or last is a member.
  EXPECT_TRUE(MatchComponent("[]]", "]"));
  EXPECT_TRUE(MatchComponent("[]a]", "a"));
  EXPECT_FALSE(MatchComponent("[!]]", "]"));
  EXPECT_TRUE(MatchComponent("[!]]", "x"));
  EXPECT_TRUE(MatchComponent("[-a]", "-"));
  EXPECT_TRUE(MatchComponent("[a-]", "-"));
  EXPECT_FALSE(MatchComponent("[a-]", "b"));
  // '!' or '^' later in a class is a member.
  EXPECT_TRUE(MatchComponent("[a!]", "!"));
  EXPECT_TRUE(MatchComponent("[a^]", "^"));
  // Escapes inside a class, and stars as members.
  EXPECT_TRUE(MatchComponent("[\\]]", "]"));
  EXPECT_TRUE(MatchComponent("[\\!a]", "!"));
  EXPECT_TRUE(MatchComponent("[*]", "*"));
  EXPECT_FALSE(MatchComponent("[*]", "x"));
  // Classes match code points.
  EXPECT_TRUE(MatchComponent("[àé]", "é"));
  EXPECT_FALSE(MatchComponent("[!àé]", "é"));
}

TEST(GlobComponentTest, Escapes) {
  EXPECT_TRUE(MatchComponent("\\*", "*"));
  EXPECT_FALSE(MatchComponent("\\*", "x"));
  EXPECT_TRUE(MatchComponent("\\?", "?"));
  EXPECT_FALSE(MatchComponent("\\?", "x"));
  EXPECT_TRUE(MatchComponent("\\[a]", "[a]"));
  EXPECT_TRUE(MatchComponent("a\\\\b", "a\\b"));
  EXPECT_TRUE(MatchComponent("\\a", "a"));
  EXPECT_TRUE(MatchComponent("*\\*", "abc*"));
  EXPECT_FALSE(MatchComponent("*\\*", "abc"));
}

TEST(GlobComponentTest, MalformedPatternsMatchLeniently) {
  EXPECT_TRUE(MatchComponent("[abc", "[abc"));
  EXPECT_TRUE(MatchComponent("a\\", "a\\"));
  EXPECT_TRUE(MatchComponent("a**b", "aXb"));
}

TEST(GlobComponentTest, PathologicalPatternIsFast) {
  const std::string name(10000, 'a');
  auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(MatchComponent("*a*a*a*a*a*a*b", name));
  EXPECT_TRUE(MatchComponent("*a*a*a*a*a*a*", name));
  EXPECT_FALSE(MatchComponent("*?*?*?*?*?*?*b", name));
  auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_LT(elapsed, std::chrono::seconds(1));
}

TEST(GlobMatchTest, SingleWildcardComponent) {
  EXPECT_EQ(MatchPath("/sensors/*/temp.series", "/sensors/north/temp.series"), Captures{"north"});
  EXPECT_EQ(MatchPath("/sensors/*/temp.series", "/sensors/north/humidity.series"), std::nullopt);
  EXPECT_EQ(MatchPath("/sensors/*/temp.series", "/sensors/temp.series"), std::nullopt);
  EXPECT_EQ(MatchPath("/sensors/*/temp.series", "/sensors/a/b/temp.series"), std::nullopt);
  EXPECT_EQ(MatchPath("/sensors/*/*.series", "/sensors/north/temp.series"),
            (Captures{"north", "temp.series"}));
  EXPECT_EQ(MatchPath("/sensors/north/temp.series", "/sensors/north/temp.series"), Captures{});
}

TEST(GlobMatchTest, RecursiveInTheMiddle) {
  EXPECT_EQ(MatchPath("/a/**/b", "/a/b"), Captures{""});
  EXPECT_EQ(MatchPath("/a/**/b", "/a/x/b"), Captures{"x"});
  EXPECT_EQ(MatchPath("/a/**/b", "/a/x/y/z/b"), Captures{"x/y/z"});
  EXPECT_EQ(MatchPath("/a/**/b", "/a/b/b/b"), Captures{"b/b"});
  EXPECT_EQ(MatchPath("/a/**/b", "/a/x/c"), std::nullopt);
  EXPECT_EQ(MatchPath("/a/**/b", "/a"), std::nullopt);
  EXPECT_EQ(MatchPath("/a/**/b", "/x/a/b"), std::nullopt);
}

TEST(GlobMatchTest, RecursiveAlone) {
  EXPECT_EQ(MatchPath("**", "/"), Captures{""});
  EXPECT_EQ(MatchPath("**", "/a"), Captures{"a"});
  EXPECT_EQ(MatchPath("**", "/a/b/c"), Captures{"a/b/c"});
  EXPECT_EQ(MatchPath("/**", "/.hidden/x"), Captures{".hidden/x"});
}

TEST(GlobMatchTest, RecursiveThenWildcard) {
  EXPECT_EQ(MatchPath("/**/*.csv", "/data.csv"), (Captures{"", "data.csv"}));
  EXPECT_EQ(MatchPath("/**/*.csv", "/a/b/data.csv"), (Captures{"a/b", "data.csv"}));
  EXPECT_EQ(MatchPath("/**/*.csv", "/a/b/data.json"), std::nullopt);
  EXPECT_EQ(MatchPath("/**/*.csv", "/"), std::nullopt);
  EXPECT_EQ(MatchPath("/**/x/*", "/a/x/b/x/c"), (Captures{"a/x/b", "c"}));
}

TEST(GlobMatchTest, TwoRecursives) {
  EXPECT_EQ(MatchPath("/**/mid/**", "/mid"), (Captures{"", ""}));
  EXPECT_EQ(MatchPath("/**/mid/**", "/a/mid/b/c"), (Captures{"a", "b/c"}));
  // When the split is ambiguous, the earlier "**" takes as much as it can.
  EXPECT_EQ(MatchPath("/**/mid/**", "/a/mid/b/mid/c"), (Captures{"a/mid/b", "c"}));
  EXPECT_EQ(MatchPath("/**/**", "/a/b"), (Captures{"a/b", ""}));
  EXPECT_EQ(MatchPath("/**/*/**/*.csv", "/a/b/c/d.csv"), (Captures{"a/b", "c", "", "d.csv"}));
  EXPECT_EQ(MatchPath("/**/mid/**", "/a/b"), std::nullopt);
}

TEST(GlobMatchTest, ManyRecursivesDoNotExplode) {
  std::string pattern;
  for (int i = 0; i < 30; ++i) pattern += "/**/a";
  pattern += "/b";
  std::vector<std::string> path(200, "a");
  ASSERT_OK_AND_ASSIGN(GlobPattern glob, GlobPattern::Compile(pattern));
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(glob.Match(path), std::nullopt);
  path.push_back("b");
  std::optional<Captures> captures = glob.Match(path);
  ASSERT_TRUE(captures.has_value());
  EXPECT_EQ(captures->size(), 30u);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));
}

TEST(GlobMatchTest, DotDotIsALiteralComponent) {
  EXPECT_EQ(MatchPath("../*", "../x"), Captures{"x"});
  ASSERT_OK_AND_ASSIGN(GlobPattern glob, GlobPattern::Compile("../*"));
  EXPECT_EQ(glob.Match({"x", "y"}), std::nullopt);
}

}  // namespace
}  // namespace pond::tinyfs
