// Factories: named code that computes a dynamic node from its YAML config.
//
// A dynamic node is stored as one oplog row whose `factory` column names the
// factory and whose content is the config, raw (an `${env:VAR}` stays
// unexpanded in the log). Reading it expands the config, parses it with the
// factory, and computes what the factory makes: a directory's entries, a
// table's or series' rows (as a Parquet file, cached under $POND/cache), or,
// for an executable, nothing until `pond run`.
//
// Adding a factory is one new file: define a Factory and register it with
// POND_REGISTER_FACTORY (the module is linked whole, so the registration runs).
#pragma once

#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "factory/config.h"
#include "tinyfs/fs.h"

namespace pond::tlogfs {
class Pond;
}

namespace pond::factory {

class Evaluator;

enum class Makes { kDirectory, kTable, kSeries, kTransform, kExecutable };
// "directory", "table", "series", "transform", "executable".
const char* MakesName(Makes makes);
// The entry type of a node a factory that makes `makes` stands behind.
tinyfs::EntryType EntryTypeFor(Makes makes);

// A factory's parsed config.
struct ParsedConfig {
  virtual ~ParsedConfig() = default;
};

// One entry of a dynamic directory: a name and how to compute what it holds.
struct Child {
  std::string name;
  tinyfs::EntryType type = tinyfs::EntryType::kDynamicSeries;
  // kDynamicDirectory: its entries.
  std::function<Result<std::vector<Child>>()> list;
  // kDynamicTable, kDynamicSeries: its content.
  std::function<Result<tinyfs::DynamicContent>()> compute;
  // kDynamicData (a transform): its factory and parsed config.
  std::string factory;
  std::shared_ptr<const ParsedConfig> config;
  std::string config_text;  // expanded, for cache keys
};

// What a node being computed knows about itself.
struct Evaluation {
  Evaluator& eval;
  tinyfs::Node node;
  std::string factory;
  std::string config_text;  // expanded
};

// What `pond run` gives an executable factory: one open write transaction.
struct RunContext {
  tinyfs::FS& fs;
  tlogfs::Pond& pond;
  Evaluator& eval;
  tinyfs::Node node;
  std::ostream& out;
};

class Factory {
 public:
  virtual ~Factory() = default;
  virtual std::string_view name() const = 0;
  virtual std::string_view description() const = 0;
  virtual Makes makes() const = 0;
  // Parses an expanded config. InvalidArgument in one sentence naming the
  // key (and its line) for anything wrong.
  virtual Result<std::shared_ptr<const ParsedConfig>> Parse(const YAML::Node& config) const = 0;
  // kTable, kSeries: the content.
  virtual Result<tinyfs::DynamicContent> Compute(Evaluation& ev, const ParsedConfig& config) const;
  // kDirectory: the entries.
  virtual Result<std::vector<Child>> List(Evaluation& ev, const ParsedConfig& config) const;
  // kExecutable: runs with `args` inside `ctx`'s transaction.
  virtual Status Run(RunContext& ctx, const ParsedConfig& config,
                     const std::vector<std::string>& args) const;
};

// A factory waiting to be made: one per POND_REGISTER_FACTORY. Registering
// only links it into a list, without allocating or calling into the factory,
// so that a command that uses none (`cat`, `list`) pays nothing for them at
// start-up; the factories are made on the first lookup.
struct FactoryRegistration {
  std::unique_ptr<Factory> (*make)();
  const FactoryRegistration* next;
};
// Adds `registration` to the registry (at static initialization).
bool RegisterFactory(FactoryRegistration* registration);
// The factory named `name`; InvalidArgument listing the known names otherwise.
Result<const Factory*> FindFactory(std::string_view name);
// Every factory, by name.
std::vector<const Factory*> AllFactories();

// Expands and parses `raw_config` for `factory`, with errors that name the
// factory ("temporal-reduce config: 'resolutions' is required").
Result<std::shared_ptr<const ParsedConfig>> ParseConfig(const Factory& factory,
                                                        const std::string& raw_config);

#define POND_FACTORY_CONCAT_INNER(a, b) a##b
#define POND_FACTORY_CONCAT(a, b) POND_FACTORY_CONCAT_INNER(a, b)
#define POND_REGISTER_FACTORY(type)                                                           \
  static constinit ::pond::factory::FactoryRegistration POND_FACTORY_CONCAT(kRegistration_,   \
                                                                            __LINE__){        \
      []() -> std::unique_ptr<::pond::factory::Factory> { return std::make_unique<type>(); }, \
      nullptr};                                                                               \
  [[maybe_unused]] static const bool POND_FACTORY_CONCAT(kRegistered_, __LINE__) =            \
      ::pond::factory::RegisterFactory(&POND_FACTORY_CONCAT(kRegistration_, __LINE__))

}  // namespace pond::factory
