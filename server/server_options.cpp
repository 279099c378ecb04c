#include "server/server_options.h"

#include "server/router.h"

#include <charconv>
#include <string_view>

namespace uplinkprobe::server {

namespace {

struct IntFlag {
  std::string_view name;
  int ServerOptions::*field;
  int min;
  int max;
};

constexpr IntFlag kIntFlags[] = {
    {"--max-connections", &ServerOptions::max_connections, 1, 100000},
    {"--max-connections-per-address", &ServerOptions::max_connections_per_address, 1, 100000},
    {"--header-timeout-s", &ServerOptions::header_timeout_s, 1, 3600},
    {"--idle-timeout-s", &ServerOptions::idle_timeout_s, 1, 86400},
    {"--stall-timeout-s", &ServerOptions::stall_timeout_s, 1, 3600},
    {"--max-requests-per-connection", &ServerOptions::max_requests_per_connection, 1, 10000000},
    {"--max-upload-mb", &ServerOptions::max_upload_mb, 1, 1048576},
    {"--threads", &ServerOptions::threads, 1, 256},
    {"--client-budget-mb", &ServerOptions::client_budget_mb, 0, 100000000},
    {"--client-budget-window-s", &ServerOptions::client_budget_window_s, 1, 86400 * 31},
    {"--access-log-max-mb", &ServerOptions::access_log_max_mb, 1, 100000},
    {"--udpst-max-mbps", &ServerOptions::udpst_max_mbps, 1, 32767},
    {"--udpst-total-mbps", &ServerOptions::udpst_total_mbps, 1, 1000000},
    {"--udpst-max-seconds", &ServerOptions::udpst_max_seconds, 5, 3600},
    {"--udpst-max-tests", &ServerOptions::udpst_max_tests, 1, 1000},
    {"--udpst-max-tests-per-address", &ServerOptions::udpst_max_tests_per_address, 1, 1000},
};

Error usage(std::string message) { return makeError(ErrorKind::kUsage, std::move(message)); }

bool parseInt(std::string_view s, long long& out) {
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}

}  // namespace

Result<ServerCommand> parseServerCommand(int argc, const char* const* argv) {
  ServerCommand cmd;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    std::string_view value;
    bool has_inline_value = false;
    if (arg.substr(0, 2) == "--") {
      std::size_t eq = arg.find('=');
      if (eq != std::string_view::npos) {
        value = arg.substr(eq + 1);
        arg = arg.substr(0, eq);
        has_inline_value = true;
      }
    }
    auto takeValue = [&]() -> bool {
      if (has_inline_value) return true;
      if (i + 1 >= argc) return false;
      value = argv[++i];
      return true;
    };

    if (arg == "--help" || arg == "-h") {
      cmd.action = ServerCommand::Action::kHelp;
      return cmd;
    }
    if (arg == "--version") {
      cmd.action = ServerCommand::Action::kVersion;
      return cmd;
    }
    if (arg == "--trust-forwarded-for") {
      // Before issue 15 this trusted the header from any peer. It now means what it was
      // documented for, a reverse proxy on this machine.
      if (has_inline_value) return usage("--trust-forwarded-for takes no value");
      for (const char* loopback : {"127.0.0.1", "::1"}) {
        cmd.options.trusted_proxies.emplace_back(loopback);
      }
      continue;
    }
    if (arg == "--cors-origin") {
      if (!takeValue()) return usage("--cors-origin needs an origin such as https://speed.example");
      // Echoed into a response header: an origin is scheme://host[:port], printable, no spaces.
      bool printable = !value.empty() && value.size() <= 200;
      for (char c : value) printable = printable && c > 0x20 && c < 0x7f;
      if (!printable || (value != "null" && value.find("://") == std::string_view::npos) ||
          value.back() == '/') {
        return usage("--cors-origin " + std::string(value) +
                     ": expected scheme://host[:port] (no path, no trailing slash)");
      }
      cmd.options.cors_origins.emplace_back(value);
      continue;
    }
    if (arg == "--access-log") {
      if (!takeValue() || value.empty()) return usage("--access-log needs a file name");
      cmd.options.access_log = std::string(value);
      continue;
    }
    if (arg == "--trusted-proxy") {
      if (!takeValue()) return usage("--trusted-proxy needs an IP address");
      auto ip = canonicalIp(value);
      if (!ip) {
        return usage("--trusted-proxy " + std::string(value) +
                     ": not an IPv4 or IPv6 address (names and ranges are not accepted)");
      }
      cmd.options.trusted_proxies.push_back(std::move(*ip));
      continue;
    }
    if (arg == "--udpst-listen") {
      if (!takeValue()) return usage("--udpst-listen needs ADDR:PORT (udpst's port is 24601)");
      auto addr = http::parseListenAddress(value);
      if (!addr) return usage("--udpst-listen " + addr.error().message);
      cmd.options.udpst_listen = std::move(addr.value());
      continue;
    }
    if (arg == "--udpst-key-file") {
      if (!takeValue() || value.empty()) return usage("--udpst-key-file needs a file name");
      cmd.options.udpst_key_file = std::string(value);
      continue;
    }
    if (arg == "--udpst-no-auth") {
      if (has_inline_value) return usage("--udpst-no-auth takes no value");
      cmd.options.udpst_no_auth = true;
      continue;
    }
    if (arg == "--listen") {
      if (!takeValue()) return usage("--listen needs ADDR:PORT");
      auto addr = http::parseListenAddress(value);
      if (!addr) return usage("--listen " + addr.error().message);
      cmd.options.listen.push_back(std::move(addr.value()));
      continue;
    }
    bool matched = false;
    for (const auto& f : kIntFlags) {
      if (arg != f.name) continue;
      matched = true;
      if (!takeValue()) return usage(std::string(f.name) + " needs a number");
      long long n = 0;
      if (!parseInt(value, n) || n < f.min || n > f.max) {
        return usage(std::string(f.name) + " " + std::string(value) + ": expected an integer in " +
                     std::to_string(f.min) + ".." + std::to_string(f.max));
      }
      cmd.options.*(f.field) = static_cast<int>(n);
    }
    if (!matched) {
      return usage("unknown argument '" + std::string(argv[i]) + "' (see --help)");
    }
  }
  if (cmd.options.listen.empty()) {
    cmd.options.listen.push_back(ListenAddress{"127.0.0.1", 8080});
  }
  if (cmd.options.udpst_listen) {
    if (cmd.options.udpst_key_file.empty() && !cmd.options.udpst_no_auth) {
      return usage(
          "--udpst-listen needs --udpst-key-file FILE (a UDP load server without a key is an "
          "open traffic source; --udpst-no-auth only for closed labs)");
    }
    if (!cmd.options.udpst_key_file.empty() && cmd.options.udpst_no_auth) {
      return usage("--udpst-key-file and --udpst-no-auth exclude each other");
    }
  } else if (!cmd.options.udpst_key_file.empty() || cmd.options.udpst_no_auth) {
    return usage("--udpst-key-file and --udpst-no-auth need --udpst-listen");
  }
  return cmd;
}

