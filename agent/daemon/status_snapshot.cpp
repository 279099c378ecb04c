#include "agent/daemon/status_snapshot.h"

#include <algorithm>

#include "agent/daemon/status_file.h"
#include "common/time_format.h"
#include "common/version.h"
#include "record/throughput_record.h"

namespace uplinkprobe::daemon {

nlohmann::json testSummary(const nlohmann::json& r) {
  // Where the figure is depends on the record's method (udp: udp.download / udp.upload).
  const record::ThroughputRecord test = record::parseThroughputRecord(r);
  auto rate = [&](const char* dir) {
    const auto v = test.capacity(dir);
    return v ? nlohmann::json(*v) : nlohmann::json();
  };
  return {{"ts", r.value("ts", nlohmann::json())},
          {"id", r.value("id", nlohmann::json())},
          {"error", r.value("error", nlohmann::json())},
          {"verdict", r.value("verdict", nlohmann::json())},
          {"download_mbps", rate("download")},
          {"upload_mbps", rate("upload")}};
}

nlohmann::json statusJson(const StatusSnapshot& s) {
  static const config::Config kNoConfig;
  const config::Config& cfg = s.cfg ? *s.cfg : kNoConfig;
  nlohmann::json alerts_open = nlohmann::json::array();
  if (s.alert_state)
    for (const auto& b : s.alert_state->breaches)
      alerts_open.push_back({{"type", b.type},
                             {"since", b.since ? nlohmann::json(formatRfc3339Utc(*b.since))
                                               : nlohmann::json(nullptr)}});
  nlohmann::json st = {{"schema", kStatusSchema},
                       {"pid", s.pid},
                       {"running", s.running},
                       {"started_at", s.started_at},
                       {"agent_version", kAgentVersion},
                       {"config_path", s.config_path},
                       {"config_hash", s.config_hash},
                       {"device_id", cfg.identity.device_id},
                       {"school_id", cfg.identity.school_id},
                       {"broker",
                        {{"configured", !cfg.mqtt.uri.empty()},
                         {"uri", cfg.mqtt.uri},
                         {"connected", s.broker_connected},
                         {"since", s.broker_since}}},
                       {"journal",
                        {{"dir", cfg.storage.dir},
                         {"last_seq", s.last_seq},
                         {"delivered_seq", s.delivered_seq},
                         {"waiting", s.last_seq - std::min(s.last_seq, s.delivered_seq)},
                         {"oldest_waiting_ts", s.oldest_waiting_ts},
                         {"bytes_used", s.storage_bytes},
                         {"max_bytes", static_cast<uint64_t>(cfg.storage.max_mb) * 1024 * 1024}}},
                       {"last_test", s.last_test},
                       {"next_test", s.next_test ? nlohmann::json(formatRfc3339Utc(*s.next_test))
                                                 : nlohmann::json(nullptr)},
                       {"open_alerts", alerts_open},
                       {"clock", {{"synced", s.clock_synced}, {"source", s.clock_source}}}};
  if (!s.running) st["stopped_at"] = formatRfc3339Utc(s.now);
  return st;
}

}  // namespace uplinkprobe::daemon
