// A test server written for Node.js (tests/<dir>/*.js), started on 127.0.0.1
// for one test and stopped after it: the script prints "PORT <n>" when it
// listens and exits when its standard input closes.
#pragma once

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

namespace pond::testing {

class NodeServer {
 public:
  NodeServer(const std::string& script, const std::vector<std::string>& args) {
    int in[2], out[2];
    if (::pipe(in) != 0 || ::pipe(out) != 0) return;
    pid_ = ::fork();
    if (pid_ == 0) {
      ::dup2(in[0], 0);
      ::dup2(out[1], 1);
      ::close(in[1]);
      ::close(out[0]);
      std::string where = script.find('/') == std::string::npos ? "s3/" + script : script;
      std::vector<std::string> all = {"node", std::string(POND_SOURCE_DIR) + "/tests/" + where};
      all.insert(all.end(), args.begin(), args.end());
      std::vector<char*> argv;
      for (std::string& a : all) argv.push_back(a.data());
      argv.push_back(nullptr);
      ::setenv("NODE_NO_WARNINGS", "1", 1);
      ::execvp("node", argv.data());
      ::_exit(127);
    }
    ::close(in[0]);
    ::close(out[1]);
    stdin_ = in[1];
    FILE* f = ::fdopen(out[0], "r");
    char line[128];
    if (f && std::fgets(line, sizeof line, f) && std::sscanf(line, "PORT %d", &port_) == 1) {
      out_ = f;
    } else if (f) {
      std::fclose(f);
    }
  }
  ~NodeServer() {
    if (stdin_ >= 0) ::close(stdin_);
    if (pid_ > 0) {
      for (int i = 0; i < 100; ++i) {  // up to 5 s to stop by itself
        if (::waitpid(pid_, nullptr, WNOHANG) == pid_) {
          pid_ = -1;
          break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
      if (pid_ > 0) {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, nullptr, 0);
      }
    }
    if (out_) std::fclose(out_);
  }
  NodeServer(const NodeServer&) = delete;
  NodeServer& operator=(const NodeServer&) = delete;

  bool ok() const { return port_ > 0; }
  std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(port_); }

 private:
  pid_t pid_ = -1;
  int stdin_ = -1;
  FILE* out_ = nullptr;
  int port_ = 0;
};

}  // namespace pond::testing
