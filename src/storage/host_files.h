// Host file paths for objects, for readers that can only open files (DuckDB).
//
// For a store whose objects are host files (the local store), the path is the
// object's own file and nothing is copied. For any other store, the object is
// fetched once into a private temporary folder (mode 0700) that is removed,
// with everything in it, when the HostFiles dies.
//
// Thread safety: one thread at a time.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "storage/object_store.h"

namespace pond {

class HostFiles {
 public:
  // REQUIRES: `store` outlives this object.
  explicit HostFiles(ObjectStore& store) : store_(store) {}
  ~HostFiles();
  HostFiles(const HostFiles&) = delete;
  HostFiles& operator=(const HostFiles&) = delete;

  // A host path holding the object `key`. NotFound when there is no such
  // object; IOError when the copy cannot be written.
  Result<std::string> Path(const std::string& key);

  // A new private file path (not created) for a reader's or writer's own use,
  // removed with the folder.
  Result<std::string> ScratchPath(const std::string& name);
  // Removes a scratch file early and frees its place in the temp-file
  // registry (which has room for a few hundred).
  void Discard(const std::string& scratch_path);

 private:
  Status EnsureDir();

  ObjectStore& store_;
  std::string dir_;                            // created on first use
  std::map<std::string, std::string> copies_;  // key -> host path
  std::vector<int> registrations_;             // in the temp-file registry
  std::map<std::string, int> scratch_;         // scratch path -> its registration
  int next_ = 0;
};

}  // namespace pond
