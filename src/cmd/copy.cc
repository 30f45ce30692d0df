// pond copy: host files into the pond (one transaction), or pond files out to
// a host directory, with the semantics of cp(1).
#include <CLI/CLI.hpp>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "cmd/commands.h"
#include "cmd/common.h"
#include "cmd/location.h"
#include "tinyfs/path.h"
#include "util/counters.h"

namespace pond {
namespace {

namespace hostfs = std::filesystem;
using tinyfs::EntryType;

constexpr size_t kChunk = 1 << 20;
const std::vector<std::string> kTimeColumns = {"timestamp", "Timestamp", "event_time", "time"};

struct CopyOptions {
  std::vector<std::string> args;  // sources then destination
  bool recursive = false;
  std::string time_column;
};

struct Source {
  std::string host_path;
  std::string format;  // "", "table", "series"
  std::string text;    // as given
};

Result<Source> ParseSource(const std::string& text) {
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
  std::error_code ec;
  s.host_path = hostfs::absolute(s.host_path, ec).lexically_normal().string();
  if (s.host_path.size() > 1 && s.host_path.back() == '/') s.host_path.pop_back();
  if (!hostfs::exists(s.host_path, ec)) {
    return Status::NotFound("host file '" + s.host_path + "' does not exist");
  }
  return s;
}

Status CopyFileIn(tinyfs::FS& fs, tlogfs::Pond& pond, const Source& src,
                  const std::string& pond_path, const CopyOptions& opts);

// A CSV file becomes a Parquet table or series: parsed by DuckDB into a
// temporary Parquet file, which is then copied in like any other.
Status CopyCsvIn(tinyfs::FS& fs, tlogfs::Pond& pond, const Source& src,
                 const std::string& pond_path, const CopyOptions& opts) {
  ASSIGN_OR_RETURN(ParquetEngine * engine, pond.table().engine().Get());
  std::string tmpl = (hostfs::temp_directory_path() / "pond-csv-XXXXXX").string();
  if (!mkdtemp(tmpl.data())) return Status::IOError("cannot create a temporary folder");
  std::string parquet = tmpl + "/table.parquet";
  Status st = engine->CsvToParquet(src.host_path, parquet);
  if (st.ok()) {
    Source converted{parquet, src.format == "csv" ? "table" : "series", src.text};
    st = CopyFileIn(fs, pond, converted, pond_path, opts);
  } else {
    st = Status::InvalidArgument("'" + src.host_path + "' is not a CSV file that reads as a table");
  }
  std::error_code ec;
  hostfs::remove_all(tmpl, ec);
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
    auto info = engine->InspectParquet(
        src.host_path, src.format == "series" ? time_columns : std::vector<std::string>{});
    if (!info.ok()) {
      return Status::InvalidArgument("'" + src.host_path + "' is not a Parquet file, so it " +
                                     "cannot be stored as a " + src.format);
    }
    nlohmann::json attrs = {{"num_rows", info->num_rows}};
    nlohmann::json columns = nlohmann::json::array();
    for (const auto& [name, sql_type] : info->columns) columns.push_back({name, sql_type});
    attrs["columns"] = columns;
    type = EntryType::kFileTable;
    if (src.format == "series") {
      if (!info->time_column) {
        return Status::InvalidArgument("'" + src.host_path + "' has no time column (looked for " +
                                       (opts.time_column.empty()
                                            ? std::string("timestamp, Timestamp, event_time, time")
                                            : opts.time_column) +
                                       "; name one with --time-column)");
      }
      type = EntryType::kFileSeries;
      attrs["time_column"] = *info->time_column;
      meta.min_event_time = info->min_time;
      meta.max_event_time = info->max_time;
    }
    meta.attributes = attrs.dump();
  }
  std::ifstream in(src.host_path, std::ios::binary);
  if (!in) return Status::IOError("cannot read host file '" + src.host_path + "'");
  ASSIGN_OR_RETURN(auto writer, pond.NewContent());
  std::string buf(kChunk, '\0');
  while (in) {
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    std::streamsize got = in.gcount();
    if (got > 0) RETURN_IF_ERROR(writer->Append(std::string_view(buf.data(), got)));
  }
  if (in.bad()) return Status::IOError("cannot read host file '" + src.host_path + "'");
  ASSIGN_OR_RETURN(tinyfs::ContentRef ref, writer->Finish());
  return fs.WriteFile(pond_path, type, ref, meta).status();
}

Status CopyTreeIn(tinyfs::FS& fs, tlogfs::Pond& pond, const Source& src,
                  const std::string& pond_path, const CopyOptions& opts) {
  RETURN_IF_ERROR(fs.Mkdir(pond_path, true).status());
  std::vector<hostfs::directory_entry> entries;
  std::error_code ec;
  for (const auto& e : hostfs::directory_iterator(src.host_path, ec)) entries.push_back(e);
  if (ec) return Status::IOError("cannot list host directory '" + src.host_path + "'");
  std::sort(entries.begin(), entries.end(),
            [](const auto& a, const auto& b) { return a.path() < b.path(); });
  for (const auto& e : entries) {
    Source child{e.path().string(), src.format, e.path().string()};
    std::string target = tinyfs::ChildPath(pond_path, e.path().filename().string());
    if (e.is_directory(ec)) {
      RETURN_IF_ERROR(CopyTreeIn(fs, pond, child, target, opts));
    } else if (e.is_regular_file(ec)) {
      RETURN_IF_ERROR(CopyFileIn(fs, pond, child, target, opts));
    }  // sockets, devices and the like are not data: skipped
  }
  return Status::OK();
}

Status CopyIn(Context& ctx, const CopyOptions& opts) {
  std::vector<std::string> sources(opts.args.begin(), opts.args.end() - 1);
  const std::string& dest = opts.args.back();
  // Parse every source first: a bad one fails the command before anything is written.
  std::vector<Source> parsed;
  for (const std::string& s : sources) {
    ASSIGN_OR_RETURN(Source src, ParseSource(s));
    std::error_code ec;
    if (hostfs::is_directory(src.host_path, ec) && !opts.recursive) {
      return Status::InvalidArgument("'" + src.host_path + "' is a directory (use copy -r)");
    }
    parsed.push_back(std::move(src));
  }
  return RunWrite(ctx, [&](tinyfs::FS& fs, tlogfs::Pond& pond) -> Status {
    ASSIGN_OR_RETURN(std::optional<tinyfs::Node> target, fs.TryResolve(dest));
    bool into_dir = target && target->type == EntryType::kDirectory;
    if (!into_dir && dest.size() > 1 && dest.back() == '/') {
      return Status::NotFound("directory '" + dest + "' does not exist");
    }
    if (parsed.size() > 1 && !into_dir) {
      return Status::InvalidArgument("copying several sources needs an existing directory, and '" +
                                     dest + "' is not one");
    }
    for (const Source& src : parsed) {
      std::string name = hostfs::path(src.host_path).filename().string();
      std::string pond_path = into_dir ? tinyfs::ChildPath(target->path, name) : dest;
      std::error_code ec;
      if (hostfs::is_directory(src.host_path, ec)) {
        RETURN_IF_ERROR(CopyTreeIn(fs, pond, src, pond_path, opts));
      } else {
        RETURN_IF_ERROR(CopyFileIn(fs, pond, src, pond_path, opts));
      }
    }
    return Status::OK();
  });
}

// Pond files matching the sources, written under the host directory at their
// pond paths.
Status CopyOut(Context& ctx, const CopyOptions& opts, const std::string& host_dir_text) {
  std::error_code ec;
  hostfs::path host_dir = hostfs::weakly_canonical(host_dir_text, ec);
  if (ec || !hostfs::is_directory(host_dir, ec)) {
    return Status::NotFound("host directory '" + host_dir_text + "' does not exist");
  }
  ASSIGN_OR_RETURN(auto pond, OpenPond(ctx));
  tinyfs::FS fs(*pond);
  for (size_t i = 0; i + 1 < opts.args.size(); ++i) {
    ASSIGN_OR_RETURN(auto matches, fs.Glob(opts.args[i]));
    size_t copied = 0;
    for (const auto& m : matches) {
      tinyfs::Node node = m.node;
      if (node.type == EntryType::kSymlink) {
        auto target = fs.Resolve(m.path);
        if (!target.ok()) continue;
        node = *target;
      }
      if (!tinyfs::IsFile(node.type)) continue;
      hostfs::path out = (host_dir / m.path.substr(1)).lexically_normal();
      // Pond names cannot hold '/' or "..", but a host symlink under the
      // directory could still point elsewhere: check where it really lands.
      hostfs::path parent = hostfs::weakly_canonical(out.parent_path(), ec);
      std::string root = host_dir.string() + "/";
      if (ec || (parent.string() + "/").rfind(root, 0) != 0) {
        return Status::InvalidArgument("refusing to write '" + out.string() + "' outside '" +
                                       host_dir.string() + "'");
      }
      hostfs::create_directories(out.parent_path(), ec);
      if (ec)
        return Status::IOError("cannot create host directory '" + out.parent_path().string() + "'");
      ASSIGN_OR_RETURN(auto stream, fs.OpenFile(node));
      std::string tmp = out.string() + ".pond-tmp";
      {
        std::ofstream file(tmp, std::ios::binary | std::ios::trunc);
        if (!file) return Status::IOError("cannot write host file '" + out.string() + "'");
        std::string buf(kChunk, '\0');
        while (true) {
          ASSIGN_OR_RETURN(size_t n, stream->Read(buf.data(), buf.size()));
          if (n == 0) break;
          file.write(buf.data(), static_cast<std::streamsize>(n));
        }
        if (!file.flush()) {
          hostfs::remove(tmp, ec);
          return Status::IOError("cannot write host file '" + out.string() + "'");
        }
      }
      hostfs::rename(tmp, out, ec);
      if (ec) return Status::IOError("cannot write host file '" + out.string() + "'");
      ++copied;
    }
    if (copied == 0) return Status::NotFound("no pond file matches '" + opts.args[i] + "'");
  }
  return Status::OK();
}

Status RunCopy(Context& ctx, const CopyOptions& opts) {
  if (opts.args.size() < 2) {
    ctx.usage_error = true;
    return Status::InvalidArgument("copy needs at least one source and a destination");
  }
  ASSIGN_OR_RETURN(Location dest, ParseLocation(opts.args.back()));
  if (dest.is_url()) {
    if (dest.scheme != "host") {
      return Status::InvalidArgument("copying out needs a host:///dir destination");
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
  cmd->add_option("--time-column", opts->time_column, "the time column of a series");
  cmd->callback([&ctx, opts] {
    ctx.ran = true;
    ctx.status = RunCopy(ctx, *opts);
  });
}

}  // namespace pond
