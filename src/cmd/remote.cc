// pond remote add|list|remove, push, pull, restore, verify: remotes (see
// remote/replicate.h). A remote is a node /system/remotes/NAME holding its
// settings as JSON; `push` and `verify` also take a URL in place of a name.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cmd/commands.h"
#include "cmd/common.h"
#include "cmd/remotes.h"
#include "factory/config.h"
#include "remote/replicate.h"
#include "util/progress.h"
#include "util/text.h"
#include "util/url.h"

namespace pond {
namespace {

namespace hostfs = std::filesystem;

bool ValidRemoteName(const std::string& name) {
  if (name.empty() || name.size() > 64 || !std::isalnum(static_cast<unsigned char>(name[0]))) {
    return false;
  }
  for (char c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') return false;
  }
  return true;
}

std::string RemoteJson(const RemoteSpec& r) {
  nlohmann::json j;
  j["url"] = r.url;
  if (!r.endpoint.empty()) j["endpoint"] = r.endpoint;
  if (!r.region.empty()) j["region"] = r.region;
  j["push_after_commit"] = r.push_after_commit;
  if (!r.access_key_id.empty()) j["access_key_id"] = r.access_key_id;
  if (!r.secret_access_key.empty()) j["secret_access_key"] = r.secret_access_key;
  if (!r.session_token.empty()) j["session_token"] = r.session_token;
  return j.dump(2) + "\n";
}

Result<RemoteSpec> ParseRemote(const std::string& name, const std::string& text) {
  auto j = nlohmann::json::parse(text, nullptr, false);
  auto bad = [&] {
    return Status::Corruption("remote '" + name + "' (" + std::string(kRemotesDir) + "/" + name +
                              ") does not hold a remote's settings");
  };
  if (!j.is_object() || !j.contains("url") || !j["url"].is_string()) return bad();
  RemoteSpec r;
  r.name = name;
  r.url = j["url"].get<std::string>();
  for (auto [field, key] : {std::pair{&r.endpoint, "endpoint"}, std::pair{&r.region, "region"},
                            std::pair{&r.access_key_id, "access_key_id"},
                            std::pair{&r.secret_access_key, "secret_access_key"},
                            std::pair{&r.session_token, "session_token"}}) {
    if (!j.contains(key)) continue;
    if (!j[key].is_string()) return bad();
    *field = j[key].get<std::string>();
  }
  if (j.contains("push_after_commit")) {
    if (!j["push_after_commit"].is_boolean()) return bad();
    r.push_after_commit = j["push_after_commit"].get<bool>();
  }
  return r;
}

// A credential reference must be exactly ${env:NAME}: the secret itself
// never enters the pond's log.
bool IsEnvReference(const std::string& text) {
  if (text.size() < 8 || text.rfind("${env:", 0) != 0 || text.back() != '}') return false;
  for (size_t i = 6; i + 1 < text.size(); ++i) {
    char c = text[i];
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
  }
  return true;
}

Result<remote::RemoteOptions> OptionsOf(const RemoteSpec& r) {
  remote::RemoteOptions options{r.endpoint, r.region, std::nullopt};
  if (r.access_key_id.empty() && r.secret_access_key.empty()) return options;
  remote::Credentials c;
  ASSIGN_OR_RETURN(c.access_key_id, factory::ExpandEnv(r.access_key_id));
  ASSIGN_OR_RETURN(c.secret_access_key, factory::ExpandEnv(r.secret_access_key));
  if (!r.session_token.empty()) {
    ASSIGN_OR_RETURN(c.session_token, factory::ExpandEnv(r.session_token));
  }
  options.credentials = std::move(c);
  return options;
}

// The remote `arg` names: a URL, a remote's name, or (when empty) the only
// remote the pond has.
Result<RemoteSpec> ChooseRemote(Context& ctx, tinyfs::FS& fs, const std::string& arg,
                                const RemoteSpec& given) {
  if (arg.find("://") != std::string::npos) {
    RemoteSpec r = given;
    r.url = arg;
    return r;
  }
  if (!given.endpoint.empty() || !given.region.empty()) {
    return UsageError(ctx, "--endpoint and --region go with a URL; a named remote has its own");
  }
  ASSIGN_OR_RETURN(auto remotes, ListRemotes(fs));
  if (arg.empty()) {
    if (remotes.size() == 1) return remotes[0];
    if (remotes.empty()) {
      return UsageError(ctx, "the pond has no remote: add one with pond remote add NAME URL");
    }
    std::string names;
    for (const auto& r : remotes) names += (names.empty() ? "" : ", ") + r.name;
    return UsageError(ctx, "the pond has several remotes: name one of " + names);
  }
  for (const auto& r : remotes) {
    if (r.name == arg) return r;
  }
  return Status::NotFound("the pond has no remote named '" + EscapeControl(arg) +
                          "' (pond remote list shows them)");
}

// A progress line for `what` on standard error (see util/progress.h); it
// is erased when the last copy finishes or the callback goes.
remote::Progress ProgressLine(const Context& ctx, const char* what) {
  if (!ProgressWanted(ctx.global.quiet)) return nullptr;
  auto line = std::make_shared<Progress>(what, true);
  return [line, last = uint64_t{0}](uint64_t done, uint64_t total) mutable {
    line->SetTotal(total);
    line->Add(done >= last ? done - last : 0);
    last = done;
    if (done >= total) line->Finish();
  };
}

std::string Plural(int64_t n, const char* one) {
  return std::to_string(n) + " " + one + (n == 1 ? "" : "s");
}

std::string Describe(const RemoteSpec& r) { return r.name.empty() ? r.url : r.name; }

Status RemoteAdd(Context& ctx, const RemoteSpec& spec) {
  if (!ValidRemoteName(spec.name)) {
    return UsageError(
        ctx, "a remote's name is a letter or digit, then letters, digits, '-' and '_', not '" +
                 EscapeControl(spec.name) + "'");
  }
  // The URL must be one we can use (the place need not exist yet, and the
  // credentials may come later).
  RETURN_IF_ERROR(remote::CheckRemoteUrl(spec.url));
  for (const std::string* ref :
       {&spec.access_key_id, &spec.secret_access_key, &spec.session_token}) {
    if (!ref->empty() && !IsEnvReference(*ref)) {
      return UsageError(ctx,
                        "credentials are given as ${env:VARIABLE}, never as the secret itself");
    }
  }
  if (spec.access_key_id.empty() != spec.secret_access_key.empty() ||
      (!spec.session_token.empty() && spec.access_key_id.empty())) {
    return UsageError(ctx,
                      "--access-key-id and --secret-access-key go together (and "
                      "--session-token needs them)");
  }
  return RunWrite(ctx, [&](tinyfs::FS& fs, tlogfs::Pond&) -> Status {
    RETURN_IF_ERROR(fs.Mkdir(kRemotesDir, /*parents=*/true).status());
    std::string path = std::string(kRemotesDir) + "/" + spec.name;
    ASSIGN_OR_RETURN(auto existing, fs.TryResolve(path, false));
    if (existing) {
      return Status::AlreadyExists("the pond already has a remote named '" + spec.name +
                                   "' (pond remote remove " + spec.name + " first)");
    }
    return fs.WriteFile(path, tinyfs::EntryType::kFileData, tinyfs::InlineContent(RemoteJson(spec)))
        .status();
  });
}

Status RemoteList(Context& ctx) {
  ASSIGN_OR_RETURN(auto pond, OpenPond(ctx));
  tinyfs::FS fs(*pond);
  ASSIGN_OR_RETURN(auto remotes, ListRemotes(fs));
  for (const RemoteSpec& r : remotes) {
    *ctx.out << r.name << "\t" << EscapeControl(r.url);
    if (!r.endpoint.empty()) *ctx.out << "\tendpoint=" << EscapeControl(r.endpoint);
    if (!r.region.empty()) *ctx.out << "\tregion=" << EscapeControl(r.region);
    if (r.push_after_commit) *ctx.out << "\tpush-after-commit";
    *ctx.out << "\n";
  }
  return Status::OK();
}

Status RemoteRemove(Context& ctx, const std::string& name) {
  return RunWrite(ctx, [&](tinyfs::FS& fs, tlogfs::Pond&) -> Status {
    std::string path = std::string(kRemotesDir) + "/" + name;
    ASSIGN_OR_RETURN(auto existing, fs.TryResolve(path, false));
    if (!ValidRemoteName(name) || !existing) {
      return Status::NotFound("the pond has no remote named '" + EscapeControl(name) + "'");
    }
    return fs.Remove(path, /*recursive=*/false);
  });
}

Status RunPush(Context& ctx, const std::string& arg, const RemoteSpec& given) {
  if (ctx.global.as_of) {
    return UsageError(ctx, "--as-of reads a past transaction; push sends the whole history");
  }
  if (ctx.global.pond_dir.find("://") != std::string::npos) {
    return Status::InvalidArgument("push sends a local pond; this one is read from a remote");
  }
  ASSIGN_OR_RETURN(auto pond, OpenPond(ctx));
  tinyfs::FS fs(*pond);
  ASSIGN_OR_RETURN(RemoteSpec r, ChooseRemote(ctx, fs, arg, given));
  return PushTo(ctx, *pond, r);
}

// What $POND/follows says: the remote a follower pulls from.
std::optional<RemoteSpec> ReadFollower(const std::string& pond_dir) {
  std::ifstream in(FollowerMarker(pond_dir));
  std::stringstream text;
  text << in.rdbuf();
  if (!in) return std::nullopt;
  auto r = ParseRemote("follows", text.str());
  if (!r.ok()) return std::nullopt;
  r->name.clear();
  return *r;
}

Status RunPull(Context& ctx, const std::string& arg, const RemoteSpec& given) {
  if (ctx.global.as_of) return UsageError(ctx, "--as-of reads a past transaction; pull changes it");
  if (ctx.global.pond_dir.find("://") != std::string::npos) {
    return Status::InvalidArgument(
        "a pond read from a remote is read-only here; pull updates a "
        "follower (pond restore URL DIR --follow)");
  }
  ASSIGN_OR_RETURN(auto pond, OpenPond(ctx));
  std::optional<RemoteSpec> follows = ReadFollower(ctx.global.pond_dir);
  if (!follows) {
    return Status::InvalidArgument(
        "this pond follows no remote: pull updates a follower, made with pond restore URL DIR "
        "--follow (a pond that is written here pushes instead)");
  }
  RemoteSpec r = *follows;
  if (!arg.empty() && arg != r.url) {
    tinyfs::FS fs(*pond);
    ASSIGN_OR_RETURN(RemoteSpec named, ChooseRemote(ctx, fs, arg, given));
    if (named.url != r.url) {
      return Status::InvalidArgument("this pond follows " + EscapeControl(r.url) + ", not " +
                                     EscapeControl(named.url));
    }
  }
  ASSIGN_OR_RETURN(remote::RemoteOptions opts, OptionsOf(r));
  ASSIGN_OR_RETURN(auto store, remote::OpenRemoteStore(r.url, opts, false));
  // The writer lock, so that no local command commits meanwhile.
  RETURN_IF_ERROR(pond->Begin(ctx.command_line));
  delta::LazyParquetEngine engine;
  auto report = remote::Replicate(*store, pond->store(), engine, std::nullopt,
                                  ProgressLine(ctx, "pull"), {"the remote", "this pond"});
  pond->Abort();  // the commits pulled are the remote's, not a transaction of ours
  if (!report.ok()) {
    return Status(report.status().code(),
                  "cannot pull from " + Describe(r) + ": " + report.status().message());
  }
  if (report->before == report->after) {
    *ctx.out << "already up to date with " << Describe(r) << "\n";
  } else {
    *ctx.out << "pulled " << Plural(report->commits, "commit") << ", "
             << Plural(report->files, "file") << ", " << HumanSize(report->bytes) << " from "
             << Describe(r) << "\n";
  }
  return Status::OK();
}

Status RunRestore(Context& ctx, const std::string& url, const std::string& dir,
                  std::optional<int64_t> as_of, const RemoteSpec& given, bool follow) {
  std::error_code ec;
  if (dir.empty()) return UsageError(ctx, "restore needs the new pond's folder");
  hostfs::path parent = hostfs::absolute(dir, ec).parent_path();
  if (!hostfs::is_directory(parent, ec)) {
    return Status::NotFound("the folder " + EscapeControl(parent.string()) +
                            " that would hold the new pond does not exist");
  }
  if (follow && as_of) {
    return UsageError(ctx, "a follower follows the remote's latest transaction, not --as-of");
  }
  bool existed = hostfs::exists(dir, ec);
  if (existed && (!hostfs::is_directory(dir, ec) || !hostfs::is_empty(dir, ec))) {
    return Status::AlreadyExists("'" + EscapeControl(dir) +
                                 "' is not an empty folder; restore makes a new pond");
  }
  RemoteSpec r = given;
  r.url = url;
  ASSIGN_OR_RETURN(remote::RemoteOptions opts, OptionsOf(r));
  ASSIGN_OR_RETURN(auto store, remote::OpenRemoteStore(url, opts, false));
  std::optional<int64_t> up_to;
  if (as_of) {
    ASSIGN_OR_RETURN(up_to, remote::VersionOfTxn(*store, *as_of));
  }
  // A failed restore leaves nothing behind.
  auto undo = [&] {
    std::error_code e;
    if (existed) {
      for (const auto& entry : hostfs::directory_iterator(dir, e)) hostfs::remove_all(entry, e);
    } else {
      hostfs::remove_all(dir, e);
    }
  };
  hostfs::create_directories(dir + "/data", ec);
  if (ec) return Status::IOError("cannot create " + EscapeControl(dir) + ": " + ec.message());
  Status st = [&]() -> Status {
    ASSIGN_OR_RETURN(auto local, OpenLocalStore(dir + "/data", true));
    delta::LazyParquetEngine engine;
    ASSIGN_OR_RETURN(remote::CopyReport report,
                     remote::Replicate(*store, *local, engine, up_to, ProgressLine(ctx, "restore"),
                                       {"the remote", "the new pond"}));
    local.reset();
    if (follow) {
      std::ofstream marker(FollowerMarker(dir));
      marker << RemoteJson(r);
      if (!marker.flush()) return Status::IOError("cannot write " + FollowerMarker(dir));
    }
    // Opening builds the index from the log.
    ASSIGN_OR_RETURN(auto pond, tlogfs::Pond::Open(dir));
    *ctx.out << "restored transaction " << pond->last_txn() << " ("
             << Plural(report.commits, "commit") << ", " << Plural(report.files, "file") << ", "
             << HumanSize(report.bytes) << ") into " << EscapeControl(dir) << "\n";
    return Status::OK();
  }();
  if (!st.ok()) undo();
  return st;
}

Status RunVerify(Context& ctx, const std::string& arg, bool deep, const RemoteSpec& given) {
  ASSIGN_OR_RETURN(auto pond, OpenPond(ctx));
  RemoteSpec r;
  {
    tinyfs::FS fs(*pond);
    ASSIGN_OR_RETURN(r, ChooseRemote(ctx, fs, arg, given));
  }
  ASSIGN_OR_RETURN(remote::RemoteOptions opts, OptionsOf(r));
  ASSIGN_OR_RETURN(auto store, remote::OpenRemoteStore(r.url, opts, false));
  delta::LazyParquetEngine engine;
  ASSIGN_OR_RETURN(remote::VerifyReport report,
                   remote::Verify(*store, &pond->store(), engine, deep));
  std::ostream& out = *ctx.out;
  for (const std::string& p : report.problems) out << "problem: " << EscapeControl(p) << "\n";
  out << Describe(r) << ": " << Plural(report.commits, "commit") << ", "
      << Plural(report.data_files, "data file") << ", " << Plural(report.blobs, "blob") << " ("
      << HumanSize(report.bytes) << ")" << (deep ? ", hashes checked" : "") << ": "
      << (report.problems.empty() ? "sound" : Plural(report.problems.size(), "problem")) << "\n";
  if (report.problems.empty()) return Status::OK();
  return Status::Corruption("the remote has " + Plural(report.problems.size(), "problem") +
                            " (listed above)");
}

}  // namespace

Result<std::vector<RemoteSpec>> ListRemotes(tinyfs::FS& fs) {
  std::vector<RemoteSpec> out;
  auto dir = fs.TryResolve(kRemotesDir);
  if (dir.status().IsNotFound() || (dir.ok() && !*dir)) return out;  // no /system yet
  RETURN_IF_ERROR(dir.status());
  ASSIGN_OR_RETURN(auto entries, fs.ReadDirectory(**dir));
  for (const tinyfs::DirEntry& e : entries) {
    if (e.type != tinyfs::EntryType::kFileData) continue;
    ASSIGN_OR_RETURN(tinyfs::Node node, fs.Resolve(std::string(kRemotesDir) + "/" + e.name));
    ASSIGN_OR_RETURN(std::string text, fs.ReadFile(node));
    ASSIGN_OR_RETURN(RemoteSpec r, ParseRemote(e.name, text));
    out.push_back(std::move(r));
  }
  std::sort(out.begin(), out.end(),
            [](const RemoteSpec& a, const RemoteSpec& b) { return a.name < b.name; });
  return out;
}

Status PushTo(Context& ctx, tlogfs::Pond& pond, const RemoteSpec& r) {
  if (r.url.rfind("file://", 0) == 0) {
    // Not into the pond, nor the pond into it.
    std::error_code ec;
    auto decoded = PercentDecode(r.url.substr(7));
    hostfs::path there = hostfs::weakly_canonical(decoded.ok() ? *decoded : "", ec);
    hostfs::path here = hostfs::weakly_canonical(ctx.global.pond_dir, ec);
    auto inside = [](const hostfs::path& a, const hostfs::path& b) {
      auto [x, y] = std::mismatch(b.begin(), b.end(), a.begin(), a.end());
      return x == b.end();
    };
    if (!here.empty() && !there.empty() && (inside(there, here) || inside(here, there))) {
      return Status::InvalidArgument("cannot push to " + Describe(r) +
                                     ": a remote may not be inside the pond or hold it");
    }
  }
  ASSIGN_OR_RETURN(remote::RemoteOptions opts, OptionsOf(r));
  ASSIGN_OR_RETURN(auto store, remote::OpenRemoteStore(r.url, opts, /*create=*/true));
  delta::LazyParquetEngine engine;
  auto report = remote::Replicate(pond.store(), *store, engine, std::nullopt,
                                  ProgressLine(ctx, "push"), {"this pond", "the remote"});
  if (!report.ok()) {
    return Status(report.status().code(),
                  "cannot push to " + Describe(r) + ": " + report.status().message());
  }
  if (report->commits == 0 && report->files == 0) {
    *ctx.out << Describe(r) << " is up to date\n";
  } else {
    *ctx.out << "pushed " << Plural(report->commits, "commit") << ", "
             << Plural(report->files, "file") << ", " << HumanSize(report->bytes) << " to "
             << Describe(r) << "\n";
  }
  return Status::OK();
}

std::string FollowerMarker(const std::string& pond_dir) { return pond_dir + "/follows"; }

void AddRemoteCommands(CLI::App& app, Context& ctx) {
  CLI::App* remote = app.add_subcommand("remote", "Name the places the pond is copied to");
  remote->require_subcommand(1);

  auto add = std::make_shared<RemoteSpec>();
  CLI::App* add_cmd =
      remote->add_subcommand("add", "Name a remote: file:///dir or s3://bucket/prefix");
  add_cmd->add_option("name", add->name, "the remote's name")->required();
  add_cmd->add_option("url", add->url, "where it is")->required();
  add_cmd->add_option("--endpoint", add->endpoint, "an S3-compatible service's URL");
  add_cmd->add_option("--region", add->region, "the S3 region");
  add_cmd->add_flag("--push-after-commit", add->push_after_commit,
                    "push after every command that commits");
  add_cmd->add_option("--access-key-id", add->access_key_id,
                      "where the S3 access key is: ${env:VARIABLE} (default AWS_ACCESS_KEY_ID)");
  add_cmd->add_option("--secret-access-key", add->secret_access_key,
                      "where the S3 secret is: ${env:VARIABLE} (default AWS_SECRET_ACCESS_KEY)");
  add_cmd->add_option("--session-token", add->session_token,
                      "where an S3 session token is: ${env:VARIABLE}");
  add_cmd->callback([&ctx, add] {
    ctx.ran = true;
    ctx.status = RemoteAdd(ctx, *add);
  });

  CLI::App* list_cmd = remote->add_subcommand("list", "List the pond's remotes");
  list_cmd->callback([&ctx] {
    ctx.ran = true;
    ctx.status = RemoteList(ctx);
  });

  auto remove_name = std::make_shared<std::string>();
  CLI::App* remove_cmd = remote->add_subcommand("remove", "Forget a remote (its copy stays)");
  remove_cmd->add_option("name", *remove_name, "the remote's name")->required();
  remove_cmd->callback([&ctx, remove_name] {
    ctx.ran = true;
    ctx.status = RemoteRemove(ctx, *remove_name);
  });

  // --endpoint and --region, for a remote given by URL.
  auto where = [](CLI::App* cmd, RemoteSpec& spec) {
    cmd->add_option("--endpoint", spec.endpoint, "an S3-compatible service's URL (s3:// only)");
    cmd->add_option("--region", spec.region, "the S3 region (s3:// only)");
  };

  auto push_opts = std::make_shared<std::pair<std::string, RemoteSpec>>();
  CLI::App* push = app.add_subcommand(
      "push", "Copy to a remote what it lacks: data first, then the commits in order");
  push->add_option("remote", push_opts->first, "a remote's name or URL (default: the only remote)");
  where(push, push_opts->second);
  push->callback([&ctx, push_opts] {
    ctx.ran = true;
    ctx.status = RunPush(ctx, push_opts->first, push_opts->second);
  });

  auto pull_opts = std::make_shared<std::pair<std::string, RemoteSpec>>();
  CLI::App* pull = app.add_subcommand(
      "pull", "Bring this pond up to date from a remote; it then follows it (read-only here)");
  pull->add_option("remote", pull_opts->first, "a remote's name or URL (default: the only remote)");
  where(pull, pull_opts->second);
  pull->callback([&ctx, pull_opts] {
    ctx.ran = true;
    ctx.status = RunPull(ctx, pull_opts->first, pull_opts->second);
  });

  struct RestoreOptions {
    std::string url, dir;
    std::optional<int64_t> as_of;
    RemoteSpec where;
    bool follow = false;
  };
  auto restore = std::make_shared<RestoreOptions>();
  CLI::App* restore_cmd =
      app.add_subcommand("restore", "Make a new pond in an empty folder from a remote");
  restore_cmd->add_option("url", restore->url, "the remote's URL")->required();
  restore_cmd->add_option("dir", restore->dir, "the new pond's folder (empty or missing)")
      ->required();
  restore_cmd->add_option("--as-of", restore->as_of, "restore transaction N, not the latest")
      ->check(WholeNumberAtLeast(1));
  restore_cmd->add_flag("--follow", restore->follow,
                        "make a follower: read-only here, brought up to date by pond pull");
  where(restore_cmd, restore->where);
  restore_cmd->callback([&ctx, restore] {
    ctx.ran = true;
    ctx.status = RunRestore(ctx, restore->url, restore->dir, restore->as_of, restore->where,
                            restore->follow);
  });

  struct VerifyOptions {
    std::string remote;
    bool deep = false;
    RemoteSpec where;
  };
  auto verify = std::make_shared<VerifyOptions>();
  CLI::App* verify_cmd = app.add_subcommand(
      "verify", "Check a remote: contiguous commits, every file present with its size");
  verify_cmd->add_option("remote", verify->remote, "a remote's name or URL");
  verify_cmd->add_flag("--deep", verify->deep, "also check every blob's SHA-256");
  where(verify_cmd, verify->where);
  verify_cmd->callback([&ctx, verify] {
    ctx.ran = true;
    ctx.status = RunVerify(ctx, verify->remote, verify->deep, verify->where);
  });
}

}  // namespace pond
