// Warnings: things a command should tell its user about although it succeeded
// (a checkpoint that could not be written, an index that could not be
// updated). Layers record them here; the CLI prints them on stderr when the
// command ends. One list per process.
//
// Thread safety: Warn and TakeWarnings may be called from any thread.
#pragma once

#include <string>
#include <vector>

namespace pond {

// Records one sentence for the user.
void Warn(std::string sentence);

// The warnings recorded so far, in order; the list is empty afterwards.
std::vector<std::string> TakeWarnings();

}  // namespace pond
