#include "collector/api/api_server.h"

#include <spdlog/spdlog.h>

namespace uplinkprobe::collector::api {

Status checkListenPolicy(const ApiServerOptions& options) {
  for (const auto& a : options.listen) {
    if (!a.isLoopback() && !options.allow_remote) {
      return makeError(
          ErrorKind::kConfig,
          "[http] listen " + a.text() + " is reachable from other machines and " +
              (options.access_control
                   ? std::string("the collector speaks plain HTTP (passwords and session cookies "
                                 "would cross the network in clear)")
                   : std::string("the API answers without login ([http] open_api = true)")) +
              "; listen on 127.0.0.1 (or ::1) behind a reverse proxy that terminates TLS "
              "(docs/collector-web.md), or set [http] allow_remote = true to accept the risk");
    }
  }
  return Status::Ok();
}

ApiServer::ApiServer(ApiServerOptions options, const http::Handler& handler)
    : options_(std::move(options)) {
  if (options_.listen.empty()) options_.listen.push_back({"127.0.0.1", 8088});
  http::ServerConfig config;
  config.listen = options_.listen;
  config.threads = options_.threads;
  config.max_connections = options_.max_connections;
  config.handle_signals = false;  // the daemon owns signals and calls stop()
  // The API answers small requests and never reads bodies.
  config.limits.max_upload_bytes = 0;
  config.limits.idle_timeout = std::chrono::seconds(30);
  server_ = std::make_unique<http::Server>(std::move(config), handler);
}

ApiServer::~ApiServer() { stop(); }

Result<std::vector<std::string>> ApiServer::start() {
  if (auto st = checkListenPolicy(options_); !st) return st.error();
  auto bound = server_->bind();
  if (!bound) return bound.error();
  for (const auto& a : options_.listen) {
    if (!a.isLoopback() && options_.access_control) {
      spdlog::warn(
          "http: listening on {} over plain HTTP ([http] allow_remote = true): passwords and "
          "session cookies cross the network unencrypted; put a TLS proxy in front",
          a.text());
    } else if (!a.isLoopback()) {
      spdlog::warn(
          "http: listening on {} without access control ([http] allow_remote = true): anyone "
          "who reaches this address reads the ledger and every school's records",
          a.text());
    }
  }
  thread_ = std::thread([this] {
    if (auto st = server_->run(); !st) spdlog::error("http: {}", st.error().message);
  });
  return bound;
}

void ApiServer::writeMetrics(MetricsText& out) const {
  bool remote = false;
  for (const auto& a : options_.listen) remote = remote || !a.isLoopback();
  out.gauge("uplinkprobe_collector_http_unauthenticated_remote",
            "1 when the API listens beyond loopback without access control ([http] open_api "
            "with allow_remote).",
            remote && !options_.access_control ? 1 : 0);
}

void ApiServer::stop() {
  if (server_) server_->stop();
  if (thread_.joinable()) thread_.join();
}

}  // namespace uplinkprobe::collector::api
