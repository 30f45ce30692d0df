// Temporary files and folders that must not outlive an interrupted command.
//
// Writers register the temporary files they create (an object store's
// ".tmp-<uuid>" files, private scratch folders) and unregister them once
// published or removed. RemoveRegisteredTempFiles() is async-signal-safe: a
// SIGINT or SIGTERM handler calls it before the process dies, so an
// interrupted `pond copy` leaves no half-written temporary file behind.
//
// Thread safety: every function may be called from any thread, and
// RemoveRegisteredTempFiles() also from a signal handler.
#pragma once

#include <string>

namespace pond {

// Registers `path` (a file, or with `is_dir` an empty-at-exit folder). Returns
// a handle for UnregisterTempFile, or -1 when the registry is full (the file
// is then only cleaned by `pond gc`).
int RegisterTempFile(const std::string& path, bool is_dir = false);
void UnregisterTempFile(int handle);

// Unlinks every registered file, then removes every registered folder (with
// the files in it that were registered). Safe in a signal handler.
void RemoveRegisteredTempFiles();

}  // namespace pond
