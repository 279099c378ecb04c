// Test support: records as the agent writes them (envelope + kind fields), for collector
// store/ledger/ingest tests. Timestamps are UTC "…Z".
#pragma once

#include <cstdint>
#include <cstdio>
#include <ctime>
#include <string>

#include <nlohmann/json.hpp>

#include "collector/store/record_store.h"

namespace uplinkprobe::testing {

inline std::string utcStamp(int64_t ms) {
  std::time_t t = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[80];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(ms % 1000));
  return buf;
}

inline int64_t utcMs(int y, int mo, int d, int h = 0, int mi = 0, int s = 0) {
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = s;
  return static_cast<int64_t>(timegm(&tm)) * 1000;
}

inline nlohmann::json envelope(const std::string& kind, const std::string& school,
                               const std::string& device, const std::string& journal, int64_t seq,
                               int64_t ts_ms) {
  return {{"schema", "uplinkprobe/1"},
          {"kind", kind},
          {"id", device + ":" + journal + ":" + std::to_string(seq)},
          {"seq", seq},
          {"device_id", device},
          {"journal_id", journal},
          {"school_id", school},
          {"ts", utcStamp(ts_ms)},
          {"clock_synced", true}};
}

inline nlohmann::json throughputRecord(const std::string& school, const std::string& device,
                                       const std::string& journal, int64_t seq, int64_t ts_ms,
                                       double down, double up, bool counted = true,
                                       double target = 100) {
  auto r = envelope("throughput", school, device, journal, seq, ts_ms);
  r["download"] = {{"goodput_mbps", down * 0.95},
                   {"ip_capacity_mbps", down},
                   {"bytes", 1000},
                   {"duration_s", 4.0},
                   {"streams", 4},
                   {"stop_reason", "stable"}};
  r["upload"] = {{"goodput_mbps", up * 0.95}, {"ip_capacity_mbps", up}, {"bytes", 1000},
                 {"duration_s", 4.0},         {"streams", 4},           {"stop_reason", "stable"}};
  r["latency"] = {{"idle_ms", 5.0}, {"loaded_ms", 20.0}};
  r["server"] = nullptr;
  r["cross_traffic_mbps"] = 0.0;
  r["client_limited"] = false;
  r["trigger"] = "schedule";
  r["verdict"] = {
      {"target_mbps", target}, {"meets_target", down >= target * 0.95}, {"counted", counted}};
  return r;
}

inline nlohmann::json availabilityRecord(const std::string& school, const std::string& device,
                                         const std::string& journal, int64_t seq, int64_t end_ms,
                                         double period_s, double up_s) {
  auto r = envelope("availability", school, device, journal, seq, end_ms);
  r["period_start"] = utcStamp(end_ms - static_cast<int64_t>(period_s * 1000));
  r["period_end"] = utcStamp(end_ms);
  r["period_s"] = period_s;
  r["up_s"] = up_s;
  r["down_s"] = period_s - up_s;
  r["rounds"] = 10;
  r["good_rounds"] = 10;
  r["targets"] = nlohmann::json::object();
  return r;
}

inline collector::ValidRecord valid(const nlohmann::json& r,
                                    const std::string& prefix = "uplinkprobe/v1") {
  std::string kind = r.value("kind", "");
  std::string topic_kind = kind == "alert_state" ? "alert/state" : kind;
  return {
      prefix + "/" + r.value("school_id", "") + "/" + r.value("device_id", "") + "/" + topic_kind,
      r.dump(), r};
}

}  // namespace uplinkprobe::testing
