#include "agent/daemon/measure_options.h"

#include <algorithm>
#include <cmath>

#include "udpst/auth.h"

namespace uplinkprobe::daemon {

measure::ThroughputOptions throughputOptionsFromConfig(const config::Config& c) {
  measure::ThroughputOptions o;
  for (const auto& s : c.servers) {
    if (s.kind == "udpst") continue;  // UDP only (`uplinkprobe test --method udp`)
    measure::ServerSpec spec;
    spec.name = s.name;
    spec.kind = s.kind;
    spec.url = s.url;
    spec.download_url = s.download_url;
    spec.upload_url = s.upload_url;
    spec.dl_url = s.dl_url;
    spec.ul_url = s.ul_url;
    spec.ping_url = s.ping_url;
    spec.getip_url = s.getip_url;
    o.servers.push_back(spec);
  }
  const auto& t = c.throughput;
  o.max_seconds = t.max_seconds;
  o.max_mb_per_direction = t.max_mb_per_direction;
  o.max_mb_ceiling = t.max_mb_ceiling;
  o.streams_start = t.streams_start;
  o.streams_max = t.streams_max;
  o.ip_family = t.ip_family;
  o.bind_interface = t.interface;
  o.source_address = t.source_address;
  o.proxy = t.proxy;
  o.wan_interface = t.wan_interface;
  o.ca_file = t.ca_file;
  o.tls_verify = t.tls_verify;
  return o;
}

std::vector<std::string> slotMethods(const std::string& target_method) {
  if (target_method == "udp") return {"udp"};
  if (target_method == "both") return {"tcp", "udp"};
  return {"tcp"};
}

std::optional<UdpServerChoice> udpstServer(const config::Config& c, const std::string& name) {
  for (const auto& s : c.servers)
    if (s.kind == "udpst" && (name.empty() || s.name == name))
      return UdpServerChoice{s.name, s.url, s.key_file, s.key_id};
  return std::nullopt;
}

std::optional<UdpServerChoice> firstUdpstServer(const config::Config& c) {
  return udpstServer(c, "");
}

namespace {
// Bytes a UDP test sends per second at `max_mbps`: 5 % above maxBandwidth for the
// IP/UDP/OB-UDPST headers a sender adds to its payload rate.
double udpBytesPerSecond(int max_mbps) { return std::max(max_mbps, 1) * 1e6 / 8 * 1.05; }
}  // namespace

int udpTestSeconds(int max_mbps, double ceiling_mb) {
  constexpr int kProtocolDefault = 10;
  const double fits = std::floor(ceiling_mb * 1e6 / udpBytesPerSecond(max_mbps));
  if (fits < kMinUdpTestSeconds) return 0;
  return static_cast<int>(std::min<double>(fits, kProtocolDefault));
}

Result<measure::UdpCapacityOptions> udpCapacityOptions(const config::Config& c,
                                                       std::optional<double> target_override,
                                                       const UdpServerChoice& server) {
  const config::TargetConfig& t = c.target;
  measure::UdpCapacityOptions o;
  o.server_name = server.name;
  if (!measure::parseUdpstUrl(server.url, o.host, o.port))
    return makeError(ErrorKind::kUrl, "\"" + server.url + "\": expected udpst://HOST[:PORT]");
  o.url = server.url;
  o.wan_interface = c.throughput.wan_interface;
  if (!server.key_file.empty()) {
    auto keys = udpst::KeyTable::load(server.key_file);
    if (!keys) return makeError(ErrorKind::kConfig, keys.error().message);
    const std::string* key = keys->find(static_cast<std::uint8_t>(server.key_id));
    if (key == nullptr)
      return makeError(ErrorKind::kKeyId,
                       server.key_file + ": no key with id " + std::to_string(server.key_id));
    o.key = *key;
    o.key_id = static_cast<std::uint8_t>(server.key_id);
  }
  const double down = target_override ? *target_override : t.effectiveDownMbps();
  const double up = t.contracted_up_mbps > 0 ? t.contracted_up_mbps : down;
  o.max_mbps_down = static_cast<int>(std::clamp(std::ceil(down * 1.2), 1.0, 32767.0));
  o.max_mbps_up = static_cast<int>(std::clamp(std::ceil(up * 1.2), 1.0, 32767.0));
  const double ceiling_mb = c.throughput.max_mb_ceiling;
  const int max_mbps = std::max(o.max_mbps_down, o.max_mbps_up);
  o.seconds = udpTestSeconds(max_mbps, ceiling_mb);
  if (o.seconds == 0) {
    const std::string need = std::to_string(
        static_cast<long long>(std::ceil(udpBytesPerSecond(max_mbps) * kMinUdpTestSeconds / 1e6)));
    return makeError(ErrorKind::kBudget,
                     std::to_string(static_cast<long long>(ceiling_mb)) +
                         " MB cannot hold a UDP test: " + std::to_string(kMinUdpTestSeconds) +
                         " s at " + std::to_string(max_mbps) + " Mbit/s needs " + need +
                         " MB; raise [throughput] max_mb_ceiling to at least " + need);
  }
  return o;
}

Result<measure::UdpCapacityOptions> udpCapacityOptionsFor(const config::Config& c,
                                                          const std::string& server_name) {
  auto server = udpstServer(c, server_name);
  if (!server) return makeError(ErrorKind::kConfig, "no [[servers]] entry with kind = \"udpst\"");
  return udpCapacityOptions(c, std::nullopt, *server);
}

nlohmann::json udpNotStartedBody(const config::Config& c, const std::string& server_name,
                                 const std::string& message) {
  measure::UdpCapacityOptions named;
  if (auto server = udpstServer(c, server_name)) {
    named.server_name = server->name;
    named.url = server->url;
  }
  nlohmann::json body = measure::UdpCapacityResult{}.toJson(named);
  body["error"] = {{"kind", std::string(errorKindName(ErrorKind::kConfig))}, {"message", message}};
  return body;
}

journal::JournalOptions journalOptionsFromConfig(const config::Config& c) {
  journal::JournalOptions o;
  o.dir = c.storage.dir;
  o.max_bytes = static_cast<uint64_t>(c.storage.max_mb) << 20;
  o.device_id = c.identity.device_id;
  o.school_id = c.identity.school_id;
  return o;
}

}  // namespace uplinkprobe::daemon
