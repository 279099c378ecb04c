// Test support: run a real binary as a child process with stdout/stderr captured to files,
// signal it, and wait for it with a bound. Every wait is bounded so no test can hang.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <functional>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace uplinkprobe::testing {

inline std::string readFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

inline void writeFile(const std::string& path, const std::string& text) {
  std::ofstream(path) << text;
}

// Polls `pred` every 50 ms until it holds or `timeout` passes.
inline bool waitFor(const std::function<bool()>& pred, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return pred();
}

class ChildProcess {
 public:
  // `in_path`: a file for the child's standard input ("" = inherit).
  ChildProcess(std::vector<std::string> argv, std::string out_path, std::string err_path,
               const std::string& in_path = "")
      : out_path_(std::move(out_path)), err_path_(std::move(err_path)) {
    pid_ = fork();
    if (pid_ == 0) {
      if (!in_path.empty()) {
        int in = open(in_path.c_str(), O_RDONLY);
        if (in < 0) _exit(126);
        dup2(in, 0);
      }
      int out = open(out_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
      int err = open(err_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
      dup2(out, 1);
      dup2(err, 2);
      std::vector<char*> args;
      for (auto& a : argv) args.push_back(a.data());
      args.push_back(nullptr);
      execv(args[0], args.data());
      _exit(127);
    }
  }
  ~ChildProcess() {
    if (running()) {
      kill(pid_, SIGKILL);
      wait(std::chrono::seconds(5));
    }
  }
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  bool running() {
    if (exit_code_) return false;
    int status = 0;
    pid_t r = waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      return false;
    }
    return r == 0;
  }
  void signal(int sig) { kill(pid_, sig); }
  // Exit code, or nullopt if still running after `timeout`.
  std::optional<int> wait(std::chrono::milliseconds timeout) {
    waitFor([this] { return !running(); }, timeout);
    return exit_code_;
  }
  std::string out() const { return readFile(out_path_); }
  std::string err() const { return readFile(err_path_); }

 private:
  pid_t pid_ = -1;
  std::string out_path_, err_path_;
  std::optional<int> exit_code_;
};

// Runs to completion (bounded) and returns {exit code, stdout}.
inline std::pair<int, std::string> runToEnd(
    const std::vector<std::string>& argv, const std::string& scratch_prefix,
    std::chrono::seconds timeout = std::chrono::seconds(30)) {
  const std::string out = scratch_prefix + ".out", err = scratch_prefix + ".err";
  unlink(out.c_str());
  unlink(err.c_str());
  ChildProcess p(argv, out, err);
  auto code = p.wait(timeout);
  if (!code) {
    p.signal(SIGKILL);
    p.wait(std::chrono::seconds(5));
  }
  return {code.value_or(-1), p.out()};
}

}  // namespace uplinkprobe::testing
