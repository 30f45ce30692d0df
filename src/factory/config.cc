#include "factory/config.h"

#include <cmath>
#include <cstdlib>

#include "util/duration.h"
#include "util/text.h"
#include "util/time.h"

namespace pond::factory {

Result<std::string> ExpandEnv(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c != '$' || i + 1 >= text.size()) {
      out += c;
      continue;
    }
    if (text[i + 1] == '$') {
      out += '$';
      ++i;
      continue;
    }
    if (text.substr(i + 1).rfind("{env:", 0) != 0) {
      out += c;
      continue;
    }
    size_t close = text.find('}', i);
    if (close == std::string_view::npos) {
      return Status::InvalidArgument("'" + EscapeControl(std::string(text.substr(i, 40))) +
                                     "' is not closed with '}'");
    }
    std::string_view body = text.substr(i + 6, close - (i + 6));
    std::optional<std::string_view> fallback;
    if (size_t dash = body.find(":-"); dash != std::string_view::npos) {
      fallback = body.substr(dash + 2);
      body = body.substr(0, dash);
    }
    std::string name(body);
    if (name.empty()) return Status::InvalidArgument("'${env:}' names no variable");
    const char* value = std::getenv(name.c_str());
    if (value != nullptr) {
      out += value;
    } else if (fallback) {
      out += *fallback;
    } else {
      return Status::InvalidArgument("environment variable " + EscapeControl(name) +
                                     " is not set (write ${env:" + EscapeControl(name) +
                                     ":-default} for a default)");
    }
    i = close;
  }
  return out;
}

namespace {

Status YamlError(const YAML::Exception& e, const std::string& what) {
  std::string where;
  if (!e.mark.is_null()) {
    where = " at line " + std::to_string(e.mark.line + 1) + ", column " +
            std::to_string(e.mark.column + 1);
  }
  return Status::InvalidArgument(what + " is not valid YAML" + where + ": " + e.msg);
}

}  // namespace

Result<YAML::Node> ParseYaml(const std::string& text, const std::string& what) {
  try {
    return YAML::Load(text);
  } catch (const YAML::Exception& e) {
    return YamlError(e, what);
  }
}

Result<std::vector<YamlDocument>> ParseYamlDocuments(const std::string& text,
                                                     const std::string& what) {
  try {
    std::vector<YamlDocument> out;
    for (YAML::Node& node : YAML::LoadAll(text)) {
      if (node.IsNull()) continue;  // an empty document (a leading or trailing ---)
      out.push_back({node, node.Mark().is_null() ? 1 : node.Mark().line + 1});
    }
    return out;
  } catch (const YAML::Exception& e) {
    return YamlError(e, what);
  }
}

std::string LineOf(const YAML::Node& node) {
  if (!node.IsDefined() || node.Mark().is_null()) return "";
  return " (line " + std::to_string(node.Mark().line + 1) + ")";
}

std::string Item(const std::string& list, size_t index) {
  return list + "[" + std::to_string(index) + "]";
}

Fields::Fields(const YAML::Node& node, std::string where) : node_(node), where_(std::move(where)) {}

Status Fields::Error(const std::string& message) const {
  return Status::InvalidArgument(where_ + ": " + message);
}

std::string Fields::Name(const std::string& key) const { return "'" + key + "'"; }

bool Fields::Has(const std::string& key) const {
  return node_.IsMap() && node_[key].IsDefined() && !node_[key].IsNull();
}

Result<YAML::Node> Fields::Required(const std::string& key) {
  known_.insert(key);
  if (!node_.IsMap()) return Error("must be a mapping of keys to values" + LineOf(node_));
  YAML::Node v = node_[key];
  if (!v.IsDefined() || v.IsNull()) return Error(Name(key) + " is required");
  return v;
}

YAML::Node Fields::Raw(const std::string& key) {
  known_.insert(key);
  if (!node_.IsMap()) return YAML::Node();
  return node_[key];
}

Result<std::string> Fields::String(const std::string& key) {
  ASSIGN_OR_RETURN(YAML::Node v, Required(key));
  if (!v.IsScalar()) return Error(Name(key) + " must be a text" + LineOf(v));
  return v.Scalar();
}

Result<std::optional<std::string>> Fields::OptString(const std::string& key) {
  if (!Has(key)) {
    known_.insert(key);
    return std::optional<std::string>();
  }
  ASSIGN_OR_RETURN(std::string s, String(key));
  return std::optional<std::string>(std::move(s));
}

