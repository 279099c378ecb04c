// ServerOptions: the command line of uplinkprobe-server, parsed without side effects.
//
// Every tunable is bounded (a typo cannot ask for 10^9 connections) and has a safe default.
// Usage errors come back as Error{kind "usage"}; main prints them and exits 64.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/result.h"

namespace uplinkprobe::server {

struct ListenAddress {
  std::string host;  // numeric IPv4 or IPv6 literal (no brackets)
  std::uint16_t port = 0;
  std::string text() const;  // "127.0.0.1:8080" / "[::1]:8080"
};

// "127.0.0.1:8080", "[::1]:8080", "0.0.0.0:0". Host names are refused: a server binds to
// addresses, and resolving at start-up would make the bound address depend on DNS.
Result<ListenAddress> parseListenAddress(std::string_view text);

struct ServerOptions {
  std::vector<ListenAddress> listen;  // default: 127.0.0.1:8080
  int max_connections = 1024;
  int header_timeout_s = 10;  // whole request head must arrive within this (slowloris)
  int idle_timeout_s = 60;    // keep-alive connection with no request in progress
  int stall_timeout_s = 30;   // body read or response write making no progress
  int max_requests_per_connection = 10000;
  int max_upload_mb = 1024;  // MiB per request body
  int threads = 0;           // 0 = number of cores
  bool trust_forwarded_for = false;
};

struct ServerCommand {
  enum class Action { kRun, kHelp, kVersion };
  Action action = Action::kRun;
  ServerOptions options;
};

Result<ServerCommand> parseServerCommand(int argc, const char* const* argv);

std::string serverUsage();

}  // namespace uplinkprobe::server
