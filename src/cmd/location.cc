#include "cmd/location.h"

namespace pond {

Result<Location> ParseLocation(const std::string& text) {
  Location loc;
  size_t sep = text.find("://");
  if (sep == std::string::npos) {
    loc.path = text;
    return loc;
  }
  loc.scheme = text.substr(0, sep);
  loc.path = text.substr(sep + 3);
  bool scheme_ok = !loc.scheme.empty();
  for (char c : loc.scheme) {
    scheme_ok = scheme_ok && ((c >= 'a' && c <= 'z') || c == '+' || c == '-');
  }
  if (!scheme_ok) {
    return Status::InvalidArgument("'" + text + "' has a malformed URL scheme");
  }
  if (loc.path.empty() || loc.path[0] != '/') {
    return Status::InvalidArgument("'" + text + "' must name an absolute path, as in " +
                                   loc.scheme + ":///abs/path");
  }
  return loc;
}

}  // namespace pond
