#include "delta/actions.h"

#include <simdjson.h>

#include <nlohmann/json.hpp>

namespace pond::delta {
namespace {

using nlohmann::json;
using simdjson::dom::element;
using simdjson::dom::element_type;

// Field readers over one action object: a missing optional field keeps the
// default; a present field of the wrong type is corruption, because a reader
// that guessed could return wrong rows. simdjson parses: log replay of large
// checkpoints spends most of its time here.
class Fields {
 public:
  Fields(element obj, const char* action) : obj_(obj), action_(action) {}

  // The field, or nullopt when absent or null.
  std::optional<element> Find(const char* key) const {
    element value;
    if (obj_.at_key(key).get(value) != simdjson::SUCCESS || value.is_null()) return std::nullopt;
    return value;
  }
  Status Str(const char* key, std::string* out, bool required) const {
    auto v = Find(key);
    if (!v) return Missing(key, required);
    std::string_view s;
    if (v->get_string().get(s) != simdjson::SUCCESS) return Wrong(key, "a string");
    out->assign(s);
    return Status::OK();
  }
  Status OptStr(const char* key, std::optional<std::string>* out) const {
    if (!Find(key)) return Status::OK();
    std::string s;
    RETURN_IF_ERROR(Str(key, &s, true));
    *out = std::move(s);
    return Status::OK();
  }
  Status Int(const char* key, int64_t* out, bool required) const {
    auto v = Find(key);
    if (!v) return Missing(key, required);
    if (v->get_int64().get(*out) != simdjson::SUCCESS) return Wrong(key, "an integer");
    return Status::OK();
  }
  Status OptInt(const char* key, std::optional<int64_t>* out) const {
    if (!Find(key)) return Status::OK();
    int64_t v = 0;
    RETURN_IF_ERROR(Int(key, &v, true));
    *out = v;
    return Status::OK();
  }
  Status Bool(const char* key, bool* out, bool required) const {
    auto v = Find(key);
    if (!v) return Missing(key, required);
    if (v->get_bool().get(*out) != simdjson::SUCCESS) return Wrong(key, "a boolean");
    return Status::OK();
  }
  Status StrMap(const char* key, std::map<std::string, std::string>* out) const {
    auto v = Find(key);
    if (!v) return Status::OK();
    simdjson::dom::object obj;
    if (v->get_object().get(obj) != simdjson::SUCCESS) return Wrong(key, "an object");
    for (auto field : obj) {
      if (field.value.is_null()) continue;  // a null option or tag carries nothing
      std::string_view s;
      if (field.value.get_string().get(s) != simdjson::SUCCESS) {
        return Wrong(key, "an object of strings");
      }
      (*out)[std::string(field.key)] = std::string(s);
    }
    return Status::OK();
  }
  Status Partitions(const char* key, PartitionValues* out, bool required) const {
    auto v = Find(key);
    if (!v) return Missing(key, required);
    simdjson::dom::object obj;
    if (v->get_object().get(obj) != simdjson::SUCCESS) return Wrong(key, "an object");
    for (auto field : obj) {
      std::string name(field.key);
      std::string_view s;
      if (field.value.is_null()) {
        (*out)[name] = std::nullopt;
      } else if (field.value.get_string().get(s) == simdjson::SUCCESS) {
        (*out)[name] = std::string(s);
      } else {
        return Wrong(key, "an object of strings");
      }
    }
    return Status::OK();
  }

