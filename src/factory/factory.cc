#include "factory/factory.h"

#include <map>

namespace pond::factory {
namespace {

// The registrations, newest first; constant-initialized, so it is empty
// before any registration runs whatever the order of static initialization.
constinit const FactoryRegistration* registrations = nullptr;

using FactoryMap = std::map<std::string, std::unique_ptr<Factory>, std::less<>>;

// Every registered factory, made on the first call.
const FactoryMap& Registry() {
  static const FactoryMap registry = [] {
    FactoryMap made;
    for (const FactoryRegistration* r = registrations; r != nullptr; r = r->next) {
      std::unique_ptr<Factory> factory = r->make();
      std::string name(factory->name());
      made[name] = std::move(factory);
    }
    return made;
  }();
  return registry;
}

}  // namespace

const char* MakesName(Makes makes) {
  switch (makes) {
    case Makes::kDirectory:
      return "directory";
    case Makes::kTable:
      return "table";
    case Makes::kSeries:
      return "series";
    case Makes::kTransform:
      return "transform";
    case Makes::kExecutable:
      return "executable";
  }
  return "?";
}

tinyfs::EntryType EntryTypeFor(Makes makes) {
  switch (makes) {
    case Makes::kDirectory:
      return tinyfs::EntryType::kDynamicDirectory;
    case Makes::kTable:
      return tinyfs::EntryType::kDynamicTable;
    case Makes::kSeries:
      return tinyfs::EntryType::kDynamicSeries;
    case Makes::kTransform:
    case Makes::kExecutable:
      return tinyfs::EntryType::kDynamicData;
  }
  return tinyfs::EntryType::kDynamicData;
}

Result<tinyfs::DynamicContent> Factory::Compute(Evaluation& ev, const ParsedConfig&) const {
  return Status::InvalidArgument(std::string(name()) + " makes a " + MakesName(makes()) +
                                 ", not rows");
}

Result<std::vector<Child>> Factory::List(Evaluation& ev, const ParsedConfig&) const {
  return Status::InvalidArgument(std::string(name()) + " makes a " + MakesName(makes()) +
                                 ", not a directory");
}

Status Factory::Run(RunContext&, const ParsedConfig&, const std::vector<std::string>&) const {
  return Status::InvalidArgument(std::string(name()) + " makes a " + MakesName(makes()) +
                                 "; only executable factories can be run");
}

bool RegisterFactory(FactoryRegistration* registration) {
  registration->next = registrations;
  registrations = registration;
  return true;
}

Result<const Factory*> FindFactory(std::string_view name) {
  auto it = Registry().find(name);
  if (it != Registry().end()) return it->second.get();
  std::string known;
  for (const auto& [n, f] : Registry()) known += (known.empty() ? "" : ", ") + n;
  return Status::InvalidArgument("there is no factory named '" + std::string(name) +
                                 "' (known: " + known + ")");
}

std::vector<const Factory*> AllFactories() {
  std::vector<const Factory*> out;
  for (const auto& [n, f] : Registry()) out.push_back(f.get());
  return out;
}

Result<std::shared_ptr<const ParsedConfig>> ParseConfig(const Factory& factory,
                                                        const std::string& raw_config) {
  std::string what = std::string(factory.name()) + " config";
  auto expanded = ExpandEnv(raw_config);
  if (!expanded.ok()) return expanded.status().WithContext(what);
  ASSIGN_OR_RETURN(YAML::Node node, ParseYaml(*expanded, what));
  try {
    return factory.Parse(node);
  } catch (const YAML::Exception& e) {
    return Status::InvalidArgument(what + ": " + e.msg + LineOf(node));
  }
}

}  // namespace pond::factory
