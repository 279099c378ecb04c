// The ingest counters (collector/ingest/ingest_metrics.h) and the MQTT client's state as
// Prometheus families: the names docs/collector.md lists. Reads atomics only; any thread.
#pragma once

#include "collector/api/metrics_text.h"
#include "collector/ingest/ingest_metrics.h"
#include "collector/ingest/mqtt_client.h"

namespace uplinkprobe::collector::api {

// client may be null (the CLI's one-shot paths have no broker session).
void writeIngestMetrics(const IngestMetrics& m, const mqtt::ClientStats* client, MetricsText& out);

}  // namespace uplinkprobe::collector::api
