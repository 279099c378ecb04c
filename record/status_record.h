// The typed `status` message (docs/schema/status.json): a device's retained presence on
// {prefix}/{school}/{device}/status. Not journaled, so it has no envelope: the whole message
// is this struct. One serializer (toJson: the whole message, "schema" and "kind" included)
// and one tolerant parser; availability_records.h gives the rules they follow.
//
// Producer: publish::statusOnlineJson / statusOfflineJson (after every connect, on clean
// shutdown, and as the broker's Last Will). Reader: the collector's store (each device's
// presence and agent version).
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "common/clock.h"

namespace uplinkprobe::record {

struct StatusRecord {
  bool online = true;  // "state": "online" | "offline"
  // Offline only: "shutdown" (a clean exit) or "lwt" (the broker's Last Will); "" online.
  std::string reason;
  std::string device_id;
  std::string school_id;
  // The device's [identity] as configured; "" is left out of the message.
  std::string school_name, region, county, carrier;
  std::string agent_version;
  std::string started_at;   // RFC 3339, the process start; "" left out
  std::string config_hash;  // "" left out
  // When it was sent; none in the Last Will, which the broker sends at an unknown later time.
  std::optional<WallTime> ts;

  nlohmann::json toJson() const;
};
// Needs kind "status", a state of online or offline and a device_id.
std::optional<StatusRecord> parseStatusRecord(const nlohmann::json& r);

}  // namespace uplinkprobe::record
