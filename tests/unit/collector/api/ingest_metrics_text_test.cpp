#include "collector/api/ingest_metrics_text.h"

#include <gtest/gtest.h>

namespace uplinkprobe::collector::api {
namespace {

TEST(IngestMetricsText, NamesTheIssueAsksFor) {
  IngestMetrics m;
  m.stored = 12;
  m.duplicates = 3;
  m.rejected[static_cast<std::size_t>(RejectReason::kSchema)] = 2;
  m.commit_latency.observe(0.004);
  m.commit_latency.observe(2);
  m.last_lag_ms = 1500;
  mqtt::ClientStats c;
  c.connected = true;
  MetricsText out;
  writeIngestMetrics(m, &c, out);
  const std::string& t = out.text();
  EXPECT_EQ(out.skipped(), 0u);
  for (const char* line : {
           "uplinkprobe_collector_records_stored_total 12\n",
           "uplinkprobe_collector_records_duplicate_total 3\n",
           "uplinkprobe_collector_records_rejected_total{reason=\"schema\"} 2\n",
           "uplinkprobe_collector_records_rejected_total{reason=\"too_large\"} 0\n",
           "uplinkprobe_collector_batch_commit_seconds_bucket{le=\"0.005\"} 1\n",
           "uplinkprobe_collector_batch_commit_seconds_bucket{le=\"+Inf\"} 2\n",
           "uplinkprobe_collector_batch_commit_seconds_count 2\n",
           "uplinkprobe_collector_ingest_last_lag_seconds 1.5\n",
           "uplinkprobe_collector_mqtt_connected 1\n",
       }) {
    EXPECT_NE(t.find(line), std::string::npos) << line << "\n" << t;
  }
}

}  // namespace
}  // namespace uplinkprobe::collector::api
