// Each command's --help as a short manual page (NAME, SYNOPSIS, DESCRIPTION,
// OPTIONS, EXAMPLES); the top-level help stays CLI11's summary.
#pragma once

#include <memory>
#include <string>

namespace CLI {
class FormatterBase;
}

namespace pond {

// The formatter to install on the top-level app before its subcommands are
// added (they take their parent's formatter when they are made).
std::shared_ptr<CLI::FormatterBase> ManualPageFormatter();

}  // namespace pond
