// ApiServer: the collector's HTTP API on its own threads, started and stopped by the daemon.
//
// Access: there is no authentication until the web UI issue brings roles. So the server
// refuses to bind anything but loopback unless the operator set [http] allow_remote = true,
// and then logs a warning at start (and /metrics carries
// uplinkprobe_collector_http_unauthenticated_remote 1) so the exposure is never silent.
//
// Lifecycle: start() binds (errors are returned: a taken port is a start-up failure, exit 2)
// and serves on a background thread; stop() (idempotent, any thread) ends it and joins. The
// handler and the data it reads must outlive the ApiServer.
#pragma once

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "collector/api/metrics_text.h"
#include "common/result.h"
#include "http/handler.h"
#include "http/listen_address.h"
#include "http/server.h"

namespace uplinkprobe::collector::api {

struct ApiServerOptions {
  std::vector<http::ListenAddress> listen;  // default 127.0.0.1:8088
  bool allow_remote = false;                // [http] allow_remote
  // The handler in front requires a login or token for the API (the web UI's WebHandler with
  // [http] open_api = false). Beyond loopback still needs allow_remote (the collector speaks
  // plain HTTP: passwords and session cookies would cross the network in clear), but the
  // warning and the unauthenticated gauge say what is really exposed.
  bool access_control = false;
  int threads = 2;  // the API is small; database reads serialise anyway
  int max_connections = 256;
};

// Error{kind "config"} when a listen address is not loopback and allow_remote is false; the
// message names the address and the key that allows it.
Status checkListenPolicy(const ApiServerOptions& options);

class ApiServer {
 public:
  ApiServer(ApiServerOptions options, const http::Handler& handler);
  ~ApiServer();
  ApiServer(const ApiServer&) = delete;
  ApiServer& operator=(const ApiServer&) = delete;

  // Returns the bound addresses ("127.0.0.1:41234" when port 0 was asked).
  Result<std::vector<std::string>> start();
  void stop();

  // uplinkprobe_collector_http_unauthenticated_remote: 1 when listening beyond loopback.
  void writeMetrics(MetricsText& out) const;

 private:
  ApiServerOptions options_;
  std::unique_ptr<http::Server> server_;
  std::thread thread_;
};

}  // namespace uplinkprobe::collector::api
