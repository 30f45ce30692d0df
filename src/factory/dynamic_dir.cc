// dynamic-dir: a read-only directory of other factories' nodes.
//
//   entries:
//     - name: reduced
//       factory: temporal-reduce
//       config: {in_pattern: ..., ...}
//
// Entries are built lazily, when the directory is looked up or listed.
// Executable factories cannot be entries; names must be unique.
#include <set>

#include "factory/evaluator.h"
#include "tinyfs/path.h"
#include "util/text.h"

namespace pond::factory {
namespace {

struct Entry {
  std::string name;
  const Factory* factory = nullptr;
  std::shared_ptr<const ParsedConfig> config;
  std::string config_text;
};

struct Config : ParsedConfig {
  std::vector<Entry> entries;
};

class DynamicDir final : public Factory {
 public:
  std::string_view name() const override { return "dynamic-dir"; }
  std::string_view description() const override {
    return "a read-only directory whose entries are other factories' nodes";
  }
  Makes makes() const override { return Makes::kDirectory; }

  Result<std::shared_ptr<const ParsedConfig>> Parse(const YAML::Node& node) const override {
    Fields f(node, "dynamic-dir config");
    auto config = std::make_shared<Config>();
    ASSIGN_OR_RETURN(auto entries, f.List("entries", true));
    std::set<std::string> names;
    for (size_t i = 0; i < entries.size(); ++i) {
      Fields e(entries[i], "dynamic-dir config: " + Item("entries", i));
      Entry entry;
      ASSIGN_OR_RETURN(entry.name, e.String("name"));
      if (Status valid = tinyfs::ValidateName(entry.name); !valid.ok()) {
        return e.Error(valid.message());
      }
      if (!names.insert(entry.name).second) {
        return e.Error("the name '" + EscapeControl(entry.name) + "' is used twice");
      }
      ASSIGN_OR_RETURN(std::string factory, e.String("factory"));
      auto found = FindFactory(factory);
      if (!found.ok()) return e.Error(found.status().message());
      entry.factory = *found;
      if (entry.factory->makes() == Makes::kExecutable) {
        return e.Error(factory + " is executable and cannot be an entry");
      }
      YAML::Node sub = e.Raw("config");
      if (!sub.IsDefined()) return e.Error("'config' is required");
      auto parsed = entry.factory->Parse(sub);
      if (!parsed.ok()) return parsed.status().WithContext(e.where());
      entry.config = *parsed;
      YAML::Emitter out;
      out << sub;
      entry.config_text = out.c_str();
      RETURN_IF_ERROR(e.Done());
      config->entries.push_back(std::move(entry));
    }
    RETURN_IF_ERROR(f.Done());
    return std::shared_ptr<const ParsedConfig>(config);
  }

  Result<std::vector<Child>> List(Evaluation& ev, const ParsedConfig& parsed) const override {
    auto config = std::make_shared<const Config>(dynamic_cast<const Config&>(parsed));
    std::vector<Child> children;
    for (size_t i = 0; i < config->entries.size(); ++i) {
      const Entry& e = config->entries[i];
      Child c;
      c.name = e.name;
      c.type = EntryTypeFor(e.factory->makes());
      c.factory = std::string(e.factory->name());
      c.config = e.config;
      c.config_text = e.config_text;
      Evaluator* eval = &ev.eval;
      tinyfs::Node self{"", c.type, tinyfs::ChildPath(ev.node.path, e.name)};
      switch (e.factory->makes()) {
        case Makes::kDirectory:
          c.list = [eval, config, i, self]() {
            const Entry& entry = config->entries[i];
            Evaluation sub{*eval, self, std::string(entry.factory->name()), entry.config_text};
            return entry.factory->List(sub, *entry.config);
          };
          break;
        case Makes::kTable:
        case Makes::kSeries:
          c.compute = [eval, config, i, self]() {
            const Entry& entry = config->entries[i];
            Evaluation sub{*eval, self, std::string(entry.factory->name()), entry.config_text};
            return entry.factory->Compute(sub, *entry.config);
          };
          break;
        case Makes::kTransform:
        case Makes::kExecutable:
          break;
      }
      children.push_back(std::move(c));
    }
    return children;
  }
};

POND_REGISTER_FACTORY(DynamicDir);

}  // namespace
}  // namespace pond::factory
