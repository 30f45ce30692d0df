// pond fsck: everything a pond stores, checked against its log and hashes.
//
// Reads only; changes nothing (a damaged index is reported, not rebuilt).
#pragma once

#include <string>
#include <vector>

#include "tlogfs/pond.h"

namespace pond::tlogfs {

struct CheckReport {
  std::vector<std::string> problems;  // one sentence each
  std::vector<std::string> notes;     // what was not checked, and why
  int64_t commits = 0;                // commit files parsed
  int64_t checkpoints = 0;            // checkpoints read
  int64_t data_files = 0;             // data files the log names
  int64_t blobs = 0;                  // distinct blobs hashed
  int64_t inline_versions = 0;        // inline contents hashed
};

// Checks that the log's commits are contiguous after the newest checkpoint
// (and have no holes before it) and all parse; that every checkpoint reads;
// that every data file the log names exists with its recorded size and reads
// as the operation log's Parquet; that every blob and every inline content
// matches its recorded size and SHA-256; and that the pond's index agrees with
// an index built afresh from the log. Errors are failures to read at all;
// what is wrong with the pond is in the report.
Result<CheckReport> CheckPond(Pond& pond);

}  // namespace pond::tlogfs