std::string serverUsage() {
  // Every line fits 80 columns (tests/integration/cli/output_width_test.cpp).
  return R"(Usage: uplinkprobe-server [--listen ADDR:PORT]... [options]

LibreSpeed-compatible throughput test endpoint (HTTP/1.1):
  GET  /garbage[.php], /backend/garbage.php?ckSize=N
       N MiB of random bytes (default 4, max 1024)
  POST /empty[.php], /backend/empty.php    body discarded, empty 200
  GET  /getIP[.php], /backend/getIP.php
       {"processedString":"<ip>","rawIspInfo":""}
  GET  /healthz                            "ok"

Options:
  --listen ADDR:PORT       address to serve (repeatable; IPv6 as [::1]:8080;
                           port 0 picks a free port). Default 127.0.0.1:8080.
                           Each bound address is printed as
                           "listening ADDR:PORT".
  --max-connections N      concurrent connections; more get 503 (default 1024)
  --max-connections-per-address N
                           concurrent connections from one client address
                           (IPv6: one /64); more get 503 (default 64)
  --header-timeout-s S     a request head must arrive within S s (default 10)
  --idle-timeout-s S       close keep-alive connections idle for S s
                           (default 60)
  --stall-timeout-s S      close when a body read or a response write makes no
                           progress for S s (default 30)
  --max-requests-per-connection N
                           then close the connection (default 10000)
  --max-upload-mb N        largest request body in MiB; larger gets 413
                           (default 1024)
  --threads N              worker threads (default: usable cores, at most 16)
  --trusted-proxy ADDR     a reverse proxy you run (repeatable): for requests
                           from ADDR, getIP reports the right-most
                           X-Forwarded-For entry (the one ADDR added), else
                           X-Real-IP; other peers' headers are ignored
  --trust-forwarded-for    the same as --trusted-proxy 127.0.0.1
                           --trusted-proxy ::1
  --udpst-listen ADDR:PORT also serve OB-UDPST (BBF TR-471 UDP IP capacity,
                           protocol 20, as udpst 9.0.0) on this UDP port;
                           prints "udpst listening ADDR:PORT"
  --udpst-key-file FILE    keys as udpst's -K file ("<id>,<key>" per line);
                           required with --udpst-listen
  --udpst-no-auth          serve without keys (closed labs only)
  --udpst-max-mbps N       largest bandwidth one test may ask (default 1000)
  --udpst-total-mbps N     all running tests together (default 10000)
  --udpst-max-seconds S    longest test (default 30)
  --udpst-max-tests N      tests at once (default 16)
  --udpst-max-tests-per-address N
                           tests at once from one address or /64 (default 2)
  --help, --version

Exit status: 0 after SIGINT/SIGTERM, 2 if an address cannot be bound or a
worker thread cannot be started, 64 on bad usage.
)";
}

http::ServerConfig httpConfig(const ServerOptions& options) {
  http::ServerConfig c;
  c.listen = options.listen;
  c.max_connections = options.max_connections;
  c.max_connections_per_address = options.max_connections_per_address;
  c.threads = options.threads;
  c.limits.header_timeout = std::chrono::seconds(options.header_timeout_s);
  c.limits.idle_timeout = std::chrono::seconds(options.idle_timeout_s);
  c.limits.stall_timeout = std::chrono::seconds(options.stall_timeout_s);
  c.limits.max_requests = options.max_requests_per_connection;
  c.limits.max_upload_bytes = static_cast<std::uint64_t>(options.max_upload_mb) * 1024 * 1024;
  c.handle_signals = true;
  return c;
}

}  // namespace uplinkprobe::server
