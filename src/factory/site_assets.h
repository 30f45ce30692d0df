// The files every site the sitegen factory builds carries in assets/: our
// chart script (bundled with hyparquet by esbuild) and stylesheet, and uPlot, from pinned npm
// packages (src/factory/site/package-lock.json), embedded at build time by
// cmake/EmbedFiles.cmake so that the pond binary needs nothing at run time.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace pond::factory {

struct SiteAsset {
  std::string name;  // path under assets/, e.g. "uPlot.iife.min.js"
  std::string_view bytes;
};

const std::vector<SiteAsset>& SiteAssets();

}  // namespace pond::factory
