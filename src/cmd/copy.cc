// pond copy: host files into the pond (one transaction), or pond files out to
// a host directory, with the semantics of cp(1).
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <thread>

#include "cmd/commands.h"
#include "cmd/common.h"
#include "cmd/location.h"
#include "parquet/csv_shape.h"
#include "sql/pond_tables.h"
#include "storage/temp_files.h"
#include "tinyfs/path.h"
#include "util/counters.h"
#include "util/fd_read.h"
#include "util/id.h"
#include "util/progress.h"
#include "util/text.h"
#include "util/warnings.h"

namespace pond {
namespace {

namespace hostfs = std::filesystem;
using tinyfs::EntryType;

constexpr size_t kChunk = 1 << 20;
const std::vector<std::string> kTimeColumns = {"timestamp", "Timestamp", "event_time", "time"};

struct CopyOptions {
  std::vector<std::string> args;  // sources then destination
  bool recursive = false;
  bool allow_special = false;
  std::string time_column;
  Progress* progress = nullptr;  // files and bytes read in, when drawn
};

struct Source {
  std::string host_path;
  std::string format;  // "", "table", "series", "csv", "csv+series"
  std::string text;    // as given
};

std::string Quote(const std::string& path) { return "'" + EscapeControl(path) + "'"; }

const char* KindOf(mode_t mode) {
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a regular file";
}

// The reason a host path cannot be used, in words.
Status HostError(const std::string& verb, const std::string& path, int err) {
  if (err == ENOENT) return Status::NotFound("host file " + Quote(path) + " does not exist");
  return Status::IOError("cannot " + verb + " host file " + Quote(path) + ": " +
                         std::strerror(err));
}

Result<Source> ParseSource(const std::string& text, const CopyOptions& opts) {
  ASSIGN_OR_RETURN(Location loc, ParseLocation(text));
  if (loc.is_url() && !loc.is_host()) {
    return Status::InvalidArgument("'" + text + "' is not a host path or host:/// URL");
  }
  Source s{loc.path, loc.host_format(), text};
  if (s.format != "" && s.format != "table" && s.format != "series" && s.format != "csv" &&
      s.format != "csv+series") {
    return Status::InvalidArgument("'" + loc.scheme + "' is not a source kind (use host, " +
                                   "host+table, host+series, host+csv or host+csv+series)");
  }
  if (s.host_path.empty()) return Status::InvalidArgument("a source cannot be empty");
  std::error_code ec;
  s.host_path = hostfs::absolute(s.host_path, ec).lexically_normal().string();
  if (s.host_path.size() > 1 && s.host_path.back() == '/') s.host_path.pop_back();
  struct stat st;
  if (::stat(s.host_path.c_str(), &st) != 0) return HostError("read", s.host_path, errno);
  if (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode) && !opts.allow_special) {
    // /dev/zero or a FIFO never ends: read one only when asked to.
    return Status::InvalidArgument(Quote(s.host_path) + " is " + KindOf(st.st_mode) +
                                   ", not a regular file; name --allow-special to read it until "
                                   "it ends");
  }
  return s;
}

// Streams host file `path` into `writer`.
// A private temporary folder on the host, removed (also on SIGINT) when it dies.
class TempFolder {
 public:
  ~TempFolder() {
    if (dir_.empty()) return;
    std::error_code ec;
    hostfs::remove_all(dir_, ec);
    for (int h : handles_) UnregisterTempFile(h);
  }
  Result<std::string> File(const std::string& name) {
    if (dir_.empty()) {
      std::error_code ec;
      std::string base = hostfs::temp_directory_path(ec).string();
      if (ec) base = "/tmp";
      std::string tmpl = base + "/pond-copy-XXXXXX";
      if (!::mkdtemp(tmpl.data())) {
        return Status::IOError("cannot create a temporary folder in " + base + ": " +
                               std::strerror(errno));
      }
      dir_ = tmpl;
      handles_.push_back(RegisterTempFile(dir_, true));
    }
    std::string path = dir_ + "/" + name;
    handles_.push_back(RegisterTempFile(path));
    return path;
  }

