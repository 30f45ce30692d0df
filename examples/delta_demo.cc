// delta_demo DIR: writes a small Delta table with this engine, so that the
// demo can read it back with `pond cat host+delta:///DIR`.
//
// Version 0 creates the table (station, time, temp; partitioned by station)
// with two data files, version 1 appends a file, version 2 replaces the first
// station's file (a remove and an add). A checkpoint is written at version 2.
#include <cstdio>
#include <filesystem>

#include "delta/schema.h"
#include "delta/table.h"
#include "util/id.h"
#include "util/time.h"

namespace {

using namespace pond;
using namespace pond::delta;

// Writes one data file of `rows` readings for `station` and returns its add action.
Result<Action> WriteDataFile(DeltaTable& table, const std::string& root, const std::string& station,
                             int64_t start_micros, int rows, double base) {
  RowBatch batch;
  batch.columns = {{"time", CellType::kTimestamp}, {"temp", CellType::kDouble}};
  for (int i = 0; i < rows; ++i) {
    batch.rows.push_back({start_micros + int64_t{i} * 3600 * 1000000, base + i * 0.5});
  }
  AddFile add;
  add.path = "station=" + station + "/part-" + NewUuidV7() + ".parquet";
  std::filesystem::create_directories(root + "/station=" + station);
  ASSIGN_OR_RETURN(ParquetEngine * engine, table.engine().Get());
  RETURN_IF_ERROR(engine->WriteRows(batch, root + "/" + add.path));
  add.partition_values = {{"station", station}};
  add.size = static_cast<int64_t>(std::filesystem::file_size(root + "/" + add.path));
  add.modification_time = NowMillis();
  add.stats = "{\"numRecords\":" + std::to_string(rows) + "}";
  return Action::Of(add);
}

Status Run(const std::string& root) {
  ASSIGN_OR_RETURN(auto store, OpenLocalStore(root));
  DeltaTable table(*store, TableOptions{.checkpoint_interval = 2});
  Metadata m;
  m.id = NewUuidV7();
  m.name = "readings";
  m.schema_string = SchemaString(
      {{"station", "string", true}, {"time", "timestamp", true}, {"temp", "double", true}});
  m.partition_columns = {"station"};
  const int64_t day = 1767225600000000;  // 2026-01-01T00:00:00Z
  ASSIGN_OR_RETURN(Action north, WriteDataFile(table, root, "north", day, 3, 1.0));
  ASSIGN_OR_RETURN(Action south, WriteDataFile(table, root, "south", day, 2, 10.0));
  RETURN_IF_ERROR(table.Create(m, {north, south}).status());
  std::printf("version 0: created with 2 files (5 rows)\n");

  ASSIGN_OR_RETURN(Action more, WriteDataFile(table, root, "south", day + 7200000000LL, 2, 11.0));
  ASSIGN_OR_RETURN(int64_t v1, table.Commit(0, {more}, CommitOptions{.blind_append = true}));
  std::printf("version %lld: appended 1 file (2 rows)\n", static_cast<long long>(v1));

  ASSIGN_OR_RETURN(Action fixed, WriteDataFile(table, root, "north", day, 3, 2.0));
  RemoveFile gone;
  gone.path = north.add.path;
  gone.deletion_timestamp = NowMillis();
  gone.partition_values = north.add.partition_values;
  ASSIGN_OR_RETURN(int64_t v2, table.Commit(v1, {Action::Of(gone), fixed},
                                            CommitOptions{.operation = "REPLACE"}));
  RETURN_IF_ERROR(table.last_checkpoint_status());
  std::printf("version %lld: replaced north's file (checkpoint written)\n",
              static_cast<long long>(v2));
  return Status::OK();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: delta_demo DIR\n");
    return 2;
  }
  if (std::filesystem::exists(argv[1])) {
    std::fprintf(stderr, "delta_demo: %s already exists\n", argv[1]);
    return 1;
  }
  Status st = Run(argv[1]);
  if (!st.ok()) {
    std::fprintf(stderr, "delta_demo: %s\n", st.message().c_str());
    return 1;
  }
  return 0;
}
