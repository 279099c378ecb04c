#include "collector/api/ingest_metrics_text.h"

#include <vector>

namespace uplinkprobe::collector::api {

namespace {
std::uint64_t load(const std::atomic<std::uint64_t>& a) {
  return a.load(std::memory_order_relaxed);
}

void histogram(MetricsText& out, const char* name, const char* help, const Histogram& h) {
  std::vector<double> bounds(Histogram::kBounds.begin(), Histogram::kBounds.end());
  std::vector<std::uint64_t> counts;
  for (const auto& b : h.buckets) counts.push_back(load(b));
  out.histogram(name, help, bounds, counts, static_cast<double>(load(h.sum_us)) / 1e6);
}
}  // namespace

void writeIngestMetrics(const IngestMetrics& m, const mqtt::ClientStats* client, MetricsText& out) {
  using T = MetricsText::Type;
  out.counter("uplinkprobe_collector_records_received_total", "MQTT messages handed to ingest.",
              static_cast<double>(load(m.received)));
  out.counter("uplinkprobe_collector_records_stored_total",
              "Records committed to the database (new keys).", static_cast<double>(load(m.stored)));
  out.counter("uplinkprobe_collector_records_duplicate_total",
              "Re-sent copies recognised by (device_id, journal_id, seq), not stored again.",
              static_cast<double>(load(m.duplicates)));
  out.family("uplinkprobe_collector_records_rejected_total", T::kCounter,
             "Refused messages by reason; each is kept in the rejected table.");
  for (std::size_t i = 0; i < kRejectReasonCount; ++i) {
    auto r = static_cast<RejectReason>(i);
    out.sample(static_cast<double>(m.rejectedFor(r)),
               {{"reason", std::string(rejectReasonName(r))}});
  }
  out.counter("uplinkprobe_collector_records_ignored_total",
              "Messages on topics the collector does not store (commands).",
              static_cast<double>(load(m.ignored)));
  out.counter("uplinkprobe_collector_batches_total", "Committed batches.",
              static_cast<double>(load(m.batches)));
  out.counter("uplinkprobe_collector_batch_commit_failures_total",
              "Batch commits that failed (retried).", static_cast<double>(load(m.commit_failures)));
  out.counter("uplinkprobe_collector_batches_abandoned_total",
              "Batches given up after retries (not acknowledged: the broker re-delivers).",
              static_cast<double>(load(m.batches_abandoned)));
  out.counter("uplinkprobe_collector_qos0_dropped_total",
              "QoS 0 messages of abandoned batches (cannot be re-delivered).",
              static_cast<double>(load(m.qos0_dropped)));
  out.gauge("uplinkprobe_collector_ingest_pending", "Messages received, not yet committed.",
            static_cast<double>(load(m.pending)));
  out.gauge("uplinkprobe_collector_ingest_last_lag_seconds",
            "Receive time minus record ts of the last stored record.",
            static_cast<double>(m.last_lag_ms.load(std::memory_order_relaxed)) / 1000.0);
  histogram(out, "uplinkprobe_collector_batch_commit_seconds",
            "Database latency of one batch commit.", m.commit_latency);
  histogram(out, "uplinkprobe_collector_ingest_lag_seconds",
            "Receive time minus record ts of stored records.", m.lag);
  if (client) {
    out.gauge("uplinkprobe_collector_mqtt_connected", "1 while the broker session is up.",
              client->connected.load(std::memory_order_relaxed) ? 1 : 0);
    out.counter("uplinkprobe_collector_mqtt_connects_total", "Broker connections established.",
                static_cast<double>(load(client->connects)));
    out.counter("uplinkprobe_collector_mqtt_connection_losses_total", "Broker connections lost.",
                static_cast<double>(load(client->connection_losses)));
    out.counter("uplinkprobe_collector_mqtt_protocol_errors_total",
                "Malformed or unexpected MQTT packets from the broker.",
                static_cast<double>(load(client->protocol_errors)));
    out.gauge("uplinkprobe_collector_mqtt_in_flight", "Messages received and not yet acknowledged.",
              static_cast<double>(client->in_flight.load(std::memory_order_relaxed)));
  }
}

}  // namespace uplinkprobe::collector::api
