// Helpers shared by the commands: opening the pond, running a write
// transaction, usage errors, and formatting for people and scripts.
#pragma once

#include <functional>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <ostream>
#include <string>

#include "cmd/context.h"
#include "tinyfs/fs.h"
#include "tlogfs/pond.h"
#include "util/text.h"

namespace CLI {
class Validator;
}

namespace pond {

// Marks the command's failure as a usage error (exit 2) and returns it.
Status UsageError(Context& ctx, std::string message);

// Opens the pond named by --pond or $POND (a usage error when neither is set).
// With `allow_damage`, a pond whose log is damaged opens with what is intact.
Result<std::unique_ptr<tlogfs::Pond>> OpenPond(Context& ctx, bool allow_damage = false);

// Lets `fs` compute dynamic nodes (factories) for as long as the result lives.
std::unique_ptr<tinyfs::DynamicNodes> AttachFactories(tinyfs::FS& fs, tlogfs::Pond& pond);

// Runs `body` as one transaction recorded with the command line: commits when
// it succeeds, aborts (leaving nothing behind) when it fails.
Status RunWrite(Context& ctx, const std::function<Status(tinyfs::FS&, tlogfs::Pond&)>& body);

// A check for an option that takes a whole number of at least `min`, failing
// with one short sentence ("must be a whole number of 1 or more, not '0'").
CLI::Validator WholeNumberAtLeast(int64_t min);
// A check for an RFC 3339 time ("2026-01-01T05:00:00+02:00", "2026-01-01").
CLI::Validator TimeValidator();
// A check for a duration ("30s", "1h30m").
CLI::Validator DurationValidator();

// Streams host file `path` to `sink` in chunks. NotFound or IOError naming
// the file; the sink's own error as it is.
Status ReadHostFile(const std::string& path, const std::function<Status(std::string_view)>& sink);
// Appends host file `path` to `writer`, telling `on_bytes` each count
// appended: large files are copied by the store where it can (in the kernel).
Status LoadHostFile(const std::string& path, tinyfs::ContentWriter& writer,
                    const std::function<void(uint64_t)>& on_bytes);
// A whole (small) host file, such as a config.
Result<std::string> ReadHostText(const std::string& path);

// "2026-11-26 10:10:19" (UTC) for microseconds since the epoch.
std::string ShortTime(int64_t micros);

// A JSON string literal for `text` (quotes included).
std::string JsonString(const std::string& text);

// Writes JSON objects either as one JSON array (json) or one per line
// (jsonl), as they come, so that output starts before the last one is known.
class JsonLister {
 public:
  JsonLister(std::ostream& out, bool lines) : out_(out), lines_(lines) {}
  void Add(const nlohmann::json& item);
  // Closes the array. IOError when the output could not be written.
  Status Finish();

 private:
  std::ostream& out_;
  bool lines_;
  bool first_ = true;
};

}  // namespace pond
