// Test support: run a CLI binary to completion with extra environment variables (LANG,
// LC_MESSAGES, TZ), stdout and stderr captured apart. Bounded: killed after `timeout`.
#pragma once

#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/child_process.h"

namespace uplinkprobe::testing {

struct CliResult {
  int code = -1;  // exit code; -1 when it had to be killed
  std::string out, err;
};

inline CliResult runCli(const std::vector<std::string>& argv,
                        const std::map<std::string, std::string>& env,
                        const std::string& scratch_prefix,
                        std::chrono::seconds timeout = std::chrono::seconds(60)) {
  const std::string out = scratch_prefix + ".out", err = scratch_prefix + ".err";
  unlink(out.c_str());
  unlink(err.c_str());
  CliResult r;
  const pid_t pid = fork();
  if (pid == 0) {
    const int o = open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int e = open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int in = open("/dev/null", O_RDONLY);
    dup2(in, 0);
    dup2(o, 1);
    dup2(e, 2);
    // A clean language environment: only what the test names.
    for (const char* v : {"LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"}) unsetenv(v);
    for (const auto& [k, v] : env) setenv(k.c_str(), v.c_str(), 1);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execv(args[0], args.data());
    _exit(127);
  }
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  int status = 0;
  for (;;) {
    const pid_t w = waitpid(pid, &status, WNOHANG);
    if (w == pid) {
      r.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      break;
    }
    if (std::chrono::steady_clock::now() > deadline) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  r.out = readFile(out);
  r.err = readFile(err);
  return r;
}

}  // namespace uplinkprobe::testing
