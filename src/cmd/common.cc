#include "cmd/common.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cmd/remotes.h"
#include "factory/evaluator.h"
#include "remote/cached_store.h"
#include "remote/replicate.h"
#include "util/duration.h"
#include "util/fd_read.h"
#include "util/text.h"
#include "util/time.h"

namespace pond {

Status UsageError(Context& ctx, std::string message) {
  ctx.usage_error = true;
  return Status::InvalidArgument(std::move(message));
}

Result<std::unique_ptr<tlogfs::Pond>> OpenPond(Context& ctx, bool allow_damage) {
  if (ctx.global.pond_dir.empty()) {
    return UsageError(ctx, "no pond given: use --pond DIR or set POND");
  }
  tlogfs::PondOptions options;
  options.as_of = ctx.global.as_of;
  options.allow_damage = allow_damage;
  if (const char* wait = std::getenv("POND_LOCK_TIMEOUT_MS")) {
    int64_t ms = 0;
    const char* end = wait + std::strlen(wait);
    auto [p, ec] = std::from_chars(wait, end, ms);
    if (ec != std::errc() || p != end || ms < 0 || ms > 86400000) {
      return UsageError(ctx, "POND_LOCK_TIMEOUT_MS must be a whole number of milliseconds, not '" +
                                 std::string(wait) + "'");
    }
    options.lock_timeout_ms = static_cast<int>(ms);
  }
  if (ctx.global.pond_dir.find("://") != std::string::npos) {
    // A pond read straight from a remote, through a local cache.
    const std::string& url = ctx.global.pond_dir;
    ASSIGN_OR_RETURN(auto store, remote::OpenRemoteStore(url, {}, /*create=*/false));
    const char* endpoint = std::getenv("AWS_ENDPOINT_URL_S3");
    if (!endpoint || !*endpoint) endpoint = std::getenv("AWS_ENDPOINT_URL");
    ASSIGN_OR_RETURN(std::string folder,
                     remote::RemoteCacheFolder(url + "\n" + (endpoint ? endpoint : "")));
    ASSIGN_OR_RETURN(auto cached, remote::NewCachedStore(std::move(store), folder));
    auto pond = tlogfs::Pond::OpenOn(std::move(cached), folder, options);
    if (pond.status().IsNotFound() &&
        pond.status().message().find("no pond in") != std::string::npos) {
      return Status::NotFound("there is no pond at " + EscapeControl(url));
    }
    return pond;
  }
  return tlogfs::Pond::Open(ctx.global.pond_dir, options);
}

std::unique_ptr<tinyfs::DynamicNodes> AttachFactories(tinyfs::FS& fs, tlogfs::Pond& pond) {
  return factory::Attach(fs, pond);
}

Status RunWrite(Context& ctx, const std::function<Status(tinyfs::FS&, tlogfs::Pond&)>& body) {
  if (ctx.global.as_of) {
    return UsageError(ctx,
                      "--as-of reads a past transaction; it cannot be used to change the pond");
  }
  // Damage is judged by Begin(), which refuses to write over any: opening
  // must not also warn about it.
  if (ctx.global.pond_dir.find("://") != std::string::npos) {
    return Status::InvalidArgument(
        "a pond read from a remote is read-only here (pond restore makes a copy to write to)");
  }
  ASSIGN_OR_RETURN(auto pond, OpenPond(ctx, /*allow_damage=*/true));
  if (std::ifstream follows(FollowerMarker(ctx.global.pond_dir)); follows) {
    std::stringstream text;
    text << follows.rdbuf();
    auto j = nlohmann::json::parse(text.str(), nullptr, false);
    std::string url = j.is_object() && j["url"].is_string() ? j["url"].get<std::string>() : "?";
    return Status::InvalidArgument(
        "this pond follows " + EscapeControl(url) +
        " and is read-only here (pond pull brings it up to date; removing " +
        FollowerMarker(ctx.global.pond_dir) + " makes it a pond of its own)");
  }
  RETURN_IF_ERROR(pond->Begin(ctx.command_line));
  tinyfs::FS fs(*pond);
  auto factories = AttachFactories(fs, *pond);
  Status st = body(fs, *pond);
  if (!st.ok()) {
    pond->Abort();
    return st;
  }
  RETURN_IF_ERROR(pond->Commit().status());
  // Remotes that want every commit get it now; a failed push warns and the
  // next push catches up: the command itself succeeded.
  auto remotes = ListRemotes(fs);
  if (!remotes.ok()) {
    *ctx.err << "pond: warning: no push after commit: " << remotes.status().message() << "\n";
    return Status::OK();
  }
  for (const RemoteSpec& r : *remotes) {
    if (!r.push_after_commit) continue;
    std::ostringstream quiet;
    Context push_ctx = ctx;
    push_ctx.out = &quiet;
    Status pushed = PushTo(push_ctx, *pond, r);
    if (!pushed.ok()) *ctx.err << "pond: warning: " << pushed.message() << "\n";
  }
  return Status::OK();
}

namespace {

// The host file `path` open for reading, or its error in one sentence.
Result<int> OpenHostFd(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd >= 0) return fd;
  if (errno == ENOENT) {
    return Status::NotFound("host file '" + EscapeControl(path) + "' does not exist");
  }
  return Status::IOError("cannot read host file '" + EscapeControl(path) +
                         "': " + std::strerror(errno));
}

}  // namespace

