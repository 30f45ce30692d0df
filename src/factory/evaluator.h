// The evaluator: computes the pond's dynamic nodes for the filesystem, and
// gives factories what they compute from (inputs, SQL, a result cache).
//
// A stored dynamic node's config is read at the FS's read view, so `--as-of`
// sees the config as it was over the sources as they were. Nodes inside a
// dynamic directory are virtual: their ids are derived from their parent's id
// and name, the same in every process.
//
// Computed tables and series are Parquet files cached under
// $POND/cache/derived/, named by a hash of the factory, its expanded config
// and the identity of every source version read; a pond whose cache cannot be
// written computes into a private scratch folder instead. The cache is
// derived and never authoritative: deleting it only costs recomputation.
//
// Thread safety: one thread at a time.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "factory/factory.h"
#include "parquet/engine.h"
#include "sql/pond_tables.h"
#include "sql/session.h"
#include "tinyfs/fs.h"
#include "tlogfs/pond.h"

namespace pond::factory {

// Which pond entries a pattern's scheme matches.
enum class InputKind {
  kSeries,  // series:///glob: stored and dynamic series
  kTable,   // table:///glob: stored and dynamic tables
  kAny,     // file:///glob or a bare /glob: any table or series
  kCsv,     // csv:///glob: raw data files parsed as CSV
};

// The rows behind one input pattern: every matching table or series.
struct Input {
  std::string pattern;                   // the pond glob
  sql::TableSource source;               // files empty when nothing matched
  std::vector<sql::SourceFile> matches;  // one per matching pond entry (first file of each)
  std::vector<std::string> paths;        // the matching pond paths, sorted
};

// A dynamic node's factory and parsed config.
struct NodeSpec {
  const Factory* factory = nullptr;
  std::shared_ptr<const ParsedConfig> config;
  std::string config_text;  // expanded
};

class Evaluator final : public tinyfs::DynamicNodes {
 public:
  Evaluator(tinyfs::FS& fs, tlogfs::Pond& pond);
  ~Evaluator() override;

  // --- tinyfs::DynamicNodes ---
  Result<std::vector<tinyfs::DirEntry>> List(tinyfs::FS& fs, const tinyfs::Node& dir) override;
  Result<tinyfs::DynamicContent> Compute(tinyfs::FS& fs, const tinyfs::Node& file) override;
  std::optional<std::vector<tinyfs::NodeVersion>> VirtualVersions(
      const tinyfs::NodeId& node) override;

  tinyfs::FS& fs() { return fs_; }
  tlogfs::Pond& pond() { return pond_; }
  sql::ScratchFiles& scratch() { return scratch_; }

  // The factory and config of dynamic node `node` (stored, or a transform
  // inside a dynamic directory). InvalidArgument when it is not one.
  Result<NodeSpec> Spec(const tinyfs::Node& node);

  // Splits "series:///a/*.series" (or a bare "/a/*.series") into a kind and a
  // pond glob; `bare` is the kind of a bare glob.
  static Result<std::pair<InputKind, std::string>> ParseInputUrl(const std::string& url,
                                                                 InputKind bare);
  // The tables and series matching `url`; none is not an error.
  Result<Input> ResolveInput(const std::string& url, InputKind bare);

  // The content cached as `key`, or what `write(dest)` writes to a fresh
  // Parquet file `dest` (kept as `key` from then on). `time_column` names the
  // series' time column (its bounds are recorded), nullopt for a table.
  Result<tinyfs::DynamicContent> Materialize(
      const std::string& key, const std::optional<std::string>& time_column,
      const std::function<Status(const std::string& dest)>& write);
  // The same for a writer that also says what it wrote (rows, columns, time
  // bounds), which saves reading the file back; nullopt: read it back.
  Result<tinyfs::DynamicContent> MaterializeWith(
      const std::string& key, const std::optional<std::string>& time_column,
      const std::function<Result<std::optional<ParquetInfo>>(const std::string& dest)>& write);

  // The folder for derived files of kind `kind` (created on first use):
  // $POND/cache/<kind>, or a scratch folder when the cache is not writable.
  Result<std::string> CacheDir(const std::string& kind);

  // A host file path for a factory's own scratch file (not created), in the
  // cache folder of `kind`; removed when the returned object goes (or, after
  // a crash, by the temporary-file registry).
  class Temp {
   public:
    explicit Temp(std::string path);
    ~Temp();
    Temp(const Temp&) = delete;
    Temp& operator=(const Temp&) = delete;
    const std::string& path() const { return path_; }

