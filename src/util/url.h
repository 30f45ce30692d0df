// Percent-encoding (RFC 3986), as Delta uses for file paths in the log.
#pragma once

#include <string>
#include <string_view>

#include "util/status.h"

namespace pond {

// Decodes %XX escapes. InvalidArgument on a malformed escape.
Result<std::string> PercentDecode(std::string_view text);

// Encodes every byte outside the unreserved set and '/' as %XX (uppercase hex).
std::string PercentEncodePath(std::string_view text);

}  // namespace pond
