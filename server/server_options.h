// ServerOptions: the command line of uplinkprobe-server, parsed without side effects.
//
// Every tunable is bounded (a typo cannot ask for 10^9 connections) and has a safe default.
// Usage errors come back as Error{kind "usage"}; main prints them and exits 64.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "http/listen_address.h"
#include "http/server.h"

namespace uplinkprobe::server {

using http::ListenAddress;

struct ServerOptions {
  std::vector<ListenAddress> listen;  // default: 127.0.0.1:8080
  int max_connections = 1024;
  // One client address (IPv6: one /64). 64 holds four agents' 16-stream tests at once behind
  // one NAT, and keeps 1024 - 64 slots for everybody else.
  int max_connections_per_address = 64;
  int header_timeout_s = 10;  // whole request head must arrive within this (slowloris)
  int idle_timeout_s = 60;    // keep-alive connection with no request in progress
  int stall_timeout_s = 30;   // body read or response write making no progress
  int max_requests_per_connection = 10000;
  int max_upload_mb = 1024;  // MiB per request body
  int threads = 0;           // 0 = usable cores, at most http::kMaxDefaultThreads
  // Reverse proxies whose X-Forwarded-For getIP believes (canonical IP literals).
  std::vector<std::string> trusted_proxies;
  std::vector<std::string> cors_origins;  // --cors-origin; empty = any ("*")
  int client_budget_mb = 0;               // MiB per client per window; 0 = no budget
  int client_budget_window_s = 3600;
  std::string access_log;  // --access-log FILE; empty = none
  int access_log_max_mb = 100;
  // OB-UDPST (TR-471) server, off unless --udpst-listen is given.
  std::optional<ListenAddress> udpst_listen;
  std::string udpst_key_file;  // required unless udpst_no_auth
  bool udpst_no_auth = false;
  int udpst_max_mbps = 1000;
  int udpst_total_mbps = 10000;
  int udpst_max_seconds = 30;
  int udpst_max_tests = 16;
  int udpst_max_tests_per_address = 2;
};

struct ServerCommand {
  enum class Action { kRun, kHelp, kVersion };
  Action action = Action::kRun;
  ServerOptions options;
};

Result<ServerCommand> parseServerCommand(int argc, const char* const* argv);

std::string serverUsage();

// The HTTP core's configuration for these options (signals handled: the server is the whole
// program).
http::ServerConfig httpConfig(const ServerOptions& options);

}  // namespace uplinkprobe::server