   private:
    std::string path_;
    int handle_;
  };
  Result<std::unique_ptr<Temp>> TempFile(const std::string& kind, const std::string& extension);

 private:
  struct Virtual {
    Child child;
    std::string path;
    tinyfs::NodeVersion version;
  };
  // Registers `children` of `dir` as virtual nodes; returns their entries.
  std::vector<tinyfs::DirEntry> AddChildren(const tinyfs::Node& dir,
                                            const tinyfs::NodeVersion& owner,
                                            std::vector<Child> children);
  // The version that stands for `node` (its own, or its owner's for a virtual one).
  Result<tinyfs::NodeVersion> OwnerVersion(const tinyfs::Node& node);

  tinyfs::FS& fs_;
  tlogfs::Pond& pond_;
  sql::ScratchFiles scratch_;
  std::map<tinyfs::NodeId, Virtual> virtual_;
  std::map<tinyfs::NodeId, std::vector<tinyfs::DirEntry>> listed_;
  std::map<tinyfs::NodeId, tinyfs::DynamicContent> computed_;
  std::map<std::string, std::string> cache_dirs_;
  std::string private_dir_;  // when $POND/cache cannot be written
};

// One entry a factory's pattern matched: captures are per '*' (and per '**').
struct PatternMatch {
  std::string path;
  tinyfs::Node node;  // symlinks followed
  std::vector<std::string> captures;
};
// The entries matching pond glob `pattern` that `accept` takes, sorted by path.
Result<std::vector<PatternMatch>> MatchPattern(
    tinyfs::FS& fs, const std::string& pattern,
    const std::function<bool(tinyfs::EntryType)>& accept);

// Attaches a new evaluator to `fs` (which must outlive it).
std::unique_ptr<Evaluator> Attach(tinyfs::FS& fs, tlogfs::Pond& pond);

// A hex SHA-256 over `parts` (each length-prefixed), for cache keys.
std::string CacheKey(const std::vector<std::string>& parts);

// Stores host Parquet file `host` as a new version of series `path` (created,
// with its folders, when missing): the version's rows, columns, time column
// (the first of `time_columns` it has) and bounds are recorded, and its
// columns must keep the types earlier versions gave them. `extra` (a JSON
// object) is merged into the version's attributes.
Status StoreSeriesVersion(tinyfs::FS& fs, tlogfs::Pond& pond, const std::string& path,
                          const std::string& host,
                          const std::vector<std::string>& time_columns = {"timestamp"},
                          const std::string& extra = "{}");

// Writes `text` to host file `path` whole, through a temporary file and a
// rename: a reader sees the old content or the new, never a part.
Status WriteFileAtomically(const std::string& path, const std::string& text);

// The content identities of `source`'s files, in order, for cache keys.
std::string SourceIdentity(const sql::TableSource& source);

// The columns (name, DuckDB type) of table `table` in a locked-down session.
Result<std::vector<std::pair<std::string, std::string>>> DescribeTable(sql::SqlSession& session,
                                                                       const std::string& table);

// What the transforms at `paths` are (their expanded configs), for cache
// keys: a result computed through a transform depends on its config.
std::string TransformsIdentity(Evaluator& eval, const std::vector<std::string>& paths);

// The columns of the result of `select`.
Result<std::vector<std::pair<std::string, std::string>>> DescribeQuery(sql::SqlSession& session,
                                                                       const std::string& select);

// Adds `input` to `session` as table `name`; an input that matched nothing
// becomes an empty table with only `time_column` (TIMESTAMP WITH TIME ZONE).
Status AddInput(sql::SqlSession& session, const std::string& name, const Input& input,
                const std::string& time_column);

using Columns = std::vector<std::pair<std::string, std::string>>;

// The SELECT that applies the column-rename transforms at `paths`, in order,
// to table `table` whose columns are `columns`, and the columns it gives.
Result<std::pair<std::string, Columns>> ApplyTransforms(Evaluator& eval,
                                                        const std::vector<std::string>& paths,
                                                        const std::string& table, Columns columns);

// The same for a table of `session` (its columns described there);
// "SELECT * FROM table" when there are no transforms.
Result<std::string> TransformedSelect(Evaluator& eval, const std::vector<std::string>& paths,
                                      sql::SqlSession& session, const std::string& table);

}  // namespace pond::factory
