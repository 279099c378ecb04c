// The typed throughput record (docs/schema/throughput.json): what the readers that judge or
// summarise a test need, parsed in one place, and the verdict with its one serializer.
//
// Who uses it: the agent's verdict (judges a ThroughputRecord, writes a Verdict), alert
// engine, daily summary, status file and CLI; the collector's store and web pages. Before
// this, each of them read the same fields out of the JSON by name (the IP capacity in five
// modules, the verdict's `counted` in four) and one of them could read a field the others did
// not.
//
// Where the IP capacity lives depends on the method: TCP records (`method` "tcp" or absent:
// older agents) carry it in `download` / `upload`; method "udp" records (OB-UDPST, issue 17)
// in `udp.download` / `udp.upload`, with TCP's `download`/`upload` null. capacity() reads
// the right one, so a reader of `download.ip_capacity_mbps` alone cannot miss a UDP figure.
//
// Parsing is tolerant, as every reader was: a field that is absent, null or of another type
// reads as absent (the schema validator refuses malformed records where they enter: the
// journal's writer, the collector's ingest). It never throws.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace uplinkprobe::record {

// One direction of a test, from where the record's method keeps it.
struct DirectionFigures {
  std::optional<double> ip_capacity_mbps;
  std::optional<double> goodput_mbps;  // TCP only: UDP records measure no goodput
  bool failed = false;                 // the direction's `error` is not null
};

// The `verdict` object (throughput.json "verdict"); written by the agent only.
struct Verdict {
  double target_mbps = 0;
  double tolerance_pct = 0;
  std::optional<double> measured_mbps;  // null when the download was not measured
  std::optional<bool> meets_target;     // null when not judged
  // Present only when an upload target is configured (up_target_mbps > 0).
  std::optional<double> up_target_mbps;
  std::optional<double> up_measured_mbps;
  std::optional<bool> up_meets_target;
  bool counted = false;  // true only with no unfair reason
  std::vector<std::string> unfair_reasons;

  static constexpr std::string_view kBasis = "ip_capacity_mbps";
  nlohmann::json toJson() const;
  // nullopt when v is not an object; absent or mistyped members keep their defaults.
  static std::optional<Verdict> fromJson(const nlohmann::json& v);
  // Counted and judged: what the alert engine and the daily summary count.
  std::optional<bool> countedMeetsTarget() const { return counted ? meets_target : std::nullopt; }
};

struct ThroughputRecord {
  std::string id;  // journal id ("" before the journal assigned one)
  std::string ts;
  std::string method = "tcp";  // "tcp" | "udp"
  bool failed = false;         // the record's top-level `error` is not null
  bool client_limited = false;
  std::optional<double> cross_traffic_mbps;
  std::optional<uint64_t> bytes_total;  // > 0 only
  std::optional<double> idle_latency_ms;
  std::optional<double> loaded_latency_ms;
  // Where the method keeps them (header); nullopt when that direction is null or absent.
  std::optional<DirectionFigures> download;
  std::optional<DirectionFigures> upload;
  std::optional<Verdict> verdict;

  // The direction's figures by name ("download" or "upload"; anything else: nullptr).
  const DirectionFigures* direction(std::string_view name) const;
  // That direction's IP capacity, whatever its error (the figure a table shows).
  std::optional<double> capacity(std::string_view name) const;
  // That direction's IP capacity when the direction did not fail (the figure a verdict
  // judges).
  std::optional<double> judgedCapacity(std::string_view name) const;
};

ThroughputRecord parseThroughputRecord(const nlohmann::json& rec);

}  // namespace uplinkprobe::record
