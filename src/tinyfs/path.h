// Pond paths: '/'-separated, absolute from the pond's root or relative to a
// working directory. Names (the parts between slashes) are validated here.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "util/status.h"

namespace pond::tinyfs {

// OK when `name` may name a directory entry: not empty, not "." or "..", no
// '/', no control character (C0, DEL: they could rewrite a terminal or split
// a line of output), at most 255 bytes. InvalidArgument (naming it, escaped)
// otherwise.
Status ValidateName(std::string_view name);

// The components of `path`, with empty components and "." dropped and ".."
// kept (resolution, not text, decides what ".." means once symlinks are in
// play). "/a//b/./c/" -> {"a","b","c"}; "../x" -> {"..","x"}.
std::vector<std::string> SplitPath(std::string_view path);

// True when `path` starts with '/'.
inline bool IsAbsolute(std::string_view path) { return !path.empty() && path[0] == '/'; }

// Joins components into an absolute path: {} -> "/", {"a","b"} -> "/a/b".
std::string JoinPath(const std::vector<std::string>& components);

// `base` + "/" + `name`, without doubling the slash at the root (or after any
// trailing slash of `base`). An empty `base` yields `name` alone.
std::string ChildPath(std::string_view base, std::string_view name);

// Lexically normalizes an absolute path: "." and empty parts dropped, ".."
// pops (and stays at the root). "/a/./b/../c/" -> "/a/c". The result is
// always absolute: a relative `path` is taken from the root.
std::string NormalizeAbsolute(std::string_view path);

}  // namespace pond::tinyfs
