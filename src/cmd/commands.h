// The commands: each Add*Command registers one subcommand whose callback runs
// it and stores its Status in the context.
#pragma once

#include "cmd/context.h"

namespace CLI {
class App;
}

namespace pond {

void AddCatCommand(CLI::App& app, Context& ctx);

}  // namespace pond
