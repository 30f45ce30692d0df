// What every command gets: the global options and where to write.
#pragma once

#include <cstdint>
#include <iostream>
#include <optional>
#include <string>

#include "util/status.h"

namespace pond {

struct GlobalOptions {
  std::string pond_dir;  // --pond, else $POND; empty when neither is set
  bool verbose = false;
  bool quiet = false;            // no progress lines
  std::optional<int64_t> as_of;  // --as-of N
};

struct Context {
  GlobalOptions global;
  std::string command_line;  // recorded with the transaction
  std::ostream* out = &std::cout;
  std::ostream* err = &std::cerr;
  // Set by the command that ran; main maps it to the exit code.
  Status status;
  bool ran = false;
  bool usage_error = false;  // exit 2 rather than 1
};

}  // namespace pond