 private:
  std::string dir_;
  std::vector<int> handles_;
};

Status CopyFileIn(tinyfs::FS& fs, tlogfs::Pond& pond, const Source& src,
                  const std::string& pond_path, const CopyOptions& opts);

// A CSV file becomes a Parquet table or series: its shape checked, parsed by
// DuckDB into a temporary Parquet file, which is then copied in like any other.
Status CopyCsvIn(tinyfs::FS& fs, tlogfs::Pond& pond, const Source& src,
                 const std::string& pond_path, const CopyOptions& opts) {
  auto fail = [&](const Status& st) {
    return Status(st.code(), "cannot import " + Quote(src.host_path) + ": " + st.message());
  };
  auto shape = CheckCsvShape(src.host_path);
  if (!shape.ok()) return fail(shape.status());
  ASSIGN_OR_RETURN(ParquetEngine * engine, pond.table().engine().Get());
  TempFolder temp;
  ASSIGN_OR_RETURN(std::string parquet, temp.File("table.parquet"));
  Status st = engine->CsvToParquet(src.host_path, shape->delimiter, parquet);
  if (!st.ok()) return fail(st);
  Source converted{parquet, src.format == "csv" ? "table" : "series", src.text};
  st = CopyFileIn(fs, pond, converted, pond_path, opts);
  if (!st.ok() && st.message().find(parquet) != std::string::npos) {
    return fail(Status(st.code(), "its rows cannot be stored"));  // never show our temp path
  }
  return st;
}

// Streams one host file into a new version at `pond_path`.
Status CopyFileIn(tinyfs::FS& fs, tlogfs::Pond& pond, const Source& src,
                  const std::string& pond_path, const CopyOptions& opts) {
  if (src.format.rfind("csv", 0) == 0) return CopyCsvIn(fs, pond, src, pond_path, opts);
  EntryType type = EntryType::kFileData;
  tinyfs::VersionMeta meta;
  if (!src.format.empty()) {
    ASSIGN_OR_RETURN(ParquetEngine * engine, pond.table().engine().Get());
    std::vector<std::string> time_columns =
        opts.time_column.empty() ? kTimeColumns : std::vector<std::string>{opts.time_column};
    std::optional<tinyfs::Node> existing;
    std::optional<std::string> existing_time;
    if (src.format == "series") {
      auto found = fs.TryResolve(pond_path);
      if (found.ok() && *found && (*found)->type == EntryType::kFileSeries) {
        existing = **found;
        ASSIGN_OR_RETURN(auto versions, fs.Versions(*existing));
        auto attrs = nlohmann::json::parse(versions.back().meta.attributes, nullptr, false);
        if (attrs.is_object() && attrs.contains("time_column") &&
            attrs["time_column"].is_string()) {
          existing_time = attrs["time_column"].get<std::string>();
          if (opts.time_column.empty()) time_columns = {*existing_time};
        }
      }
    }
    auto info = engine->InspectParquet(
        src.host_path, src.format == "series" ? time_columns : std::vector<std::string>{});
    if (!info.ok()) {
      std::string message = info.status().message();
      if (message.find(", not a timestamp") != std::string::npos) {
        // The file is fine but its time column is not a time: say so, of
        // the user's source (never of our converted scratch file).
        for (size_t at; (at = message.find(src.host_path)) != std::string::npos;) {
          message.replace(at, src.host_path.size(), src.text);
        }
        return Status::InvalidArgument(message + ", so it cannot be stored as a series");
      }
      return Status::InvalidArgument(Quote(src.text) + " is not a Parquet file, so it " +
                                     "cannot be stored as a " + src.format);
    }
    type = EntryType::kFileTable;
    if (src.format == "series") {
      if (!info->time_column) {
        std::string looked = existing_time ? *existing_time
                             : opts.time_column.empty()
                                 ? std::string("timestamp, Timestamp, event_time, time")
                                 : opts.time_column;
        return Status::InvalidArgument(Quote(src.text) + " has no time column (looked for " +
                                       looked +
                                       (existing_time ? ", the time column of the series)"
                                                      : "; name one with --time-column)"));
      }
      if (existing_time && *info->time_column != *existing_time) {
        return Status::InvalidArgument(Quote(pond_path) + " has the time column '" +
                                       *existing_time + "', not '" + *info->time_column + "'");
      }
      if (existing) RETURN_IF_ERROR(sql::CheckSeriesColumns(fs, *existing, *info));
      type = EntryType::kFileSeries;
    }
    meta = sql::TabularMeta(*info, type == EntryType::kFileSeries);
  }
  ASSIGN_OR_RETURN(auto writer, pond.NewContent());
  RETURN_IF_ERROR(LoadHostFile(src.host_path, *writer, [&](uint64_t n) {
    if (opts.progress) opts.progress->Add(n);
  }));
  ASSIGN_OR_RETURN(tinyfs::ContentRef ref, writer->Finish());
  if (opts.progress) opts.progress->Add(0, 1);
  return fs.WriteFile(pond_path, type, ref, meta).status();
}

// Reads plain host files into pond content on several threads at once; the
// caller writes the results into the pond in order, on its own thread.
class ParallelLoader {
 public:
  ParallelLoader(tlogfs::Pond& pond, Progress* progress)
      : pond_(pond),
        progress_(progress),
        threads_(std::clamp<size_t>(std::thread::hardware_concurrency(), 1, 4)) {}

