// Text for people: names and command lines printed safely.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace pond {

// `text` with every C0 control character and DEL escaped as C does ("\n",
// "\t", "\x1b"), so that a name can never move the cursor, change the
// terminal's colours or split one line of output into two. Printable text,
// UTF-8 and backslashes included, is unchanged (so escaping twice changes
// nothing more).
std::string EscapeControl(std::string_view text);

// `s` as a SQL string literal: 'it''s'.
std::string SqlString(std::string_view s);
// `name` as a quoted SQL identifier: "a ""b""", so any column name is safe.
std::string SqlIdentifier(std::string_view name);

// True when `text` holds a C0 control character or DEL.
bool HasControl(std::string_view text);

// A byte count for people: "512 B", "1.5 KiB", "3.2 GiB".
std::string HumanSize(uint64_t bytes);

}  // namespace pond
