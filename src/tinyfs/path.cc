#include "tinyfs/path.h"

#include "util/text.h"
#include "util/utf8.h"

namespace pond::tinyfs {
namespace {

constexpr size_t kMaxNameBytes = 255;

// `name` in quotes for an error message, control characters (and the bytes of
// a name that is not UTF-8) escaped so the message stays one printable line.
std::string Quoted(std::string_view name) { return "'" + EscapeNonUtf8(EscapeControl(name)) + "'"; }

Status InvalidName(std::string_view name, std::string_view why) {
  return Status::InvalidArgument(Quoted(name) + " is not a valid name: " + std::string(why));
}

}  // namespace

Status ValidateName(std::string_view name) {
  if (name.empty()) return Status::InvalidArgument("a name cannot be empty");
  if (name == "." || name == "..") return InvalidName(name, "it is reserved");
  if (name.find('/') != std::string_view::npos) return InvalidName(name, "it contains '/'");
  if (HasControl(name)) {
    return InvalidName(name, "it contains a control character (such as a newline, tab or escape)");
  }
  // Names are stored in the log's JSON and shown as text: any byte string
  // that is not UTF-8 (a Latin-1 name from an old host, say) is refused here,
  // by name, rather than failing later inside the commit.
  if (!IsUtf8(name)) return InvalidName(name, "it is not UTF-8 text");
  if (name.size() > kMaxNameBytes) {
    return InvalidName(name, "it is longer than " + std::to_string(kMaxNameBytes) + " bytes");
  }
  return Status::OK();
}

std::vector<std::string> SplitPath(std::string_view path) {
  std::vector<std::string> components;
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    std::string_view part = path.substr(start, end - start);
    if (!part.empty() && part != ".") components.emplace_back(part);
    start = end + 1;
  }
  return components;
}

std::string JoinPath(const std::vector<std::string>& components) {
  if (components.empty()) return "/";
  std::string out;
  for (const std::string& component : components) {
    out.push_back('/');
    out += component;
  }
  return out;
}

std::string ChildPath(std::string_view base, std::string_view name) {
  if (base.empty()) return std::string(name);
  std::string out(base);
  if (out.back() != '/') out.push_back('/');
  out += name;
  return out;
}

std::string NormalizeAbsolute(std::string_view path) {
  std::vector<std::string> kept;
  for (std::string& component : SplitPath(path)) {
    if (component == "..") {
      if (!kept.empty()) kept.pop_back();
    } else {
      kept.push_back(std::move(component));
    }
  }
  return JoinPath(kept);
}

}  // namespace pond::tinyfs