  // Loads every path of `paths`; result i is the content of paths[i].
  std::vector<Result<tinyfs::ContentRef>> Load(const std::vector<std::string>& paths) {
    std::vector<Result<tinyfs::ContentRef>> out(paths.size(), Status::Internal("not loaded"));
    std::atomic<size_t> next{0};
    auto work = [&] {
      for (size_t i; (i = next.fetch_add(1)) < paths.size();) out[i] = LoadOne(paths[i]);
    };
    std::vector<std::thread> helpers;
    // A thread costs more than a few small files take to read.
    size_t extra = paths.size() >= 16 ? threads_ - 1 : 0;
    for (size_t t = 0; t < extra; ++t) helpers.emplace_back(work);
    work();
    for (std::thread& t : helpers) t.join();
    return out;
  }

 private:
  Result<tinyfs::ContentRef> LoadOne(const std::string& path) {
    ASSIGN_OR_RETURN(auto writer, pond_.NewContent());
    RETURN_IF_ERROR(LoadHostFile(path, *writer, [&](uint64_t n) {
      if (progress_) progress_->Add(n);
    }));
    auto ref = writer->Finish();
    if (progress_) progress_->Add(0, 1);
    return ref;
  }

  tlogfs::Pond& pond_;
  Progress* progress_;
  const size_t threads_;
};

// Plain files are read this many at a time (bounded memory: each is at most
// the inline limit in memory, or streamed to a blob).
constexpr size_t kLoadBatch = 256;

// A host tree, as cp -r copies it: directories and files, and symlinks as
// symlinks (never followed, so a link to `..` is one link, not a loop). Each
// pond directory is looked up once; plain files are read on several threads.
Status CopyTreeIn(tinyfs::FS& fs, tlogfs::Pond& pond, ParallelLoader& loader, const Source& src,
                  const std::string& pond_path, const CopyOptions& opts) {
  ASSIGN_OR_RETURN(tinyfs::Node dir, fs.Mkdir(pond_path, true));
  DIR* d = ::opendir(src.host_path.c_str());
  if (!d) return HostError("list", src.host_path, errno);
  std::vector<std::pair<std::string, unsigned char>> entries;  // name, d_type
  while (true) {
    errno = 0;
    struct dirent* e = ::readdir(d);
    if (!e) break;
    std::string_view name = e->d_name;
    if (name != "." && name != "..") entries.emplace_back(name, e->d_type);
  }
  int err = errno;
  ::closedir(d);
  if (err != 0) return HostError("list", src.host_path, err);
  std::sort(entries.begin(), entries.end());

  // Plain files waiting to be read, written into the pond in name order.
  std::vector<std::string> batch_names;
  std::vector<std::string> batch_paths;
  auto flush = [&]() -> Status {
    if (batch_paths.empty()) return Status::OK();
    auto loaded = loader.Load(batch_paths);
    for (size_t i = 0; i < loaded.size(); ++i) {
      RETURN_IF_ERROR(loaded[i].status());
      RETURN_IF_ERROR(
          fs.WriteFileIn(dir, batch_names[i], EntryType::kFileData, *loaded[i]).status());
    }
    batch_names.clear();
    batch_paths.clear();
    return Status::OK();
  };

  for (const auto& [name, d_type] : entries) {
    std::string host = src.host_path + "/" + name;
    mode_t mode = 0;
    switch (d_type) {  // the listing's type, where the file system gives one, spares an lstat
      case DT_REG:
        mode = S_IFREG;
        break;
      case DT_DIR:
        mode = S_IFDIR;
        break;
      case DT_LNK:
        mode = S_IFLNK;
        break;
      default: {
        struct stat st;
        if (::lstat(host.c_str(), &st) != 0) return HostError("read", host, errno);
        mode = st.st_mode;
      }
    }
    if (S_ISREG(mode) && src.format.empty()) {
      batch_names.push_back(name);
      batch_paths.push_back(std::move(host));
      if (batch_paths.size() >= kLoadBatch) RETURN_IF_ERROR(flush());
      continue;
    }
    RETURN_IF_ERROR(flush());
    std::string target = tinyfs::ChildPath(dir.path, name);
    Source child{host, src.format, host};
    if (S_ISLNK(mode)) {
      std::string link(PATH_MAX, '\0');
      ssize_t n = ::readlink(host.c_str(), link.data(), link.size());
      if (n < 0) return HostError("read", host, errno);
      link.resize(static_cast<size_t>(n));
      RETURN_IF_ERROR(fs.Symlink(link, target).status());
    } else if (S_ISDIR(mode)) {
      RETURN_IF_ERROR(CopyTreeIn(fs, pond, loader, child, target, opts));
    } else if (S_ISREG(mode)) {
      RETURN_IF_ERROR(CopyFileIn(fs, pond, child, target, opts));
    } else {
      struct stat st;
      if (::lstat(host.c_str(), &st) != 0) return HostError("read", host, errno);
      Warn("skipped " + Quote(host) + ": it is " + KindOf(st.st_mode));
    }
  }
  return flush();
}

Status CopyIn(Context& ctx, const CopyOptions& given) {
  Progress progress("copy", ProgressWanted(ctx.global.quiet));
  CopyOptions opts = given;
  opts.progress = &progress;
  std::vector<std::string> sources(opts.args.begin(), opts.args.end() - 1);
  const std::string& dest = opts.args.back();
  // Parse every source first: a bad one fails the command before anything is written.
  std::vector<Source> parsed;
  for (const std::string& s : sources) {
    ASSIGN_OR_RETURN(Source src, ParseSource(s, opts));
    std::error_code ec;
    if (hostfs::is_directory(src.host_path, ec) && !opts.recursive) {
      return Status::InvalidArgument(Quote(src.host_path) + " is a directory (use copy -r)");
    }
    parsed.push_back(std::move(src));
  }
  return RunWrite(ctx, [&](tinyfs::FS& fs, tlogfs::Pond& pond) -> Status {
    ASSIGN_OR_RETURN(std::optional<tinyfs::Node> target, fs.TryResolve(dest));
    bool into_dir = target && target->type == EntryType::kDirectory;
    if (!into_dir && dest.size() > 1 && dest.back() == '/') {
      return Status::NotFound("directory " + Quote(dest) + " does not exist");
    }
    if (parsed.size() > 1 && !into_dir) {
      return Status::InvalidArgument("copying several sources needs an existing directory, and " +
                                     Quote(dest) + " is not one");
    }
    for (const Source& src : parsed) {
      std::string name = hostfs::path(src.host_path).filename().string();
      std::string pond_path = into_dir ? tinyfs::ChildPath(target->path, name) : dest;
      std::error_code ec;
      if (hostfs::is_directory(src.host_path, ec)) {
        ParallelLoader loader(pond, opts.progress);
        RETURN_IF_ERROR(CopyTreeIn(fs, pond, loader, src, pond_path, opts));
      } else {
        RETURN_IF_ERROR(CopyFileIn(fs, pond, src, pond_path, opts));
      }
    }
    progress.Finish();
    return Status::OK();
  });
}

// Writes what `cat` shows of series `node` (every version's rows, in time
// order) to host file `dest` as one Parquet file.
Status WriteSeriesOut(tinyfs::FS& fs, tlogfs::Pond& pond, const tinyfs::Node& node,
                      const std::string& dest) {
  sql::ScratchFiles scratch;
  ASSIGN_OR_RETURN(sql::TableSource source,
                   sql::ResolvePondTable(fs, pond, node.path, {}, scratch));
  ASSIGN_OR_RETURN(auto session, sql::OpenInternalSqlSession());
  RETURN_IF_ERROR(session->AddTable("source", source));
  RETURN_IF_ERROR(session->LockDown());
  std::string query = "SELECT * FROM source";
  if (source.time_column) query += " ORDER BY \"" + *source.time_column + "\"";
  return session->QueryToParquet(query, dest);
}

// Writes the raw bytes of the latest version of file `node` to host file `dest`.
Status WriteBytesOut(tinyfs::FS& fs, const tinyfs::Node& node, const std::string& dest) {
  ASSIGN_OR_RETURN(auto stream, fs.OpenFile(node));
  int fd = ::open(dest.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) return HostError("write", dest, errno);
  IoBuffer buf(kChunk);
  Status st;
  while (st.ok()) {
    auto n = stream->Read(buf.data(), buf.size());
    if (!n.ok()) {
      st = n.status();
      break;
    }
    if (*n == 0) break;
    size_t done = 0;
    while (done < *n && st.ok()) {
      ssize_t put = ::write(fd, buf.data() + done, *n - done);
      if (put < 0 && errno == EINTR) continue;
      if (put < 0) st = HostError("write", dest, errno);
      done += put > 0 ? static_cast<size_t>(put) : 0;
    }
  }
  if (::close(fd) != 0 && st.ok()) st = HostError("write", dest, errno);
  return st;
}

// Pond files matching the sources, written under the host directory at their
// pond paths. Tables and series are written as what cat shows of them.
Status CopyOut(Context& ctx, const CopyOptions& opts, const std::string& host_dir_text) {
  std::error_code ec;
  hostfs::path host_dir = hostfs::weakly_canonical(host_dir_text, ec);
  if (ec || !hostfs::is_directory(host_dir, ec)) {
    return Status::NotFound("host directory " + Quote(host_dir_text) + " does not exist");
  }
  ASSIGN_OR_RETURN(auto pond, OpenPond(ctx));
  tinyfs::FS fs(*pond);
  auto factories = AttachFactories(fs, *pond);
  // Every file is written beside its name first; only when all are written
  // are they renamed into place, so a failing match leaves the host folder
  // as it was (folders made for it are removed too).
  struct Pending {
    std::string tmp;
    hostfs::path out;
    int handle;
    bool renamed = false;
  };
  std::vector<Pending> pending;
  std::vector<hostfs::path> made_dirs;
  auto undo = [&] {
    std::error_code ignored;
    for (const Pending& p : pending) {
      if (p.renamed) continue;
      hostfs::remove(p.tmp, ignored);
      UnregisterTempFile(p.handle);
    }
    for (auto it = made_dirs.rbegin(); it != made_dirs.rend(); ++it) {
      hostfs::remove_all(*it, ignored);
    }
  };
  auto body = [&]() -> Status {
    for (size_t i = 0; i + 1 < opts.args.size(); ++i) {
      if (opts.args[i].empty()) return Status::InvalidArgument("a source cannot be empty");
      ASSIGN_OR_RETURN(auto matches, fs.Glob(opts.args[i]));
      size_t copied = 0;
      for (const auto& m : matches) {
        tinyfs::Node node = m.node;
        if (node.type == EntryType::kSymlink) {
          auto target = fs.Resolve(m.path);
          if (!target.ok()) continue;
          node = *target;
          node.path = m.path;
        }
        const bool computed =
            node.type == EntryType::kDynamicTable || node.type == EntryType::kDynamicSeries;
        if (!tinyfs::IsFile(node.type) && !computed) continue;
        hostfs::path out = (host_dir / m.path.substr(1)).lexically_normal();
        // Pond names cannot hold '/' or "..", but a host symlink under the
        // directory could still point elsewhere: check where it really lands.
        hostfs::path parent = hostfs::weakly_canonical(out.parent_path(), ec);
        std::string root = host_dir.string() + "/";
        if (ec || (parent.string() + "/").rfind(root, 0) != 0) {
          return Status::InvalidArgument("refusing to write " + Quote(out.string()) + " outside " +
                                         Quote(host_dir.string()));
        }
        // The topmost folder this file needs that does not exist yet.
        hostfs::path missing;
        for (hostfs::path p = out.parent_path(); !p.empty() && !hostfs::exists(p, ec);
             p = p.parent_path()) {
          missing = p;
        }
        hostfs::create_directories(out.parent_path(), ec);
        if (ec) {
          return Status::IOError("cannot create host directory " +
                                 Quote(out.parent_path().string()) + ": " + ec.message());
        }
        if (!missing.empty()) made_dirs.push_back(missing);
        std::string tmp = out.string() + ".pond-tmp-" + NewUuidV7();
        pending.push_back({tmp, out, RegisterTempFile(tmp), false});
        // A computed table or series is one Parquet file already.
        RETURN_IF_ERROR(node.type == EntryType::kFileSeries ? WriteSeriesOut(fs, *pond, node, tmp)
                                                            : WriteBytesOut(fs, node, tmp));
        ++copied;
      }
      if (copied == 0) {
        return Status::NotFound("no pond file matches " + Quote(opts.args[i]));
      }
    }
    return Status::OK();
  };
  Status st = body();
  if (!st.ok()) {
    undo();
    return st;
  }
  for (Pending& p : pending) {
    hostfs::rename(p.tmp, p.out, ec);
    if (ec) {
      Status failed =
          Status::IOError("cannot write host file " + Quote(p.out.string()) + ": " + ec.message());
      undo();
      return failed;
    }
    UnregisterTempFile(p.handle);
    p.renamed = true;
  }
  return Status::OK();
}

Status RunCopy(Context& ctx, const CopyOptions& opts) {
  if (opts.args.size() < 2) {
    return UsageError(ctx, "copy needs at least one source and a destination");
  }
  if (opts.args.back().empty()) return UsageError(ctx, "the destination cannot be empty");
  ASSIGN_OR_RETURN(Location dest, ParseLocation(opts.args.back()));
  if (dest.is_url()) {
    if (dest.scheme != "host") {
      return UsageError(ctx, "copying out needs a host:///dir destination");
    }
    return CopyOut(ctx, opts, dest.path);
  }
  return CopyIn(ctx, opts);
}

}  // namespace

void AddCopyCommand(CLI::App& app, Context& ctx) {
  auto opts = std::make_shared<CopyOptions>();
  CLI::App* cmd = app.add_subcommand(
      "copy", "Copy host files into the pond (one transaction), or pond files out to host:///dir");
  cmd->add_option("args", opts->args, "SRC... DEST")->required()->expected(2, -1);
  cmd->add_flag("-r,--recursive", opts->recursive, "copy host directory trees");
  cmd->add_flag("--allow-special", opts->allow_special,
                "read a FIFO or device source until it ends (refused otherwise)");
  cmd->add_option("--time-column", opts->time_column, "the time column of a series");
  cmd->callback([&ctx, opts] {
    ctx.ran = true;
    ctx.status = RunCopy(ctx, *opts);
  });
}

}  // namespace pond
