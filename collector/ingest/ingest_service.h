// IngestService: the ingest part of `uplinkprobe-collector run` — MqttClient (persistent
// session, our own PUBACK timing) → Ingestor (validate, batch) → RecordStore on a database
// connection of its own, used only by the Ingestor's worker thread.
//
// Guarantees are the Ingestor's and the MqttClient's (see their headers): a message is
// acknowledged only after its batch was committed; a database that keeps failing makes the
// service drop the MQTT connection (the broker keeps the messages) and reconnect with
// back-off. stop() commits what is queued (bounded by kStopDeadline), sends the ready acks and
// a normal DISCONNECT (the session stays on the broker); anything not committed by then is
// delivered again at the next start and counted as a duplicate if it was in fact stored.
//
// Threading: start(), stop() and the accessors of the client run on the io_context thread;
// metrics() and clientStats() may be read from any thread (atomics).
#pragma once

#include <asio.hpp>
#include <chrono>
#include <functional>
#include <memory>

#include "collector/db/database.h"
#include "collector/ingest/ingestor.h"
#include "collector/ingest/mqtt_client.h"
#include "collector/store/record_store.h"

namespace uplinkprobe::collector {

struct IngestServiceOptions {
  mqtt::ClientOptions client;  // topic_filter from subscriptionFilter(prefix, shared_group)
  IngestOptions ingest;
  StoreOptions store;
};

class IngestService {
 public:
  static constexpr std::chrono::seconds kStopDeadline{5};

  // `db`: a migrated connection for the worker thread alone. `schema`: normally
  // embeddedSchemaCheck().
  IngestService(asio::io_context& io, IngestServiceOptions options,
                std::unique_ptr<db::Database> db, SchemaCheck schema);
  ~IngestService();

  // Before start(): committed batches go here too (worker thread), e.g. notifications.
  void setCommittedHandler(std::function<void(const std::vector<ValidRecord>&)> f);
  void start();
  void stop();

  const IngestMetrics& metrics() const { return metrics_; }
  const mqtt::ClientStats& clientStats() const { return client_->stats(); }

 private:
  IngestMetrics metrics_;
  std::unique_ptr<db::Database> db_;
  std::unique_ptr<RecordStore> store_;
  std::unique_ptr<mqtt::MqttClient> client_;
  std::unique_ptr<Ingestor> ingestor_;
  bool started_ = false;
};

}  // namespace uplinkprobe::collector
