// Key validation: the single check that keeps every key inside a store's root.
#include <string>
#include <string_view>

#include "storage/object_store.h"

namespace pond {
namespace {

// Shown in messages so a key with odd bytes stays readable and unambiguous.
std::string Quote(std::string_view key) {
  std::string out = "'";
  for (char c : key) {
    if (c == '\0') {
      out += "\\0";
    } else {
      out += c;
    }
  }
  return out + "'";
}

}  // namespace

Status ValidateKey(std::string_view key) {
  if (key.empty()) return Status::InvalidArgument("an object key must not be empty");
  if (key.find('\0') != std::string_view::npos) {
    return Status::InvalidArgument("object key " + Quote(key) + " contains a NUL byte");
  }
  size_t start = 0;
  while (true) {
    size_t slash = key.find('/', start);
    std::string_view segment =
        key.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
    // An empty segment also covers a leading or trailing '/' and "a//b".
    if (segment.empty() || segment == "." || segment == "..") {
      return Status::InvalidArgument("object key " + Quote(key) +
                                     " must be a relative path without empty, '.' or '..' parts");
    }
    // The local store names its in-flight temporary files ".tmp-*" and hides them
    // from List; a key of that shape could collide with one and never be listed.
    if (segment.starts_with(".tmp-")) {
      return Status::InvalidArgument("object key " + Quote(key) +
                                     " has a part starting with '.tmp-', which is reserved");
    }
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return Status::OK();
}

}  // namespace pond
