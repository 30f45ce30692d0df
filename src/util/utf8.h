// UTF-8 checks for text that goes into the log's JSON and in front of people.
#pragma once

#include <string>
#include <string_view>

namespace pond {

// True when `text` is valid UTF-8 (simdjson's validator).
bool IsUtf8(std::string_view text);

// `text` unchanged when it is valid UTF-8; otherwise with every byte outside
// ASCII written as \xNN, so that it can be stored as JSON and printed
// without garbling the line (a Latin-1 file name in a command line, say).
std::string EscapeNonUtf8(std::string_view text);

}  // namespace pond
