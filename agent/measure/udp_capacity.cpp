#include "agent/measure/udp_capacity.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "agent/measure/link_context.h"
#include "platform/nic_speed.h"
#include "udpst/receiver_tracker.h"

namespace uplinkprobe::measure {
namespace {

double round2(double v) { return std::round(v * 100.0) / 100.0; }

nlohmann::json optU(const std::optional<std::uint32_t>& v) {
  return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
}

}  // namespace

bool parseUdpstUrl(const std::string& url, std::string& host, std::uint16_t& port) {
  const std::string scheme = "udpst://";
  if (url.rfind(scheme, 0) != 0) return false;
  std::string rest = url.substr(scheme.size());
  if (!rest.empty() && rest.back() == '/') rest.pop_back();
  std::string port_text;
  if (!rest.empty() && rest.front() == '[') {
    auto close = rest.find(']');
    if (close == std::string::npos) return false;
    host = rest.substr(1, close - 1);
    if (close + 1 < rest.size()) {
      if (rest[close + 1] != ':') return false;
      port_text = rest.substr(close + 2);
    }
  } else {
    auto colon = rest.rfind(':');
    if (colon != std::string::npos) {
      host = rest.substr(0, colon);
      port_text = rest.substr(colon + 1);
    } else {
      host = rest;
    }
  }
  if (host.empty() || host.find_first_of("/?# ") != std::string::npos) return false;
  port = udpst::kDefaultControlPort;
  if (!port_text.empty()) {
    if (port_text.size() > 5 || port_text.find_first_not_of("0123456789") != std::string::npos)
      return false;
    int p = std::stoi(port_text);
    if (p < 1 || p > 65535) return false;
    port = static_cast<std::uint16_t>(p);
  }
  return true;
}

UdpDirectionResult summarise(const udpst::ClientResult& r) {
  UdpDirectionResult d;
  d.error = r.error;
  d.error_kind = r.error_kind;
  d.sub_intervals = r.session.sub_intervals;
  double sum_mbps = 0;
  for (const auto& s : d.sub_intervals) {
    const double mbps = udpst::ipRateMbps(s);
    d.ip_capacity_mbps = std::max(d.ip_capacity_mbps, mbps);
    sum_mbps += mbps;
    d.datagrams += s.rx_datagrams;
    d.bytes += s.rx_bytes;
    d.lost += s.seq_err_loss;
    d.reordered += s.seq_err_ooo;
    d.duplicates += s.seq_err_dup;
    if (s.delay_var_cnt > 0 && s.delay_var_min != udpst::kNoDelay) {
      d.delay_var_min_ms = std::min(d.delay_var_min_ms.value_or(s.delay_var_min), s.delay_var_min);
      d.delay_var_max_ms = std::max(d.delay_var_max_ms.value_or(0), s.delay_var_max);
    }
    if (s.rtt_var_min != udpst::kNoDelay) {
      d.rtt_var_min_ms = std::min(d.rtt_var_min_ms.value_or(s.rtt_var_min), s.rtt_var_min);
      d.rtt_var_max_ms = std::max(d.rtt_var_max_ms.value_or(0), s.rtt_var_max);
    }
  }
  if (!d.sub_intervals.empty()) d.mean_mbps = sum_mbps / double(d.sub_intervals.size());
  if (r.session.rtt_min_ms != udpst::kNoDelay) d.rtt_min_ms = r.session.rtt_min_ms;
  d.bytes_on_wire = r.session.sent_bytes + r.session.received_bytes;
  return d;
}

nlohmann::json UdpDirectionResult::toJson() const {
  const double total = double(datagrams) + double(lost);
  nlohmann::json subs = nlohmann::json::array();
  for (const auto& s : sub_intervals) {
    subs.push_back({{"end_ms", s.accum_time_ms},
                    {"ip_mbps", round2(udpst::ipRateMbps(s))},
                    {"datagrams", s.rx_datagrams},
                    {"lost", s.seq_err_loss},
                    {"reordered", s.seq_err_ooo},
                    {"duplicates", s.seq_err_dup},
                    {"delay_var_max_ms", s.delay_var_cnt > 0 ? nlohmann::json(s.delay_var_max)
                                                             : nlohmann::json(nullptr)}});
  }
  nlohmann::json err = nullptr;
  if (!error.empty())
    err = {{"kind", std::string(errorKindName(error_kind.value_or(ErrorKind::kUdpst)))},
           {"message", error}};
  return {{"ip_capacity_mbps", round2(ip_capacity_mbps)},
          {"mean_mbps", round2(mean_mbps)},
          {"datagrams", datagrams},
          {"bytes", bytes},
          {"loss_pct", total > 0 ? round2(100.0 * double(lost) / total) : 0.0},
          {"lost", lost},
          {"reordered", reordered},
          {"duplicates", duplicates},
          {"delay_var_ms", {{"min", optU(delay_var_min_ms)}, {"max", optU(delay_var_max_ms)}}},
          {"rtt_var_ms", {{"min", optU(rtt_var_min_ms)}, {"max", optU(rtt_var_max_ms)}}},
          {"rtt_min_ms", optU(rtt_min_ms)},
          {"sub_intervals", subs},
          {"error", err}};
}

std::uint64_t UdpCapacityResult::bytesTotal() const {
  return (download ? download->bytes_on_wire : 0) + (upload ? upload->bytes_on_wire : 0);
}

nlohmann::json UdpCapacityResult::toJson(const UdpCapacityOptions& o) const {
  nlohmann::json j;
  j["method"] = "udp";
  j["download"] = nullptr;
  j["upload"] = nullptr;
  j["udp"] = {{"protocol_version", udpst::kProtocolVersion},
              {"rate_algorithm", o.algorithm == udpst::kAlgorithmC ? "C" : "B"},
              {"download", download ? download->toJson() : nlohmann::json(nullptr)},
              {"upload", upload ? upload->toJson() : nlohmann::json(nullptr)}};
  std::optional<std::uint32_t> rtt;
  for (const auto* d : {download ? &*download : nullptr, upload ? &*upload : nullptr}) {
    if (d && d->rtt_min_ms) rtt = std::min(rtt.value_or(*d->rtt_min_ms), *d->rtt_min_ms);
  }
  j["latency"] = {{"idle_ms", rtt ? nlohmann::json(*rtt) : nlohmann::json(nullptr)},
                  {"loaded_ms", nullptr},
                  {"download_loaded_ms", nullptr},
                  {"upload_loaded_ms", nullptr},
                  {"rpm", nullptr}};
  j["server"] = {{"name", o.server_name}, {"url", o.url},         {"kind", "udpst"},
                 {"ip", nullptr},         {"ip_family", nullptr}, {"public_ip", nullptr}};
  j["servers_tried"] = nlohmann::json::array();
  j["cross_traffic_mbps"] = nullptr;
  j["wan_interface"] =
      wan_interface.empty() ? nlohmann::json(nullptr) : nlohmann::json(wan_interface);
  j["nic_speed_mbps"] = nic_speed_mbps ? nlohmann::json(*nic_speed_mbps) : nlohmann::json(nullptr);
  j["cpu_pct"] = nullptr;
  j["engine_cpu_pct"] = nullptr;
  j["client_limited"] = false;
  // The test's error: the first direction's, when every requested direction failed.
  nlohmann::json err = nullptr;
  bool any_ok = (download && download->error.empty()) || (upload && upload->error.empty());
  if (!any_ok) {
    const UdpDirectionResult* d = download ? &*download : (upload ? &*upload : nullptr);
    if (d)
      err = {{"kind", std::string(errorKindName(d->error_kind.value_or(ErrorKind::kUdpst)))},
             {"message", d->error}};
  }
  j["error"] = err;
  j["bytes_total"] = bytesTotal();
  return j;
}

UdpCapacityResult runUdpCapacityTest(const UdpCapacityOptions& o, const Clock& clock,
                                     const std::atomic<bool>* cancel) {
  UdpCapacityResult out;
  out.wan_interface = wanInterface(o.wan_interface, 0);
  if (!out.wan_interface.empty()) out.nic_speed_mbps = platform::nicSpeedMbps(out.wan_interface);
  udpst::ClientOptions c;
  c.host = o.host;
  c.port = o.port;
  c.seconds = o.seconds;
  c.algorithm = o.algorithm;
  c.key = o.key;
  c.key_id = o.key_id;
  if (o.download && !(cancel && cancel->load())) {
    c.upstream = false;
    c.max_mbps = boundByNicSpeed(o.max_mbps_down, out.nic_speed_mbps);
    out.download = summarise(udpst::runClientTest(c, clock, cancel));
  }
  if (o.upload && !(cancel && cancel->load())) {
    c.upstream = true;
    c.max_mbps = boundByNicSpeed(o.max_mbps_up, out.nic_speed_mbps);
    out.upload = summarise(udpst::runClientTest(c, clock, cancel));
  }
  return out;
}

}  // namespace uplinkprobe::measure
