#include "collector/ingest/ingest_service.h"

#include <spdlog/spdlog.h>

namespace uplinkprobe::collector {

IngestService::IngestService(asio::io_context& io, IngestServiceOptions options,
                             std::unique_ptr<db::Database> db, SchemaCheck schema)
    : db_(std::move(db)) {
  store_ = std::make_unique<RecordStore>(*db_, options.store);
  mqtt::MqttClient::Handlers h;
  // The client and the ingestor call each other; both live exactly as long as this object,
  // and both only on the io thread (the ingestor's worker posts there).
  h.on_message = [this](mqtt::InboundMessage m) { ingestor_->onMessage(std::move(m)); };
  h.on_connection_lost = [this](std::uint64_t c) { ingestor_->onConnectionLost(c); };
  client_ = std::make_unique<mqtt::MqttClient>(io, std::move(options.client), std::move(h));
  RecordStore* store = store_.get();
  ingestor_ = std::make_unique<Ingestor>(
      io, std::move(options.ingest), std::move(schema),
      [store](const std::vector<ValidRecord>& v, const std::vector<Rejection>& r) {
        return store->commitBatch(v, r);
      },
      [this](std::uint64_t c, std::uint16_t id) { client_->ack(c, id); }, metrics_);
  ingestor_->setStoreFailureHandler([this] {
    // The broker keeps the un-acked messages; reconnecting (with back-off) redelivers them.
    client_->reconnectNow("the database refused a batch");
  });
}

IngestService::~IngestService() {
  // The worker thread must stop before the store and the client go away.
  ingestor_.reset();
  client_.reset();
}

void IngestService::setCommittedHandler(std::function<void(const std::vector<ValidRecord>&)> f) {
  ingestor_->setCommittedHandler(std::move(f));
}

void IngestService::start() {
  started_ = true;
  spdlog::info("ingest: subscribing to {} at {} as {}", client_->options().topic_filter,
               client_->options().uri, client_->options().client_id);
  client_->start();
}

void IngestService::stop() {
  if (!started_) return;
  started_ = false;
  ingestor_->drainNow(kStopDeadline);
  client_->stop();
}

}  // namespace uplinkprobe::collector
