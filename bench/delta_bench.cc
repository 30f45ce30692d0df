// Delta engine benchmark: commit latency, and the time and peak memory to load
// a snapshot of tables with 10, 1,000 and 10,000 commits of a few files each.
//
//   delta_bench [--dir D] [--sizes 10,1000,10000] [--intervals 10,100] [--runs N] [--keep]
//
// Each table is built once in D, then loaded in a fresh process (this binary,
// re-run with --load) so the load time and peak RSS are those a CLI command
// would pay: "cold" includes opening DuckDB when a checkpoint must be read,
// "warm" is a second load in the same process. Two workloads: "append" (every
// commit adds 3 files; the live set grows) and "rolling" (every commit adds 3
// files and removes the 3 of the commit before; the live set stays at 3, but
// the removes stay in checkpoints as tombstones for a week, as Delta asks),
// and "rolling, tombstones expired" (the same with a retention of zero).
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "delta/schema.h"
#include "delta/table.h"
#include "util/time.h"

extern char** environ;

namespace pond::delta {
namespace {

using Clock = std::chrono::steady_clock;

double Ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

long PeakRssKb() {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_maxrss;
}

Metadata BenchMetadata() {
  Metadata m;
  m.id = "bench";
  m.schema_string = SchemaString({{"x", "long", true}, {"part", "string", true}});
  m.partition_columns = {"part"};
  return m;
}

Action Add(int64_t v, int i) {
  AddFile f;
  f.path = "part=p" + std::to_string(i) + "/v" + std::to_string(v) + "-" + std::to_string(i) +
           ".parquet";
  f.partition_values = {{"part", "p" + std::to_string(i)}};
  f.size = 4096;
  f.modification_time = 1700000000000 + v;
  f.stats = R"({"numRecords":100,"minValues":{"x":0},"maxValues":{"x":99},"nullCount":{"x":0}})";
  return Action::Of(f);
}

Action Remove(int64_t v, int i) {
  RemoveFile r;
  r.path = "part=p" + std::to_string(i) + "/v" + std::to_string(v) + "-" + std::to_string(i) +
           ".parquet";
  r.deletion_timestamp = pond::NowMillis();
  return Action::Of(r);
}

struct BuildResult {
  std::vector<double> commit_ms;
  std::vector<double> checkpoint_commit_ms;
};

BuildResult Build(const std::string& dir, int commits, int64_t interval, bool rolling,
                  int64_t retention_millis) {
  std::filesystem::remove_all(dir);
  auto store = OpenLocalStore(dir);
  DeltaTable table(**store, TableOptions{.checkpoint_interval = interval,
                                         .tombstone_retention_millis = retention_millis});
  BuildResult r;
  if (!table.Create(BenchMetadata(), {Add(0, 0), Add(0, 1), Add(0, 2)}).ok()) std::abort();
  for (int64_t v = 1; v < commits; ++v) {
    std::vector<Action> actions{Add(v, 0), Add(v, 1), Add(v, 2)};
    if (rolling) {
      for (int i = 0; i < 3; ++i) actions.push_back(Remove(v - 1, i));
    }
    auto t0 = Clock::now();
    auto got = table.Commit(v - 1, actions, CommitOptions{.blind_append = !rolling});
    double ms = Ms(Clock::now() - t0);
    if (!got.ok() || !table.last_checkpoint_status().ok()) {
      std::fprintf(stderr, "commit failed: %s %s\n", got.status().ToString().c_str(),
                   table.last_checkpoint_status().ToString().c_str());
      std::abort();
    }
    (interval > 0 && v % interval == 0 ? r.checkpoint_commit_ms : r.commit_ms).push_back(ms);
  }
  return r;
}

// Child mode: load the table at `dir` twice and print "cold_ms warm_ms rss_kb files".
int LoadMode(const std::string& dir) {
  auto store = OpenLocalStore(dir);
  LazyParquetEngine engine;
  auto t0 = Clock::now();
  auto s = LoadSnapshot(**store, engine);
  double cold = Ms(Clock::now() - t0);
  t0 = Clock::now();
  auto s2 = LoadSnapshot(**store, engine);
  double warm = Ms(Clock::now() - t0);
  if (!s.ok() || !s2.ok()) {
    std::fprintf(stderr, "load failed: %s\n", s.status().ToString().c_str());
    return 1;
  }
  std::printf("%.3f %.3f %ld %zu\n", cold, warm, PeakRssKb(), s->files.size());
  return 0;
}

struct LoadResult {
  double cold_ms = 0, warm_ms = 0;
  long rss_kb = 0;
  size_t files = 0;
};

LoadResult LoadInChild(const char* self, const std::string& dir, int runs) {
  std::vector<double> cold, warm;
  LoadResult r;
  for (int i = 0; i < runs; ++i) {
    std::string cmd = std::string(self) + " --load " + dir;
    FILE* p = popen(cmd.c_str(), "r");
    LoadResult one;
    if (!p || std::fscanf(p, "%lf %lf %ld %zu", &one.cold_ms, &one.warm_ms, &one.rss_kb,
                          &one.files) != 4) {
      std::fprintf(stderr, "child load failed for %s\n", dir.c_str());
      std::abort();
    }
    pclose(p);
    cold.push_back(one.cold_ms);
    warm.push_back(one.warm_ms);
    r.rss_kb = std::max(r.rss_kb, one.rss_kb);
    r.files = one.files;
  }
  r.cold_ms = Median(cold);
  r.warm_ms = Median(warm);
  return r;
}

std::vector<int> ParseList(const char* s) {
  std::vector<int> out;
  for (const char* p = s; *p;) {
    out.push_back(std::atoi(p));
    const char* c = std::strchr(p, ',');
    if (!c) break;
    p = c + 1;
  }
  return out;
}

}  // namespace
}  // namespace pond::delta

