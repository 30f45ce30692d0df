// Identifiers: UUIDv7 (RFC 9562), time-ordered, as lowercase 36-character text.
//
// Thread safety: NewUuidV7() may be called from any thread.
#pragma once

#include <string>

namespace pond {

// Returns a new UUIDv7: 48 bits of Unix milliseconds, then random bits. Ids made
// by one process are strictly increasing, even within one millisecond.
std::string NewUuidV7();

// True when `s` has the 8-4-4-4-12 lowercase hex shape of a UUID.
bool LooksLikeUuid(const std::string& s);

}  // namespace pond
