// What the remote tests share: a pond with a file:// remote folder, a way
// to write many transactions, and everything a pond shows, for comparing a
// pond with its restored copy.
#pragma once

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>

#include "e2e/pond_fixture.h"
#include "util/hash.h"

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

  // What a pond shows: its log, its tree, and (read through pond) a few of
  // its files; plus every committed object of its Delta table, byte for
  // byte (a restored pond holds the same objects as the one pushed).
  std::string Everything(const std::string& pond) {
    std::string env = "POND=" + ShellQuote(pond);
    std::string out = RunPond({"log", "--limit", "1000"}, env).out;
    PondRun list = RunPond({"list", "-l", "/**"}, env);
    out += list.out;
    std::vector<std::string> files;
    for (const std::string& line : Lines(list.out)) {
      size_t slash = line.find(" /d/f");
      if (slash != std::string::npos) files.push_back(line.substr(slash + 1));
    }
    for (size_t i = 0; i < files.size(); i += std::max<size_t>(1, files.size() / 3)) {
      out += RunPond({"cat", files[i]}, env).out;
    }
    std::map<std::string, std::string> objects;
    std::string data = pond + "/data";
    for (const auto& e : std::filesystem::recursive_directory_iterator(data)) {
      std::string rel = e.path().string().substr(data.size() + 1);
      if (!e.is_regular_file() || rel.find(".tmp-") != std::string::npos) continue;
      if (rel.rfind("_delta_log/_last_checkpoint", 0) == 0) continue;
      std::ifstream in(e.path(), std::ios::binary);
      objects[rel] = Sha256Hex(std::string((std::istreambuf_iterator<char>(in)),
                                           std::istreambuf_iterator<char>()));
    }
    for (const auto& [key, sha] : objects) out += key + " " + sha + "\n";
    return out;
  }
};

}  // namespace pond::testing
