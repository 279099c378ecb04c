// uplinkprobe-server: parse the command line, bind, serve. The routes are in up_server, the
// HTTP core in up_http.
#include <chrono>
#include <csignal>
#include <cstdio>
#include <exception>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "common/version.h"
#include "http/server.h"
#include "server/router.h"
#include "server/server_options.h"
#include "server/udpst_server.h"

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
    // OB-UDPST on its own thread and io_context: its 1 ms pacing never waits behind HTTP.
    asio::io_context udpst_io;
    std::unique_ptr<UdpstServer> udpst;
    std::optional<std::string> udpst_bound;
    if (cmd->options.udpst_listen) {
      UdpstServerConfig uc;
      uc.host = cmd->options.udpst_listen->host;
      uc.port = cmd->options.udpst_listen->port;
      if (!cmd->options.udpst_no_auth) {
        auto keys = uplinkprobe::udpst::KeyTable::load(cmd->options.udpst_key_file);
        if (!keys) {
          std::fprintf(stderr, "uplinkprobe-server: %s\n", keys.error().message.c_str());
          return 64;
        }
        uc.keys = std::move(*keys);
      }
      uc.max_mbps = cmd->options.udpst_max_mbps;
      uc.total_mbps = cmd->options.udpst_total_mbps;
      uc.max_seconds = cmd->options.udpst_max_seconds;
      uc.max_tests = cmd->options.udpst_max_tests;
      uc.max_tests_per_address = cmd->options.udpst_max_tests_per_address;
      udpst = std::make_unique<UdpstServer>(udpst_io, std::move(uc),
                                            uplinkprobe::SystemClock::instance());
      auto ub = udpst->bind();
      if (!ub) {
        std::fprintf(stderr, "uplinkprobe-server: %s\n", ub.error().message.c_str());
        return 2;
      }
      udpst_bound = *ub;
      udpst->start();
    }
    // Tests and scripts read the bound ports from these lines (port 0 = ephemeral).
    for (const auto& addr : *bound) std::printf("listening %s\n", addr.c_str());
    if (udpst_bound) std::printf("udpst listening %s\n", udpst_bound->c_str());
    std::fflush(stdout);
    // The udpst counters go to the log every minute they changed (refusals and replays are
    // what an operator looks for when a key leaked or someone probes the port) and at stop.
    asio::steady_timer counters_timer(udpst_io);
    std::string counters_said;
    std::function<void()> sayCounters = [&] {
      counters_timer.expires_after(std::chrono::minutes(1));
      counters_timer.async_wait([&](const asio::error_code& ec) {
        if (ec) return;
        std::string line = countersLine(udpst->counters());
        if (line != counters_said) {
          std::printf("%s\n", line.c_str());
          std::fflush(stdout);
          counters_said = std::move(line);
        }
        sayCounters();
      });
    };
    std::thread udpst_thread;
    if (udpst) {
      sayCounters();
      udpst_thread = std::thread([&udpst_io] { udpst_io.run(); });
    }
    auto st = server.run();
    if (udpst) {
      udpst_io.stop();
      udpst_thread.join();
      udpst->stop();  // the io_context no longer runs: closes the sockets from this thread
      std::printf("%s\n", countersLine(udpst->counters()).c_str());
      std::fflush(stdout);
    }
    if (!st) {
      std::fprintf(stderr, "uplinkprobe-server: %s\n", st.error().message.c_str());
      return 2;
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "uplinkprobe-server: fatal: %s\n", e.what());
    return 2;
  }
  return 0;
}
