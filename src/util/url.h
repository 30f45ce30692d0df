// Percent-encoding (RFC 3986), as Delta uses for file paths in the log.
#pragma once

#include <string>
#include <string_view>

#include "util/status.h"

namespace pond {

// Decodes %XX escapes. InvalidArgument on a malformed escape.
Result<std::string> PercentDecode(std::string_view text);

// Encodes every byte outside the unreserved set (A-Z a-z 0-9 - _ . ~) and
// `also_keep` as %XX (uppercase hex).
std::string PercentEncode(std::string_view text, std::string_view also_keep = "");

// PercentEncode keeping '/' and '=': a Delta file path.
std::string PercentEncodePath(std::string_view text);

}  // namespace pond
