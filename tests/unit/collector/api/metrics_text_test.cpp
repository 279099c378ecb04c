#include "collector/api/metrics_text.h"

#include <gtest/gtest.h>

namespace uplinkprobe::collector::api {
namespace {

TEST(MetricsText, FamiliesHaveHelpAndTypeOnceAndEscapedLabels) {
  MetricsText m;
  m.counter("uplinkprobe_collector_records_stored_total", "Records stored.", 42);
  m.family("uplinkprobe_collector_records_rejected_total", MetricsText::Type::kCounter,
           "Refused messages by reason.");
  m.sample(3, {{"reason", "schema"}});
  m.sample(1, {{"reason", "a\"b\\c\nd"}});
  m.family("uplinkprobe_collector_region_reporting_ratio", MetricsText::Type::kGauge, "Share.");
  m.sample(0.975, {{"level", "county"}, {"region", "长春市/朝阳区"}});
  EXPECT_EQ(
      m.text(),
      "# HELP uplinkprobe_collector_records_stored_total Records stored.\n"
      "# TYPE uplinkprobe_collector_records_stored_total counter\n"
      "uplinkprobe_collector_records_stored_total 42\n"
      "# HELP uplinkprobe_collector_records_rejected_total Refused messages by reason.\n"
      "# TYPE uplinkprobe_collector_records_rejected_total counter\n"
      "uplinkprobe_collector_records_rejected_total{reason=\"schema\"} 3\n"
      "uplinkprobe_collector_records_rejected_total{reason=\"a\\\"b\\\\c\\nd\"} 1\n"
      "# HELP uplinkprobe_collector_region_reporting_ratio Share.\n"
      "# TYPE uplinkprobe_collector_region_reporting_ratio gauge\n"
      "uplinkprobe_collector_region_reporting_ratio{level=\"county\",region=\"长春市/朝阳区\"} "
      "0.975\n");
  EXPECT_EQ(m.skipped(), 0u);
}

TEST(MetricsText, RefusesDuplicateFamiliesAndBadNames) {
  MetricsText m;
  m.counter("a_total", "A.", 1);
  m.counter("b_total", "B.", 1);
  m.counter("a_total", "A again.", 2);  // not contiguous: would duplicate the family
  m.gauge("9bad", "Bad.", 1);
  m.family("c", MetricsText::Type::kGauge, "C.");
  m.sample(1, {{"__reserved", "x"}});
  m.sample(1, {{"bad-label", "x"}});
  EXPECT_EQ(m.skipped(), 6u);  // two families and their samples, two bad labels
  EXPECT_EQ(m.text().find("A again"), std::string::npos);
  EXPECT_EQ(m.text().find("9bad"), std::string::npos);
  EXPECT_EQ(m.text().find("a_total 2"), std::string::npos);
}

TEST(MetricsText, HistogramIsCumulativeWithInf) {
  MetricsText m;
  m.histogram("lag_seconds", "Lag.", {0.1, 1}, {2, 3, 1}, 4.5);
  EXPECT_EQ(m.text(),
            "# HELP lag_seconds Lag.\n# TYPE lag_seconds histogram\n"
            "lag_seconds_bucket{le=\"0.1\"} 2\nlag_seconds_bucket{le=\"1\"} 5\n"
            "lag_seconds_bucket{le=\"+Inf\"} 6\nlag_seconds_sum 4.5\nlag_seconds_count 6\n");
}

TEST(MetricsText, FormatsValues) {
  EXPECT_EQ(MetricsText::formatValue(0), "0");
  EXPECT_EQ(MetricsText::formatValue(12345678901), "12345678901");
  EXPECT_EQ(MetricsText::formatValue(0.5), "0.5");
  EXPECT_EQ(MetricsText::formatValue(1.0 / 0.0), "+Inf");
  EXPECT_EQ(MetricsText::formatValue(0.0 / 0.0), "NaN");
}

}  // namespace
}  // namespace uplinkprobe::collector::api