 private:
  Status Missing(const char* key, bool required) const {
    if (!required) return Status::OK();
    return Status::Corruption(std::string(action_) + " action has no '" + key + "'");
  }
  Status Wrong(const char* key, const char* what) const {
    return Status::Corruption(std::string(action_) + " action field '" + key + "' is not " + what);
  }
  element obj_;
  const char* action_;
};

Status ParseProtocol(element j, Protocol* p) {
  Fields f(j, "protocol");
  int64_t r = 0, w = 0;
  RETURN_IF_ERROR(f.Int("minReaderVersion", &r, true));
  RETURN_IF_ERROR(f.Int("minWriterVersion", &w, true));
  p->min_reader_version = static_cast<int>(r);
  p->min_writer_version = static_cast<int>(w);
  return Status::OK();
}

Status ParseMetadata(element j, Metadata* m) {
  Fields f(j, "metaData");
  RETURN_IF_ERROR(f.Str("id", &m->id, true));
  RETURN_IF_ERROR(f.OptStr("name", &m->name));
  RETURN_IF_ERROR(f.OptStr("description", &m->description));
  RETURN_IF_ERROR(f.Str("schemaString", &m->schema_string, true));
  if (auto fmt = f.Find("format"); fmt && fmt->is<simdjson::dom::object>()) {
    Fields ff(*fmt, "metaData.format");
    RETURN_IF_ERROR(ff.Str("provider", &m->format_provider, false));
    RETURN_IF_ERROR(ff.StrMap("options", &m->format_options));
  }
  if (auto pc = f.Find("partitionColumns")) {
    simdjson::dom::array arr;
    if (pc->get_array().get(arr) != simdjson::SUCCESS) {
      return Status::Corruption("metaData.partitionColumns is not an array");
    }
    for (element c : arr) {
      std::string_view s;
      if (c.get_string().get(s) != simdjson::SUCCESS) {
        return Status::Corruption("metaData.partitionColumns has a non-string");
      }
      m->partition_columns.emplace_back(s);
    }
  }
  RETURN_IF_ERROR(f.StrMap("configuration", &m->configuration));
  RETURN_IF_ERROR(f.OptInt("createdTime", &m->created_time));
  return Status::OK();
}

Status ParseAdd(element j, AddFile* a) {
  Fields f(j, "add");
  RETURN_IF_ERROR(f.Str("path", &a->path, true));
  RETURN_IF_ERROR(f.Partitions("partitionValues", &a->partition_values, false));
  RETURN_IF_ERROR(f.Int("size", &a->size, false));
  RETURN_IF_ERROR(f.Int("modificationTime", &a->modification_time, false));
  RETURN_IF_ERROR(f.Bool("dataChange", &a->data_change, false));
  RETURN_IF_ERROR(f.OptStr("stats", &a->stats));
  RETURN_IF_ERROR(f.StrMap("tags", &a->tags));
  if (f.Find("deletionVector")) {
    return Status::NotSupported("add action for '" + a->path +
                                "' has a deletion vector, which needs reader version 3");
  }
  return Status::OK();
}

Status ParseRemove(element j, RemoveFile* r) {
  Fields f(j, "remove");
  RETURN_IF_ERROR(f.Str("path", &r->path, true));
  RETURN_IF_ERROR(f.OptInt("deletionTimestamp", &r->deletion_timestamp));
  RETURN_IF_ERROR(f.Bool("dataChange", &r->data_change, false));
  if (auto e = f.Find("extendedFileMetadata")) {
    bool b = false;
    if (e->get_bool().get(b) == simdjson::SUCCESS) r->extended_file_metadata = b;
  }
  RETURN_IF_ERROR(f.Partitions("partitionValues", &r->partition_values, false));
  RETURN_IF_ERROR(f.OptInt("size", &r->size));
  return Status::OK();
}

Status ParseTxn(element j, Txn* t) {
  Fields f(j, "txn");
  RETURN_IF_ERROR(f.Str("appId", &t->app_id, true));
  RETURN_IF_ERROR(f.Int("version", &t->version, true));
  RETURN_IF_ERROR(f.OptInt("lastUpdated", &t->last_updated));
  return Status::OK();
}

Result<Action> ParseElement(element doc) {
  simdjson::dom::object obj;
  if (doc.get_object().get(obj) != simdjson::SUCCESS) {
    return Status::Corruption("a log line is not a JSON object");
  }
  Action a;
  for (auto field : obj) {
    element value = field.value;
    if (value.is_null()) continue;
    std::string_view key = field.key;
    if (!value.is<simdjson::dom::object>()) {
      return Status::Corruption("action '" + std::string(key) + "' is not an object");
    }
    if (key == "protocol") {
      a.kind = Action::Kind::kProtocol;
      RETURN_IF_ERROR(ParseProtocol(value, &a.protocol));
    } else if (key == "metaData") {
      a.kind = Action::Kind::kMetadata;
      RETURN_IF_ERROR(ParseMetadata(value, &a.metadata));
    } else if (key == "add") {
      a.kind = Action::Kind::kAdd;
      RETURN_IF_ERROR(ParseAdd(value, &a.add));
    } else if (key == "remove") {
      a.kind = Action::Kind::kRemove;
      RETURN_IF_ERROR(ParseRemove(value, &a.remove));
    } else if (key == "txn") {
      a.kind = Action::Kind::kTxn;
      RETURN_IF_ERROR(ParseTxn(value, &a.txn));
    } else if (key == "commitInfo") {
      a.kind = Action::Kind::kCommitInfo;
      a.commit_info.json = simdjson::minify(value);
    } else {
      continue;  // cdc, domainMetadata, ...: not ours to interpret at reader version 1
    }
    break;  // one action per line
  }
  return a;
}

// One parser per thread, reused: its buffers grow once and stay.
simdjson::dom::parser& Parser() {
  thread_local simdjson::dom::parser parser;
  return parser;
}

json PartitionsJson(const PartitionValues& pv) {
  json o = json::object();
  for (const auto& [k, v] : pv) o[k] = v ? json(*v) : json(nullptr);
  return o;
}

json StrMapJson(const std::map<std::string, std::string>& m) {
  json o = json::object();
  for (const auto& [k, v] : m) o[k] = v;
  return o;
}

}  // namespace

Result<Action> ParseAction(std::string_view json_line) {
  element doc;
  if (Parser().parse(json_line.data(), json_line.size()).get(doc) != simdjson::SUCCESS) {
    return Status::Corruption("a log line is not valid JSON");
  }
  return ParseElement(doc);
}

Result<std::vector<Action>> ParseCommit(std::string_view text) {
  std::vector<Action> actions;
  size_t line_no = 0;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    ++line_no;
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    auto action = ParseAction(line);
    if (!action.ok()) return action.status().WithContext("line " + std::to_string(line_no));
    actions.push_back(std::move(action).value());
  }
  return actions;
}