Result<double> Fields::Number(const std::string& key, std::optional<double> fallback) {
  if (fallback && !Has(key)) {
    known_.insert(key);
    return *fallback;
  }
  ASSIGN_OR_RETURN(YAML::Node v, Required(key));
  double d = 0;
  if (!v.IsScalar() || !YAML::convert<double>::decode(v, d) || !std::isfinite(d)) {
    return Error(Name(key) + " must be a finite number, not '" +
                 EscapeControl(v.IsScalar() ? v.Scalar() : "a list or mapping") + "'" + LineOf(v));
  }
  return d;
}

Result<int64_t> Fields::Integer(const std::string& key, std::optional<int64_t> fallback) {
  if (fallback && !Has(key)) {
    known_.insert(key);
    return *fallback;
  }
  ASSIGN_OR_RETURN(YAML::Node v, Required(key));
  int64_t n = 0;
  if (!v.IsScalar() || !YAML::convert<int64_t>::decode(v, n)) {
    return Error(Name(key) + " must be a whole number" + LineOf(v));
  }
  return n;
}

Result<bool> Fields::Bool(const std::string& key, std::optional<bool> fallback) {
  if (fallback && !Has(key)) {
    known_.insert(key);
    return *fallback;
  }
  ASSIGN_OR_RETURN(YAML::Node v, Required(key));
  bool b = false;
  if (!v.IsScalar() || !YAML::convert<bool>::decode(v, b)) {
    return Error(Name(key) + " must be true or false" + LineOf(v));
  }
  return b;
}

Result<int64_t> Fields::Duration(const std::string& key) {
  ASSIGN_OR_RETURN(std::string text, String(key));
  auto micros = ParseDurationMicros(text);
  if (!micros.ok() || *micros <= 0) {
    return Error(Name(key) + " must be a duration such as 15m, 1h30m or 2d, not '" +
                 EscapeControl(text) + "'" + LineOf(node_[key]));
  }
  return *micros;
}

Result<int64_t> Fields::Time(const std::string& key) {
  ASSIGN_OR_RETURN(std::string text, String(key));
  auto micros = ParseMicrosUtc(text);
  if (!micros.ok()) {
    return Error(Name(key) + " must be an RFC 3339 time such as 2026-01-01T00:00:00Z, not '" +
                 EscapeControl(text) + "'" + LineOf(node_[key]));
  }
  return *micros;
}

Result<std::vector<YAML::Node>> Fields::List(const std::string& key, bool required) {
  if (!required && !Has(key)) {
    known_.insert(key);
    return std::vector<YAML::Node>();
  }
  ASSIGN_OR_RETURN(YAML::Node v, Required(key));
  if (!v.IsSequence()) return Error(Name(key) + " must be a list" + LineOf(v));
  std::vector<YAML::Node> out;
  for (const YAML::Node& item : v) out.push_back(item);
  return out;
}

Result<std::vector<std::string>> Fields::StringList(const std::string& key, bool required) {
  ASSIGN_OR_RETURN(std::vector<YAML::Node> items, List(key, required));
  std::vector<std::string> out;
  for (size_t i = 0; i < items.size(); ++i) {
    if (!items[i].IsScalar()) {
      return Error(Name(key) + " must be a list of texts" + LineOf(items[i]));
    }
    out.push_back(items[i].Scalar());
  }
  return out;
}

Result<std::vector<std::pair<std::string, YAML::Node>>> Fields::Map(const std::string& key) {
  ASSIGN_OR_RETURN(YAML::Node v, Required(key));
  if (!v.IsMap()) return Error(Name(key) + " must be a mapping" + LineOf(v));
  std::vector<std::pair<std::string, YAML::Node>> out;
  for (const auto& kv : v) out.emplace_back(kv.first.Scalar(), kv.second);
  return out;
}

Status Fields::Done() const {
  if (!node_.IsDefined() || node_.IsNull()) return Status::OK();
  if (!node_.IsMap()) return Error("must be a mapping of keys to values" + LineOf(node_));
  for (const auto& kv : node_) {
    std::string key = kv.first.IsScalar() ? kv.first.Scalar() : "?";
    if (!known_.count(key)) {
      return Error("unknown key '" + EscapeControl(key) + "'" + LineOf(kv.first));
    }
  }
  return Status::OK();
}

}  // namespace pond::factory
