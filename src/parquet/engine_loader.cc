// Loads the DuckDB-backed engine from its own shared module on first use.
//
// Linking libduckdb.so into `pond` would cost every process ~8-17 ms of
// dynamic loading before main() runs, even `pond cat` of a small file that
// never touches Parquet. So the engine lives in libpond_duckdb.so, which
// links DuckDB, and is dlopen()ed here only when a command needs it.
#include <dlfcn.h>
#include <unistd.h>

#include <cstdlib>
#include <mutex>
#include <string>

#include "parquet/engine.h"
#include "parquet/module.h"
#include "util/counters.h"

namespace pond {
namespace {

constexpr const char* kModuleName = "libpond_duckdb.so";
using OpenFn = ParquetEngine* (*)(std::string*);

std::string ExecutableDir() {
  char buf[4096];
  ssize_t n = ::readlink("/proc/self/exe", buf, sizeof(buf) - 1);
  if (n <= 0) return ".";
  std::string path(buf, static_cast<size_t>(n));
  return path.substr(0, path.rfind('/'));
}

// Where the module may be: $POND_DUCKDB_MODULE, beside the executable, in
// ../lib/pond (an installed pond), in the parent (test binaries live one
// folder down), and the build folder.
std::vector<std::string> Candidates() {
  std::vector<std::string> out;
  if (const char* env = std::getenv("POND_DUCKDB_MODULE")) out.push_back(env);
  std::string dir = ExecutableDir();
  out.push_back(dir + "/" + kModuleName);
  out.push_back(dir + "/../lib/pond/" + kModuleName);  // installed: PREFIX/bin, PREFIX/lib/pond
  out.push_back(dir + "/../" + kModuleName);
#ifdef POND_MODULE_DIR
  out.push_back(std::string(POND_MODULE_DIR) + "/" + kModuleName);
#endif
  return out;
}

// The module's handle, loaded once per process.
Result<void*> ModuleHandle() {
  static std::mutex mu;
  static void* handle = nullptr;
  static std::string failure;
  std::lock_guard<std::mutex> lock(mu);
  if (handle) return handle;
  for (const std::string& path : Candidates()) {
    if (::access(path.c_str(), R_OK) != 0) continue;
    void* candidate = ::dlopen(path.c_str(), RTLD_LAZY | RTLD_LOCAL);
    if (!candidate) {
      failure = dlerror();
      continue;
    }
    auto abi = reinterpret_cast<const char* (*)()>(::dlsym(candidate, "pond_module_abi"));
    if (!abi || std::string(abi()) != kDuckDbModuleAbi) {
      failure = path + " was built for another version of pond (rebuild it)";
      ::dlclose(candidate);
      continue;
    }
    handle = candidate;
    GlobalCounters().duckdb_module = path;
    return handle;
  }
  return Status::NotFound("cannot load the DuckDB module (" + std::string(kModuleName) + ")" +
                          (failure.empty() ? "" : ": " + failure));
}

}  // namespace

Result<void*> DuckDbModuleSymbol(const char* name) {
  ASSIGN_OR_RETURN(void* handle, ModuleHandle());
  void* symbol = ::dlsym(handle, name);
  if (!symbol) {
    return Status::Internal(std::string("the DuckDB module has no entry point ") + name);
  }
  return symbol;
}

Result<std::unique_ptr<ParquetEngine>> OpenParquetEngine() {
  ASSIGN_OR_RETURN(void* symbol, DuckDbModuleSymbol("pond_open_parquet_engine"));
  auto open_fn = reinterpret_cast<OpenFn>(symbol);
  std::string error;
  ParquetEngine* engine = open_fn(&error);
  if (!engine) return Status::Internal("cannot open the Parquet engine: " + error);
  return std::unique_ptr<ParquetEngine>(engine);
}

}  // namespace pond
