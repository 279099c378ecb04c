// uplinkprobe-server: parse the command line, bind, serve. The routes are in up_server, the
// HTTP core in up_http.
#include <csignal>
#include <cstdio>
#include <exception>
#include <memory>

#include "common/version.h"
#include "http/server.h"
#include "server/router.h"
#include "server/server_options.h"

int main(int argc, char** argv) {
  using namespace uplinkprobe::server;
  auto cmd = parseServerCommand(argc, argv);
  if (!cmd) {
    std::fprintf(stderr, "uplinkprobe-server: %s\n", cmd.error().message.c_str());
    return 64;
  }
  if (cmd->action == ServerCommand::Action::kHelp) {
    std::fputs(serverUsage().c_str(), stdout);
    return 0;
  }
  if (cmd->action == ServerCommand::Action::kVersion) {
    std::printf("uplinkprobe-server %s\n", uplinkprobe::kAgentVersion);
    return 0;
  }
  std::signal(SIGPIPE, SIG_IGN);
  try {
    std::unique_ptr<AccessLog> access_log;
    if (!cmd->options.access_log.empty()) {
      auto opened =
          AccessLog::open(cmd->options.access_log,
                          static_cast<std::uint64_t>(cmd->options.access_log_max_mb) * 1024 * 1024);
      if (!opened) {
        std::fprintf(stderr, "uplinkprobe-server: %s\n", opened.error().message.c_str());
        return 2;
      }
      access_log = std::move(*opened);
    }
    SpeedTestOptions handler_options;
    handler_options.trusted_proxies = cmd->options.trusted_proxies;
    handler_options.cors_origins = cmd->options.cors_origins;
    handler_options.budget_bytes =
        static_cast<std::uint64_t>(cmd->options.client_budget_mb) * 1024 * 1024;
    handler_options.budget_window = std::chrono::seconds(cmd->options.client_budget_window_s);
    handler_options.access_log = access_log.get();
    SpeedTestHandler handler(std::move(handler_options));
    uplinkprobe::http::Server server(httpConfig(cmd->options), handler);
    auto bound = server.bind();
    if (!bound) {
      std::fprintf(stderr, "uplinkprobe-server: %s\n", bound.error().message.c_str());
      return 2;
    }
    // Tests and scripts read the bound ports from these lines (port 0 = ephemeral).
    for (const auto& addr : *bound) std::printf("listening %s\n", addr.c_str());
    std::fflush(stdout);
    if (auto st = server.run(); !st) {
      std::fprintf(stderr, "uplinkprobe-server: %s\n", st.error().message.c_str());
      return 2;
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "uplinkprobe-server: fatal: %s\n", e.what());
    return 2;
  }
  return 0;
}
