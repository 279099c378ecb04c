// `uplinkprobe-server --udpst-listen` on loopback (with its HTTP listener beside it) as the
// integration tests start it: the ports it bound, read from its "listening ADDR:PORT" and
// "udpst listening ADDR:PORT" lines (port 0 = ephemeral).
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include "tests/support/child_process.h"

namespace uplinkprobe::testing {

struct UdpstServer {
  std::unique_ptr<ChildProcess> process;
  std::string http_port, udp_port;
  std::string url() const { return "udpst://127.0.0.1:" + udp_port; }
};

// Starts it with `options` after the two listeners (a key file or --udpst-no-auth, caps) and
// waits at most 10 s for both ports. nullopt when it did not come up, with its stderr in *why.
inline std::optional<UdpstServer> startUdpstServer(const std::vector<std::string>& options,
                                                   const std::string& scratch_prefix,
                                                   std::string* why) {
  std::vector<std::string> argv{UPLINKPROBE_SERVER_BIN, "--listen", "127.0.0.1:0", "--udpst-listen",
                                "127.0.0.1:0"};
  argv.insert(argv.end(), options.begin(), options.end());
  UdpstServer s;
  s.process =
      std::make_unique<ChildProcess>(argv, scratch_prefix + ".out", scratch_prefix + ".err");
  std::smatch http, udp;
  std::string out;
  const bool up = waitFor(
      [&] {
        out = s.process->out();
        return std::regex_search(out, http, std::regex("(^|\n)listening 127\\.0\\.0\\.1:(\\d+)")) &&
               std::regex_search(out, udp, std::regex("udpst listening 127\\.0\\.0\\.1:(\\d+)"));
      },
      std::chrono::seconds(10));
  if (!up) {
    if (why) *why = s.process->err();
    return std::nullopt;
  }
  s.http_port = http[2];
  s.udp_port = udp[1];
  return s;
}

}  // namespace uplinkprobe::testing
