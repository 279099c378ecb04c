#include "agent/measure/throughput_result.h"

#include <cmath>

namespace uplinkprobe::measure {
namespace {

// Two decimals are plenty for Mbit/s and ms and keep records small and diff-friendly.
double round2(double v) { return std::round(v * 100.0) / 100.0; }

nlohmann::json optNumber(const std::optional<double>& v) {
  return v ? nlohmann::json(round2(*v)) : nlohmann::json(nullptr);
}

nlohmann::json errorJson(const std::optional<Error>& e) {
  if (!e) return nullptr;
  return {{"kind", std::string(errorKindName(e->kind))}, {"message", e->message}};
}

}  // namespace

nlohmann::json DirectionResult::toJson() const {
  nlohmann::json j = {
      {"goodput_mbps", round2(goodput_mbps)},
      {"ip_capacity_mbps", round2(ip_capacity_mbps)},
      {"peak_mbps", round2(peak_mbps)},
      {"bytes", bytes},
      {"duration_s", round2(duration_s)},
      {"warmup_s", round2(warmup_s)},
      {"window_s", round2(window_s)},
      {"short_window", short_window},
      {"streams", streams},
      {"stop_reason", stop_reason},
      // Download: null — only the sending server knows its retransmissions.
      {"retransmit_pct", optNumber(retransmit_pct)},
      {"rtt_ms", optNumber(rtt_ms)},
      {"mss", mss},
      {"loaded_latency_ms", optNumber(loaded_latency_ms)},
      {"loaded_latency_samples", loaded_latency_samples},
      {"clamped_to_nic", clamped},
      {"error", errorJson(error)},
  };
  // Optional in the contract (docs/schema/throughput.json): only when the path RTT was known.
  if (window_rtts) j["window_rtts"] = round2(*window_rtts);
  return j;
}

nlohmann::json ThroughputResult::toJson() const {
  nlohmann::json j;
  j["download"] = download ? download->toJson() : nlohmann::json(nullptr);
  j["upload"] = upload ? upload->toJson() : nlohmann::json(nullptr);
  j["latency"] = {
      {"idle_ms", optNumber(idle_latency_ms)},
      {"loaded_ms", optNumber(loaded_latency_ms)},
      {"download_loaded_ms",
       download ? optNumber(download->loaded_latency_ms) : nlohmann::json(nullptr)},
      {"upload_loaded_ms", upload ? optNumber(upload->loaded_latency_ms) : nlohmann::json(nullptr)},
      {"rpm", rpm ? nlohmann::json(std::lround(*rpm)) : nlohmann::json(nullptr)}};
  if (server) {
    j["server"] = {
        {"name", server->name},
        {"url", server->url},
        {"kind", server->kind},
        {"ip", server->ip.empty() ? nlohmann::json(nullptr) : nlohmann::json(server->ip)},
        {"ip_family",
         server->ip_family == 0 ? nlohmann::json(nullptr) : nlohmann::json(server->ip_family)},
        {"public_ip",
         server->public_ip.empty() ? nlohmann::json(nullptr) : nlohmann::json(server->public_ip)}};
  } else {
    j["server"] = nullptr;
  }
  nlohmann::json tried = nlohmann::json::array();
  for (const auto& t : servers_tried) {
    tried.push_back(
        {{"name", t.name}, {"idle_ms", optNumber(t.idle_ms)}, {"error", errorJson(t.error)}});
  }
  j["servers_tried"] = tried;
  j["cross_traffic_mbps"] = optNumber(cross_traffic_mbps);
  j["wan_interface"] =
      wan_interface.empty() ? nlohmann::json(nullptr) : nlohmann::json(wan_interface);
  j["nic_speed_mbps"] = nic_speed_mbps ? nlohmann::json(*nic_speed_mbps) : nlohmann::json(nullptr);
  j["cpu_pct"] = optNumber(cpu_pct);
  j["engine_cpu_pct"] = optNumber(engine_cpu_pct);
  j["client_limited"] = client_limited;
  j["error"] = errorJson(error);
  j["bytes_total"] = bytes_total;
  return j;
}

}  // namespace uplinkprobe::measure
