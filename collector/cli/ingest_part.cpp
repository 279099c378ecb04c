#include "collector/cli/ingest_part.h"

#include <algorithm>

namespace uplinkprobe::collector {

IngestServiceOptions ingestOptions(const config::Config& c, const SchoolHours& school_hours) {
  IngestServiceOptions o;
  const config::MqttConfig& m = c.mqtt;
  o.client.uri = m.uri;
  o.client.client_id = m.client_id;
  o.client.topic_filter = mqtt::subscriptionFilter(m.topic_prefix, m.shared_group);
  o.client.username = m.username;
  o.client.password_file = m.password_file;
  o.client.ca_file = m.ca_file;
  o.client.cert_file = m.cert_file;
  o.client.key_file = m.key_file;
  o.client.keep_alive_s = static_cast<std::uint16_t>(std::clamp(m.keepalive_s, 0, 65535));
  const auto payload = static_cast<std::uint32_t>(std::max(m.max_payload_bytes, 1024));
  o.client.maximum_packet_size = std::max<std::uint32_t>(1024 * 1024, 2 * payload + 65536);
  o.ingest.topic_prefix = m.topic_prefix;
  o.ingest.limits.max_payload_bytes = payload;
  o.store.school_hours = school_hours;
  return o;
}

Status IngestPart::start() {
  auto db = ctx_.open_database();
  if (!db)
    return makeError(ErrorKind::kDb, "ingest: cannot open the database: " + db.error().message);
  auto listeners = ctx_.committed_listeners;  // fixed from here on
  service_ =
      std::make_unique<IngestService>(*ctx_.io, ingestOptions(*ctx_.config, ctx_.school_hours),
                                      std::move(*db), embeddedSchemaCheck());
  if (!listeners.empty()) {
    service_->setCommittedHandler([listeners](const std::vector<ValidRecord>& records) {
      for (const auto& l : listeners) l(records);
    });
  }
  ctx_.ingest_metrics = &service_->metrics();
  ctx_.mqtt_stats = &service_->clientStats();
  service_->start();
  return Status::Ok();
}

void IngestPart::stop() {
  if (service_) service_->stop();
}

}  // namespace uplinkprobe::collector