Status ReadHostFile(const std::string& path, const std::function<Status(std::string_view)>& sink) {
  ASSIGN_OR_RETURN(int fd, OpenHostFd(path));
  Status st =
      ReadPieces(fd, ThreadReadBuffer(), kReadPieceBytes, "host file '" + EscapeControl(path) + "'",
                 [&](std::string_view piece, bool&) { return sink(piece); });
  ::close(fd);
  return st;
}

Status LoadHostFile(const std::string& path, tinyfs::ContentWriter& writer,
                    const std::function<void(uint64_t)>& on_bytes) {
  ASSIGN_OR_RETURN(int fd, OpenHostFd(path));
  Status st =
      ReadPieces(fd, ThreadReadBuffer(), kReadPieceBytes, "host file '" + EscapeControl(path) + "'",
                 [&](std::string_view piece, bool& stop) -> Status {
                   on_bytes(piece.size());
                   RETURN_IF_ERROR(writer.Append(piece));
                   if (piece.size() < kReadPieceBytes) return Status::OK();
                   // A large file: the writer copies the rest from here
                   // (in the kernel, where its store can). Small files
                   // cost no extra system call. This piece is consumed,
                   // so the writer may reuse this thread's buffer.
                   stop = true;
                   Status copied = writer.AppendFile(fd, on_bytes);
                   if (copied.ok()) return copied;
                   return Status(copied.code(), "cannot copy host file '" + EscapeControl(path) +
                                                    "': " + copied.message());
                 });
  ::close(fd);
  return st;
}

Result<std::string> ReadHostText(const std::string& path) {
  std::string text;
  RETURN_IF_ERROR(ReadHostFile(path, [&](std::string_view chunk) {
    text.append(chunk);
    return Status::OK();
  }));
  return text;
}

CLI::Validator WholeNumberAtLeast(int64_t min) {
  return CLI::Validator(
      [min](std::string& text) -> std::string {
        int64_t v = 0;
        const char* end = text.data() + text.size();
        auto [p, ec] = std::from_chars(text.data(), end, v);
        if (ec == std::errc() && p == end && v >= min) return "";
        return "must be a whole number of " + std::to_string(min) + " or more, not '" + text + "'";
      },
      min == 0 ? "NONNEGATIVE" : "POSITIVE");
}

CLI::Validator TimeValidator() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        auto parsed = ParseMicrosUtc(text);
        return parsed.ok() ? "" : parsed.status().message();
      },
      "TIME");
}

CLI::Validator DurationValidator() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        auto parsed = ParseDurationMicros(text);
        return parsed.ok() ? "" : parsed.status().message();
      },
      "DURATION");
}

std::string ShortTime(int64_t micros) {
  std::string t = FormatMicrosUtc(micros);  // 2026-11-26T10:10:19.123456Z
  return t.substr(0, 10) + " " + t.substr(11, 8);
}

std::string JsonString(const std::string& text) {
  return nlohmann::json(text).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

void JsonLister::Add(const nlohmann::json& item) {
  std::string text = item.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  if (lines_) {
    out_ << text << '\n';
  } else {
    out_ << (first_ ? "[\n" : ",\n") << text;
  }
  first_ = false;
}

Status JsonLister::Finish() {
  if (!lines_) out_ << (first_ ? "[]\n" : "\n]\n");
  return out_ ? Status::OK() : Status::IOError("cannot write the output");
}

}  // namespace pond
