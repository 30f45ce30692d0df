// The remotes a pond names (nodes under /system/remotes/), shared by the
// remote commands and by every write command (for --push-after-commit).
#pragma once

#include <string>
#include <vector>

#include "cmd/context.h"
#include "tinyfs/fs.h"
#include "tlogfs/pond.h"
#include "util/status.h"

namespace pond {

inline constexpr const char* kRemotesDir = "/system/remotes";

struct RemoteSpec {
  std::string name;  // empty for a URL given on the command line
  std::string url;
  std::string endpoint;
  std::string region;
  bool push_after_commit = false;
  // References to where the credentials are, never the secrets: "${env:VAR}"
  // (empty: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN).
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;
};

// Every remote the pond names, by name.
Result<std::vector<RemoteSpec>> ListRemotes(tinyfs::FS& fs);

// Pushes the pond to `remote` and prints what was sent to `ctx.out` (with a
// progress bar on a terminal).
Status PushTo(Context& ctx, tlogfs::Pond& pond, const RemoteSpec& remote);

// The marker of a follower pond: $POND/follows holds the URL it pulls from.
std::string FollowerMarker(const std::string& pond_dir);

}  // namespace pond
