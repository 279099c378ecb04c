// IngestMetrics: the ingest counters that /metrics exposes. A plain struct of atomics: the
// ingest worker and the MQTT thread write, the HTTP thread reads (relaxed loads are enough
// for monitoring; each counter is individually consistent, not the set).
//
// Prometheus mapping (suggested names; the api module owns the exposition):
//   records_received_total        received
//   records_stored_total          stored
//   records_duplicate_total       duplicates
//   records_rejected_total{reason} rejected[reason]  (reason label: rejectReasonName())
//   records_ignored_total         ignored (cmd topics: the collector's own commands)
//   batch_commit_seconds          commit_latency   (histogram)
//   ingest_lag_seconds            lag              (histogram; now − record ts)
//   batch_commit_failures_total   commit_failures; batches_abandoned_total batches_abandoned
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace uplinkprobe::collector {

enum class RejectReason : std::uint8_t {
  kTooLarge,       // payload above the size cap
  kBadTopic,       // not {prefix}/{school}/{device}/{kind}
  kUnknownKind,    // topic names a kind the collector does not know
  kUtf8,           // payload is not well-formed UTF-8
  kJson,           // not a JSON object
  kSchema,         // fails the kind's JSON Schema
  kTopicMismatch,  // payload's school_id/device_id/kind differ from the topic's
};
inline constexpr std::size_t kRejectReasonCount = 7;

// Label value of the reason, also the `reason` column of the rejected table.
constexpr std::string_view rejectReasonName(RejectReason r) {
  switch (r) {
    case RejectReason::kTooLarge:
      return "too_large";
    case RejectReason::kBadTopic:
      return "bad_topic";
    case RejectReason::kUnknownKind:
      return "unknown_kind";
    case RejectReason::kUtf8:
      return "utf8";
    case RejectReason::kJson:
      return "json";
    case RejectReason::kSchema:
      return "schema";
    case RejectReason::kTopicMismatch:
      return "topic_mismatch";
  }
  return "unknown";
}

// Cumulative histogram with fixed upper bounds (seconds); the last bucket is +Inf.
struct Histogram {
  static constexpr std::array<double, 12> kBounds = {0.001, 0.005, 0.01, 0.025, 0.05, 0.1,
                                                     0.25,  0.5,   1,    5,     60,   3600};
  std::array<std::atomic<std::uint64_t>, kBounds.size() + 1> buckets{};  // non-cumulative
  std::atomic<std::uint64_t> count{0};
  std::atomic<std::uint64_t> sum_us{0};  // sum in microseconds (negative samples count as 0)

  void observe(double seconds) {
    if (seconds < 0) seconds = 0;
    std::size_t i = 0;
    while (i < kBounds.size() && seconds > kBounds[i]) ++i;
    buckets[i].fetch_add(1, std::memory_order_relaxed);
    count.fetch_add(1, std::memory_order_relaxed);
    sum_us.fetch_add(static_cast<std::uint64_t>(seconds * 1e6), std::memory_order_relaxed);
  }
};

struct IngestMetrics {
  std::atomic<std::uint64_t> received{0};  // every PUBLISH handed to ingest
  std::atomic<std::uint64_t> stored{0};
  std::atomic<std::uint64_t> duplicates{0};
  std::array<std::atomic<std::uint64_t>, kRejectReasonCount> rejected{};
  std::atomic<std::uint64_t> ignored{0};
  std::atomic<std::uint64_t> batches{0};  // committed batches
  std::atomic<std::uint64_t> commit_failures{0};
  std::atomic<std::uint64_t> batches_abandoned{0};  // gave up retrying: not acked, redelivered
  std::atomic<std::uint64_t> qos0_dropped{0};       // QoS 0 messages of an abandoned batch
  std::atomic<std::uint64_t> pending{0};            // received, not yet committed
  std::atomic<std::int64_t> last_lag_ms{0};         // of the last stored record
  Histogram commit_latency;
  Histogram lag;

  std::uint64_t rejectedTotal() const {
    std::uint64_t n = 0;
    for (const auto& r : rejected) n += r.load(std::memory_order_relaxed);
    return n;
  }
  std::uint64_t rejectedFor(RejectReason r) const {
    return rejected[static_cast<std::size_t>(r)].load(std::memory_order_relaxed);
  }
};

}  // namespace uplinkprobe::collector
