// The retained device status on {prefix}/{school}/{device}/status: "online" after every
// (re)connect, "offline" as the Last Will (the broker publishes it when the agent vanishes)
// and on clean shutdown. Not journaled (no seq/id): the retained value is the latest truth.
#pragma once

#include <string>

#include "agent/config/config.h"
#include "common/clock.h"

namespace uplinkprobe::publish {

struct StatusInfo {
  config::IdentityConfig identity;  // the device's [identity], as configured
  std::string agent_version;
  std::string started_at;   // RFC 3339, process start
  std::string config_hash;  // config::configHash() of the running config
};

// {"schema","kind":"status","state":"online", device/school identity, agent_version,
//  started_at, config_hash, ts}
std::string statusOnlineJson(const StatusInfo& info, WallTime now);
// reason: "shutdown" (clean exit, with ts) or "lwt" (the Last Will; no ts because the
// broker sends it at an unknown later time).
std::string statusOfflineJson(const StatusInfo& info, const std::string& reason, WallTime now);

}  // namespace uplinkprobe::publish
