// The collector service's parts (ingest, HTTP API, notifications, …) plug into `run` here.
//
// `run` loads and validates the config, opens and migrates the database, builds the
// ServiceContext, asks makeServiceParts() for the parts, start()s them in order, sends
// READY=1, and runs the io_context on the main thread until SIGTERM/SIGINT. SIGHUP re-reads
// the config: a bad file is logged and the old config kept; a good one is handed to every
// part's reload(). On stop, parts are stop()ped in reverse order, then STOPPING=1.
//
// Threading: start(), reload() and stop() are called on the main (io_context) thread. A part
// may run its own threads; `db` and `store` belong to the io_context thread — a part that
// reads from another thread opens its own connection with open_database().
#pragma once

#include <asio.hpp>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "collector/api/metrics_text.h"
#include "collector/config/config.h"
#include "collector/db/database.h"
#include "collector/ingest/ingest_metrics.h"
#include "collector/ingest/mqtt_client.h"
#include "collector/store/local_time.h"
#include "collector/store/record_store.h"
#include "common/result.h"

namespace uplinkprobe::collector {

struct ServiceContext {
  const config::Config* config = nullptr;  // the current config (replaced on reload)
  asio::io_context* io = nullptr;
  db::Database* db = nullptr;  // the writer connection (io_context thread only)
  RecordStore* store = nullptr;
  SchoolHours school_hours;
  // A new connection to the same database (for a part's own thread).
  std::function<Result<std::unique_ptr<db::Database>>()> open_database;

  // Ingest → other parts. The ingest part sets the two pointers in its start() (parts that
  // start after it may read them; they live until the parts are destroyed). Parts append
  // listeners in their constructors (before any part starts); ingest calls each with every
  // committed batch on its worker thread (duplicates included): keep them short, no I/O.
  const IngestMetrics* ingest_metrics = nullptr;
  const mqtt::ClientStats* mqtt_stats = nullptr;
  std::vector<std::function<void(const std::vector<ValidRecord>&)>> committed_listeners;
  // /metrics families of the parts other than ingest (notifications), appended in their
  // start(); the API part starts last and copies the list (called from the API's threads:
  // thread-safe and cheap).
  std::vector<std::function<void(api::MetricsText&)>> metrics;
};

class ServicePart {
 public:
  virtual ~ServicePart() = default;
  virtual std::string name() const = 0;
  virtual Status start() = 0;
  virtual void reload(const config::Config& config) {}
  virtual void stop() = 0;
};

// The parts of `run`, in start order (collector/cli/service_parts.cpp: each part's owner adds
// its line there).
std::vector<std::unique_ptr<ServicePart>> makeServiceParts(ServiceContext& context);

}  // namespace uplinkprobe::collector
