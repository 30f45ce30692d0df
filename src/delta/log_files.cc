#include "delta/log_files.h"

#include <cinttypes>
#include <cstdio>
#include <nlohmann/json.hpp>

namespace pond::delta {
namespace {

// Parses exactly 20 decimal digits.
std::optional<int64_t> ParseVersion(std::string_view digits) {
  if (digits.size() != 20) return std::nullopt;
  int64_t v = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
  }
  return v;
}

std::optional<int> ParseInt10(std::string_view digits) {
  if (digits.size() != 10) return std::nullopt;
  int v = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
  }
  return v;
}

}  // namespace

std::string CommitKey(int64_t version) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "_delta_log/%020" PRId64 ".json", version);
  return buf;
}

std::string CheckpointKey(int64_t version) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "_delta_log/%020" PRId64 ".checkpoint.parquet", version);
  return buf;
}

std::string CheckpointPartKey(int64_t version, int part, int num_parts) {
  char buf[96];
  std::snprintf(buf, sizeof(buf), "_delta_log/%020" PRId64 ".checkpoint.%010d.%010d.parquet",
                version, part, num_parts);
  return buf;
}

std::vector<std::string> CheckpointFiles::keys() const {
  std::vector<std::string> out;
  for (const auto& [n, key] : parts) out.push_back(key);
  return out;
}

std::optional<int64_t> LogListing::latest_version() const {
  std::optional<int64_t> v;
  if (!commits.empty()) v = commits.rbegin()->first;
  for (auto it = checkpoints.rbegin(); it != checkpoints.rend(); ++it) {
    if (it->second.complete()) {
      if (!v || it->first > *v) v = it->first;
      break;
    }
  }
  return v;
}

Result<LogListing> ListLog(ObjectStore& store, int64_t min_version) {
  ASSIGN_OR_RETURN(std::vector<std::string> keys, store.ListKeys(kLogDir));
  LogListing listing;
  const size_t dir_len = std::string_view(kLogDir).size();
  for (const std::string& key : keys) {
    std::string_view name = std::string_view(key).substr(dir_len);
    if (name.find('/') != std::string_view::npos || name.size() < 25) continue;
    auto version = ParseVersion(name.substr(0, 20));
    if (!version || *version < min_version) continue;
    std::string_view rest = name.substr(20);
    if (rest == ".json") {
      listing.commits[*version] = key;
    } else if (rest == ".checkpoint.parquet") {
      CheckpointFiles& cp = listing.checkpoints[*version];
      cp.version = *version;
      cp.num_parts = 1;
      cp.parts = {{1, key}};
    } else if (rest.starts_with(".checkpoint.") && rest.ends_with(".parquet") &&
               rest.size() == 12 + 10 + 1 + 10 + 8) {
      // .checkpoint.<part:10>.<parts:10>.parquet
      auto part = ParseInt10(rest.substr(12, 10));
      auto parts = ParseInt10(rest.substr(23, 10));
      if (!part || !parts || *part < 1 || *part > *parts) continue;
      CheckpointFiles& cp = listing.checkpoints[*version];
      if (cp.parts.size() == 1 && cp.num_parts == 1 && !cp.parts.empty() &&
          cp.parts.begin()->second.ends_with(".checkpoint.parquet")) {
        continue;  // a classic checkpoint at this version already wins
      }
      cp.version = *version;
      cp.num_parts = *parts;
      cp.parts[*part] = key;
    }
  }
  return listing;
}

std::optional<CheckpointFiles> ReadLastCheckpointHint(ObjectStore& store) {
  auto text = store.Get(kLastCheckpointKey);
  if (!text.ok()) return std::nullopt;
  auto j = nlohmann::json::parse(*text, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("version") ||
      !j["version"].is_number_integer() || j["version"].get<int64_t>() < 0) {
    return std::nullopt;
  }
  CheckpointFiles cp;
  cp.version = j["version"].get<int64_t>();
  cp.num_parts = 1;
  if (j.contains("parts") && j["parts"].is_number_integer()) {
    int parts = j["parts"].get<int>();
    if (parts < 1 || parts > 100000) return std::nullopt;
    cp.num_parts = parts;
    for (int p = 1; p <= parts; ++p) cp.parts[p] = CheckpointPartKey(cp.version, p, parts);
  } else {
    cp.parts[1] = CheckpointKey(cp.version);
  }
  return cp;
}

Status WriteLastCheckpoint(ObjectStore& store, const CheckpointFiles& checkpoint,
                           int64_t num_actions) {
  nlohmann::json j = {{"version", checkpoint.version}, {"size", num_actions}};
  if (checkpoint.num_parts > 1) j["parts"] = checkpoint.num_parts;
  return store.Put(kLastCheckpointKey, j.dump());
}

}  // namespace pond::delta
