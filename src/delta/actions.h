// Delta Lake log actions (reader version 1, writer version 2) and their JSON form.
//
// A commit file holds one JSON object per line, each with exactly one action.
// Parsing keeps the fields the protocol defines, ignores unknown fields, and
// reports unknown action kinds as Action::kind == kUnknown so replay can skip
// them, as the protocol asks of readers.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/status.h"

namespace pond::delta {

// Partition column -> value as text; nullopt is a null partition value.
using PartitionValues = std::map<std::string, std::optional<std::string>>;

struct Protocol {
  int min_reader_version = 1;
  int min_writer_version = 2;
};

struct Metadata {
  std::string id;
  std::optional<std::string> name;
  std::optional<std::string> description;
  std::string format_provider = "parquet";
  std::map<std::string, std::string> format_options;
  std::string schema_string;  // Spark JSON struct type
  std::vector<std::string> partition_columns;
  std::map<std::string, std::string> configuration;
  std::optional<int64_t> created_time;
};

struct AddFile {
  std::string path;  // as written in the log: relative and percent-encoded, or an absolute URI
  PartitionValues partition_values;
  int64_t size = 0;
  int64_t modification_time = 0;
  bool data_change = true;
  std::optional<std::string> stats;  // JSON text
  std::map<std::string, std::string> tags;
};

struct RemoveFile {
  std::string path;
  std::optional<int64_t> deletion_timestamp;
  bool data_change = true;
  std::optional<bool> extended_file_metadata;
  PartitionValues partition_values;
  std::optional<int64_t> size;
};

struct Txn {
  std::string app_id;
  int64_t version = 0;
  std::optional<int64_t> last_updated;
};

// commitInfo is free-form: kept as the JSON object's text.
struct CommitInfo {
  std::string json;
};

struct Action {
  enum class Kind { kProtocol, kMetadata, kAdd, kRemove, kTxn, kCommitInfo, kUnknown };
  Kind kind = Kind::kUnknown;
  Protocol protocol;
  Metadata metadata;
  AddFile add;
  RemoveFile remove;
  Txn txn;
  CommitInfo commit_info;

  static Action Of(Protocol p) {
    Action a;
    a.kind = Kind::kProtocol;
    a.protocol = std::move(p);
    return a;
  }
  static Action Of(Metadata m) {
    Action a;
    a.kind = Kind::kMetadata;
    a.metadata = std::move(m);
    return a;
  }
  static Action Of(AddFile f) {
    Action a;
    a.kind = Kind::kAdd;
    a.add = std::move(f);
    return a;
  }
  static Action Of(RemoveFile f) {
    Action a;
    a.kind = Kind::kRemove;
    a.remove = std::move(f);
    return a;
  }
  static Action Of(Txn t) {
    Action a;
    a.kind = Kind::kTxn;
    a.txn = std::move(t);
    return a;
  }
  static Action Of(CommitInfo c) {
    Action a;
    a.kind = Kind::kCommitInfo;
    a.commit_info = std::move(c);
    return a;
  }
};

// Parses one JSON action object. Corruption when the text is not a JSON object
// or a known action lacks a required field or has one of the wrong type.
Result<Action> ParseAction(std::string_view json_line);

// Parses a whole commit file: one action per non-empty line. Corruption names
// the line that failed.
Result<std::vector<Action>> ParseCommit(std::string_view text);

// The action as one line of JSON (no trailing newline), in the protocol's field names.
std::string SerializeAction(const Action& action);

// A commit file's text: one line per action, each ending in '\n'.
std::string SerializeCommit(const std::vector<Action>& actions);

}  // namespace pond::delta
