// What the remote tests share: a pond with a file:// remote folder, a way
// to write many transactions, and everything a pond shows, for comparing a
// pond with its restored copy.
#pragma once

#include <filesystem>
#include <set>
#include <string>

#include "e2e/pond_fixture.h"

namespace pond::testing {

class Remotes : public PondFixture {
 protected:
  std::string remote_dir_ = dir_.path() + "/backup";
  std::string remote_ = "file://" + remote_dir_;

  // Transaction after transaction: a folder, then files, every third one
  // over 64 KiB (a blob), each with bytes of its own.
  void Write(int first, int count) {
    for (int i = first; i < first + count; ++i) {
      std::string bytes = "file " + std::to_string(i) + "\n";
      if (i % 3 == 0) bytes += std::string(70 * 1024 + i, static_cast<char>('a' + i % 26));
      std::string host = Host("f" + std::to_string(i), bytes);
      ASSERT_TRUE(Ok(Pond({"copy", host, "/d/f" + std::to_string(i)})));
    }
  }

  // Every file in the remote folder.
  std::set<std::string> RemoteFiles() {
    std::set<std::string> out;
    for (const auto& e : std::filesystem::recursive_directory_iterator(remote_dir_)) {
      if (e.is_regular_file()) out.insert(e.path().string().substr(remote_dir_.size() + 1));
    }
    return out;
  }

  // What a pond shows: its log, its tree and every file's bytes.
  std::string Everything(const std::string& pond) {
    std::string env = "POND=" + ShellQuote(pond);
    std::string out = RunPond({"log", "--limit", "1000"}, env).out;
    PondRun list = RunPond({"list", "-l", "/**"}, env);
    out += list.out;
    for (const std::string& line : Lines(list.out)) {
      size_t slash = line.find(" /d/f");
      if (slash == std::string::npos) continue;
      out += RunPond({"cat", line.substr(slash + 1)}, env).out;
    }
    return out;
  }
};

}  // namespace pond::testing
