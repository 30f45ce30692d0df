#include "tinyfs/glob.h"

#include <algorithm>
#include <cstdint>
#include <utility>

#include "tinyfs/path.h"

namespace pond::tinyfs {
namespace {

constexpr size_t kNone = std::string_view::npos;

// A byte that is not part of valid UTF-8 decodes to a value above U+10FFFF, so
// it equals only the same byte and is still one character to '?'.
constexpr char32_t kInvalidByteBase = 0x110000;

// Decodes the character starting at `*i` and moves `*i` past it.
char32_t NextChar(std::string_view text, size_t* i) {
  const unsigned char lead = static_cast<unsigned char>(text[*i]);
  size_t length = 0;
  char32_t value = 0;
  char32_t smallest = 0;  // rejects overlong encodings
  if (lead < 0x80) {
    ++*i;
    return lead;
  } else if ((lead & 0xE0) == 0xC0) {
    length = 2;
    value = lead & 0x1F;
    smallest = 0x80;
  } else if ((lead & 0xF0) == 0xE0) {
    length = 3;
    value = lead & 0x0F;
    smallest = 0x800;
  } else if ((lead & 0xF8) == 0xF0) {
    length = 4;
    value = lead & 0x07;
    smallest = 0x10000;
  }
  bool valid = length > 0 && *i + length <= text.size();
  for (size_t k = 1; valid && k < length; ++k) {
    const unsigned char next = static_cast<unsigned char>(text[*i + k]);
    valid = (next & 0xC0) == 0x80;
    value = (value << 6) | (next & 0x3F);
  }
  valid = valid && value >= smallest && value <= 0x10FFFF && !(value >= 0xD800 && value <= 0xDFFF);
  if (!valid) {
    ++*i;
    return kInvalidByteBase + lead;
  }
  *i += length;
  return value;
}

std::u32string Decode(std::string_view text) {
  std::u32string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) out.push_back(NextChar(text, &i));
  return out;
}

// One step of a component pattern.
struct Token {
  enum class Kind { kChar, kAny, kStar, kClass };
  Kind kind = Kind::kChar;
  char32_t ch = 0;                                    // kChar
  bool negated = false;                               // kClass
  std::vector<std::pair<char32_t, char32_t>> ranges;  // kClass, inclusive

  bool Matches(char32_t c) const {
    switch (kind) {
      case Kind::kChar:
        return c == ch;
      case Kind::kAny:
        return true;
      case Kind::kClass: {
        bool in = std::any_of(ranges.begin(), ranges.end(),
                              [c](const auto& r) { return r.first <= c && c <= r.second; });
        return in != negated;
      }
      case Kind::kStar:
        break;
    }
    return false;
  }
};

Token CharToken(char32_t c) {
  Token token;
  token.ch = c;
  return token;
}

// Reads one class member at `*i` (an escape counts as the character it
// escapes) and moves past it. False when the pattern ends first.
bool ReadClassMember(std::u32string_view pattern, size_t* i, char32_t* member) {
  if (*i < pattern.size() && pattern[*i] == U'\\') ++*i;
  if (*i >= pattern.size()) return false;
  *member = pattern[(*i)++];
  return true;
}

// Parses the class whose '[' is at `start`. Returns the index after its ']',
// or kNone with `*error` set when the class is malformed.
size_t ParseClass(std::u32string_view pattern, size_t start, Token* token, std::string* error) {
  token->kind = Token::Kind::kClass;
  size_t i = start + 1;
  if (i < pattern.size() && (pattern[i] == U'!' || pattern[i] == U'^')) {
    token->negated = true;
    ++i;
  }
  const size_t body = i;
  while (i < pattern.size()) {
    if (pattern[i] == U']' && i > body) return i + 1;  // a ']' first is a member
    char32_t low = 0;
    if (!ReadClassMember(pattern, &i, &low)) break;
    char32_t high = low;
    if (i + 1 < pattern.size() && pattern[i] == U'-' && pattern[i + 1] != U']') {
      ++i;
      if (!ReadClassMember(pattern, &i, &high)) break;
      if (high < low) {
        *error = "a character class has a reversed range";
        return kNone;
      }
    }
    token->ranges.emplace_back(low, high);
  }
  if (body < pattern.size() && pattern[body] == U']') {  // "[]" or "[!]" alone
    *error = "a character class cannot be empty";
  } else {
    *error = "a '[' is not closed by ']'";
  }
  return kNone;
}

// Splits a component pattern into tokens, consecutive stars collapsed. Returns
// "" when the pattern is well formed, else why not; the tokens are complete
// either way, each malformed part standing for itself.
std::string Tokenize(std::string_view pattern, std::vector<Token>* tokens) {
  const std::u32string chars = Decode(pattern);
  std::string error;
  auto fail = [&error](std::string why) {
    if (error.empty()) error = std::move(why);
  };
  for (size_t i = 0; i < chars.size();) {
    const char32_t c = chars[i];
    if (c == U'*') {
      if (i > 0 && chars[i - 1] == U'*' && !tokens->empty() &&
          tokens->back().kind == Token::Kind::kStar) {
        fail("'**' must be a whole component");
      } else {
        tokens->push_back(Token{.kind = Token::Kind::kStar});
      }
      ++i;
    } else if (c == U'?') {
      tokens->push_back(Token{.kind = Token::Kind::kAny});
      ++i;
    } else if (c == U'[') {
      Token token;
      std::string why;
      size_t next = ParseClass(chars, i, &token, &why);
      if (next == kNone) {
        fail(std::move(why));
        tokens->push_back(CharToken(c));
        ++i;
      } else {
        tokens->push_back(std::move(token));
        i = next;
      }
    } else if (c == U'\\') {
      if (i + 1 == chars.size()) {
        fail("it ends with an unfinished '\\' escape");
        tokens->push_back(CharToken(c));
        ++i;
      } else {
        tokens->push_back(CharToken(chars[i + 1]));
        i += 2;
      }
    } else {
      tokens->push_back(CharToken(c));
      ++i;
    }
  }
  return error;
}

// Two-pointer matching: on a mismatch, retry from the last '*' with it taking
// one more character. Only the last star matters, so the cost is
// O(|tokens| * |name|) at worst, never exponential.
bool MatchTokens(const std::vector<Token>& tokens, std::u32string_view name) {
  size_t t = 0;
  size_t n = 0;
  size_t star = kNone;  // index of the last '*' seen
  size_t star_n = 0;    // where the text it matches ends
  while (n < name.size()) {
    if (t < tokens.size() && tokens[t].kind == Token::Kind::kStar) {
      star = t++;
      star_n = n;
    } else if (t < tokens.size() && tokens[t].Matches(name[n])) {
      ++t;
      ++n;
    } else if (star != kNone) {
      t = star + 1;
      n = ++star_n;
    } else {
      return false;
    }
  }
  while (t < tokens.size() && tokens[t].kind == Token::Kind::kStar) ++t;
  return t == tokens.size();
}

std::string Unescape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\\' && i + 1 < text.size()) ++i;
    out.push_back(text[i]);
  }
  return out;
}