int main(int argc, char** argv) {
  using namespace pond::delta;
  std::string dir = "/tmp/pond-delta-bench";
  std::vector<int> sizes{10, 1000, 10000};
  std::vector<int> intervals{10, 100};
  int runs = 5;
  bool keep = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--load" && i + 1 < argc) return LoadMode(argv[++i]);
    if (a == "--dir" && i + 1 < argc) dir = argv[++i];
    if (a == "--sizes" && i + 1 < argc) sizes = ParseList(argv[++i]);
    if (a == "--intervals" && i + 1 < argc) intervals = ParseList(argv[++i]);
    if (a == "--runs" && i + 1 < argc) runs = std::atoi(argv[++i]);
    if (a == "--keep") keep = true;
  }
  std::printf(
      "| workload | checkpoint every | commits | live files | commit median ms | "
      "checkpointing commit median ms | load cold median ms | load warm median ms | "
      "load peak RSS MiB |\n|---|---|---|---|---|---|---|---|---|\n");
  // Workloads: append; rolling with tombstones kept (Delta's default week);
  // rolling with tombstones already expired (the live state stays small).
  const char* names[] = {"append", "rolling", "rolling, tombstones expired"};
  for (int workload = 0; workload < 3; ++workload) {
    const bool rolling = workload > 0;
    const int64_t retention = workload == 2 ? 0 : 7LL * 24 * 3600 * 1000;
    for (int interval : intervals) {
      double base_cold = 0, base_warm = 0;
      for (int n : sizes) {
        std::string table_dir = dir + "/w" + std::to_string(workload) + "-k" +
                                std::to_string(interval) + "-n" + std::to_string(n);
        BuildResult b = Build(table_dir, n, interval, rolling, retention);
        LoadResult l = LoadInChild(argv[0], table_dir, runs);
        if (n == sizes.front()) base_cold = l.cold_ms, base_warm = l.warm_ms;
        std::printf("| %s | %d | %d | %zu | %.3f | %.3f | %.2f (%.1fx) | %.2f (%.1fx) | %.1f |\n",
                    names[workload], interval, n, l.files, Median(b.commit_ms),
                    Median(b.checkpoint_commit_ms), l.cold_ms, l.cold_ms / base_cold, l.warm_ms,
                    l.warm_ms / base_warm, l.rss_kb / 1024.0);
        std::fflush(stdout);
        if (!keep) std::filesystem::remove_all(table_dir);
      }
    }
  }
  return 0;
}
