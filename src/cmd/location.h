// Where a command's argument points: a pond path, or a URL naming a host file
// and how to read it ("host:///abs", "host+table:///abs.parquet",
// "host+delta:///abs/table", "csv:///pond/path", ...).
#pragma once

#include <string>

#include "util/status.h"

namespace pond {

struct Location {
  std::string scheme;  // "" for a plain path; otherwise the part before "://"
  std::string path;    // for URLs: the absolute path after "scheme://"

  bool is_url() const { return !scheme.empty(); }
  // host, host+table, host+series, host+delta, host+csv, ...
  bool is_host() const { return scheme == "host" || scheme.starts_with("host+"); }
  // The format after "host+" ("" for plain "host").
  std::string host_format() const { return scheme.size() > 5 ? scheme.substr(5) : ""; }
};

// Parses `text`. A URL must be "scheme:///absolute/path" (three slashes: no
// host part); InvalidArgument otherwise.
Result<Location> ParseLocation(const std::string& text);

}  // namespace pond