std::string JoinRange(const std::vector<std::string>& path, size_t begin, size_t end) {
  std::string out;
  for (size_t i = begin; i < end; ++i) {
    if (i > begin) out.push_back('/');
    out += path[i];
  }
  return out;
}

}  // namespace

Result<GlobPattern> GlobPattern::Compile(std::string_view pattern) {
  if (pattern.empty()) return Status::InvalidArgument("a pattern cannot be empty");
  GlobPattern glob;
  glob.absolute_ = IsAbsolute(pattern);
  for (std::string& part : SplitPath(pattern)) {
    GlobComponent component;
    if (part == "**") {
      component.kind = GlobComponent::Kind::kRecursive;
      component.text = std::move(part);
    } else {
      std::vector<Token> tokens;
      std::string error = Tokenize(part, &tokens);
      if (!error.empty()) {
        return Status::InvalidArgument("'" + std::string(pattern) +
                                       "' is not a valid pattern: " + error);
      }
      bool wildcard = std::any_of(tokens.begin(), tokens.end(),
                                  [](const Token& t) { return t.kind != Token::Kind::kChar; });
      component.kind = wildcard ? GlobComponent::Kind::kWildcard : GlobComponent::Kind::kLiteral;
      component.text = wildcard ? std::move(part) : Unescape(part);
    }
    glob.components_.push_back(std::move(component));
  }
  return glob;
}

bool GlobPattern::is_literal() const {
  return std::all_of(components_.begin(), components_.end(), [](const GlobComponent& c) {
    return c.kind == GlobComponent::Kind::kLiteral;
  });
}

std::optional<std::vector<std::string>> GlobPattern::Match(
    const std::vector<std::string>& path) const {
  using Kind = GlobComponent::Kind;
  const size_t pattern_size = components_.size();
  const size_t path_size = path.size();

  std::vector<std::vector<Token>> tokens(pattern_size);
  for (size_t p = 0; p < pattern_size; ++p) {
    if (components_[p].kind == Kind::kWildcard) (void)Tokenize(components_[p].text, &tokens[p]);
  }
  auto component_matches = [&](size_t p, size_t n) {
    if (components_[p].kind == Kind::kLiteral) return components_[p].text == path[n];
    return MatchTokens(tokens[p], Decode(path[n]));
  };

  // rest[p][n]: components_[p..] match path[n..]. Filled from the end, so each
  // cell is computed once and several "**" cost O(pattern * path), not more.
  std::vector<uint8_t> table((pattern_size + 1) * (path_size + 1), 0);
  auto rest = [&](size_t p, size_t n) -> uint8_t& { return table[p * (path_size + 1) + n]; };
  rest(pattern_size, path_size) = 1;
  for (size_t p = pattern_size; p-- > 0;) {
    for (size_t n = path_size + 1; n-- > 0;) {
      if (components_[p].kind == Kind::kRecursive) {
        rest(p, n) = rest(p + 1, n) || (n < path_size && rest(p, n + 1));
      } else {
        rest(p, n) = n < path_size && rest(p + 1, n + 1) && component_matches(p, n);
      }
    }
  }
  if (!rest(0, 0)) return std::nullopt;

  // Walk one match from the front; an earlier "**" takes as much as it can.
  std::vector<std::string> captures;
  size_t n = 0;
  for (size_t p = 0; p < pattern_size; ++p) {
    switch (components_[p].kind) {
      case Kind::kRecursive: {
        size_t end = path_size;
        while (!rest(p + 1, end)) --end;  // stops at or after n since rest(p, n) holds
        captures.push_back(JoinRange(path, n, end));
        n = end;
        break;
      }
      case Kind::kWildcard:
        captures.push_back(path[n++]);
        break;
      case Kind::kLiteral:
        ++n;
        break;
    }
  }
  return captures;
}

bool MatchComponent(std::string_view pattern, std::string_view name) {
  std::vector<Token> tokens;
  (void)Tokenize(pattern, &tokens);
  return MatchTokens(tokens, Decode(name));
}

}  // namespace pond::tinyfs
