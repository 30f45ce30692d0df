#include "tinyfs/node.h"

namespace pond::tinyfs {

const char* EntryTypeName(EntryType type) {
  switch (type) {
    case EntryType::kDirectory:
      return "directory";
    case EntryType::kSymlink:
      return "symlink";
    case EntryType::kFileData:
      return "file:data";
    case EntryType::kFileTable:
      return "file:table";
    case EntryType::kFileSeries:
      return "file:series";
    case EntryType::kDynamicDirectory:
      return "directory:dynamic";
    case EntryType::kDynamicTable:
      return "file:table:dynamic";
    case EntryType::kDynamicSeries:
      return "file:series:dynamic";
    case EntryType::kDynamicData:
      return "file:data:dynamic";
  }
  return "unknown";
}

Result<EntryType> ParseEntryType(std::string_view name) {
  for (EntryType t : {EntryType::kDirectory, EntryType::kSymlink, EntryType::kFileData,
                      EntryType::kFileTable, EntryType::kFileSeries, EntryType::kDynamicDirectory,
                      EntryType::kDynamicTable, EntryType::kDynamicSeries, EntryType::kDynamicData}) {
    if (name == EntryTypeName(t)) return t;
  }
  return Status::InvalidArgument("'" + std::string(name) + "' is not an entry type");
}

}  // namespace pond::tinyfs
