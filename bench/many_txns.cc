// Writes a pond of many small transactions quickly, for bench/maintain_bench.sh:
// transaction i adds file /dir<i % dirs>/file<i>.txt of `bytes` bytes. One
// process commits them all through the same Pond and FS code as `pond copy`
// (each a Delta commit with its own data file), without a process per commit.
// It writes a checkpoint every 1,000 commits rather than every 10: writing
// 10,000 commits with a checkpoint of every live file each 10 would cost time
// quadratic in the commits (a pond with automatic maintenance keeps its
// checkpoints small; this one is made without it, to measure maintenance).
//
//   many_txns POND_DIR TRANSACTIONS DIRS BYTES
#include <cstdio>
#include <cstdlib>
#include <string>

#include "tinyfs/fs.h"
#include "tinyfs/persistence.h"
#include "tlogfs/pond.h"

int main(int argc, char** argv) {
  if (argc != 5) {
    std::fprintf(stderr, "usage: many_txns POND_DIR TRANSACTIONS DIRS BYTES\n");
    return 2;
  }
  const std::string dir = argv[1];
  const long txns = std::atol(argv[2]), dirs = std::atol(argv[3]), bytes = std::atol(argv[4]);
  pond::tlogfs::PondOptions options;
  options.checkpoint_interval = 1000;
  auto pond = pond::tlogfs::Pond::Open(dir, options);
  if (!pond.ok()) {
    std::fprintf(stderr, "%s\n", pond.status().ToString().c_str());
    return 1;
  }
  for (long i = 0; i < txns; ++i) {
    const std::string command = "many_txns " + std::to_string(i);
    pond::Status st = (*pond)->Begin(command);
    if (st.ok()) {
      pond::tinyfs::FS fs(**pond);
      const std::string folder = "/dir" + std::to_string(i % dirs);
      if (i < dirs) st = fs.Mkdir(folder, true).status();
      std::string content(static_cast<size_t>(bytes), 'a' + static_cast<char>(i % 26));
      content.replace(0, std::to_string(i).size(), std::to_string(i));
      if (st.ok()) {
        st = fs.WriteFile(folder + "/file" + std::to_string(i) + ".txt",
                          pond::tinyfs::EntryType::kFileData,
                          pond::tinyfs::InlineContent(std::move(content)))
                 .status();
      }
    }
    if (st.ok()) st = (*pond)->Commit().status();
    if (!st.ok()) {
      std::fprintf(stderr, "transaction %ld: %s\n", i, st.ToString().c_str());
      return 1;
    }
  }
  return 0;
}
