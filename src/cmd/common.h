// Helpers shared by the commands: opening the pond, running a write
// transaction, and formatting for people.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "cmd/context.h"
#include "tinyfs/fs.h"
#include "tlogfs/pond.h"

namespace CLI {
class Validator;
}

namespace pond {

// Opens the pond named by --pond or $POND. InvalidArgument when neither is set.
Result<std::unique_ptr<tlogfs::Pond>> OpenPond(const Context& ctx);

// Runs `body` as one transaction recorded with the command line: commits when
// it succeeds, aborts (leaving nothing behind) when it fails.
Status RunWrite(Context& ctx, const std::function<Status(tinyfs::FS&, tlogfs::Pond&)>& body);

// A check for an option that takes a whole number of at least `min`, failing
// with one short sentence ("must be a whole number of 1 or more, not '0'").
CLI::Validator WholeNumberAtLeast(int64_t min);

// "1.5 KiB", "3 B".
std::string HumanSize(uint64_t bytes);

// "2026-11-26 10:10:19" (UTC) for microseconds since the epoch.
std::string ShortTime(int64_t micros);

// A JSON string literal for `text` (quotes included).
std::string JsonString(const std::string& text);

}  // namespace pond
