#include "agent/daemon/measure_options.h"

#include "common/version.h"
#include "platform/boot_id.h"

namespace uplinkprobe::daemon {

measure::ThroughputOptions throughputOptionsFromConfig(const config::Config& c) {
  measure::ThroughputOptions o;
  for (const auto& s : c.servers) {
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

journal::JournalOptions journalOptionsFromConfig(const config::Config& c) {
  journal::JournalOptions o;
  o.dir = c.storage.dir;
  o.max_bytes = static_cast<uint64_t>(c.storage.max_mb) << 20;
  o.device_id = c.identity.device_id;
  o.envelope = {{"school_id", c.identity.school_id},
                {"boot_id", platform::bootId()},
                {"agent_version", kAgentVersion}};
  return o;
}

}  // namespace uplinkprobe::daemon
