#pragma once

namespace pond {
inline constexpr const char* kPondVersion = "0.1.0";
}  // namespace pond