std::string SerializeAction(const Action& a) {
  json j;
  switch (a.kind) {
    case Action::Kind::kProtocol:
      j["protocol"] = {{"minReaderVersion", a.protocol.min_reader_version},
                       {"minWriterVersion", a.protocol.min_writer_version}};
      break;
    case Action::Kind::kMetadata: {
      const Metadata& m = a.metadata;
      json o = {
          {"id", m.id},
          {"format", {{"provider", m.format_provider}, {"options", StrMapJson(m.format_options)}}},
          {"schemaString", m.schema_string},
          {"partitionColumns", m.partition_columns},
          {"configuration", StrMapJson(m.configuration)}};
      if (m.name) o["name"] = *m.name;
      if (m.description) o["description"] = *m.description;
      if (m.created_time) o["createdTime"] = *m.created_time;
      j["metaData"] = std::move(o);
      break;
    }
    case Action::Kind::kAdd: {
      const AddFile& f = a.add;
      json o = {{"path", f.path},
                {"partitionValues", PartitionsJson(f.partition_values)},
                {"size", f.size},
                {"modificationTime", f.modification_time},
                {"dataChange", f.data_change}};
      if (f.stats) o["stats"] = *f.stats;
      if (!f.tags.empty()) o["tags"] = StrMapJson(f.tags);
      j["add"] = std::move(o);
      break;
    }
    case Action::Kind::kRemove: {
      const RemoveFile& f = a.remove;
      json o = {{"path", f.path}, {"dataChange", f.data_change}};
      if (f.deletion_timestamp) o["deletionTimestamp"] = *f.deletion_timestamp;
      if (f.extended_file_metadata) o["extendedFileMetadata"] = *f.extended_file_metadata;
      if (!f.partition_values.empty()) o["partitionValues"] = PartitionsJson(f.partition_values);
      if (f.size) o["size"] = *f.size;
      j["remove"] = std::move(o);
      break;
    }
    case Action::Kind::kTxn: {
      json o = {{"appId", a.txn.app_id}, {"version", a.txn.version}};
      if (a.txn.last_updated) o["lastUpdated"] = *a.txn.last_updated;
      j["txn"] = std::move(o);
      break;
    }
    case Action::Kind::kCommitInfo:
      j["commitInfo"] = json::parse(a.commit_info.json, nullptr, false);
      if (j["commitInfo"].is_discarded()) j["commitInfo"] = json::object();
      break;
    case Action::Kind::kUnknown:
      return "{}";
  }
  return j.dump();
}

std::string SerializeCommit(const std::vector<Action>& actions) {
  std::string out;
  for (const Action& a : actions) {
    out += SerializeAction(a);
    out += '\n';
  }
  return out;
}

}  // namespace pond::delta
