#include "agent/publish/status_message.h"

#include <nlohmann/json.hpp>

#include "common/time_format.h"

namespace uplinkprobe::publish {
namespace {

nlohmann::json base(const StatusInfo& info, const char* state) {
  nlohmann::json j = nlohmann::json::object();
  j["schema"] = "uplinkprobe/1";
  j["kind"] = "status";
  j["state"] = state;
  j["device_id"] = info.identity.device_id;
  j["school_id"] = info.identity.school_id;
  if (!info.identity.school_name.empty()) j["school_name"] = info.identity.school_name;
  if (!info.identity.region.empty()) j["region"] = info.identity.region;
  if (!info.identity.county.empty()) j["county"] = info.identity.county;
  if (!info.identity.carrier.empty()) j["carrier"] = info.identity.carrier;
  j["agent_version"] = info.agent_version;
  if (!info.started_at.empty()) j["started_at"] = info.started_at;
  if (!info.config_hash.empty()) j["config_hash"] = info.config_hash;
  return j;
}

std::string dump(const nlohmann::json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

std::string statusOnlineJson(const StatusInfo& info, WallTime now) {
  auto j = base(info, "online");
  j["ts"] = formatRfc3339Utc(now);
  return dump(j);
}

std::string statusOfflineJson(const StatusInfo& info, const std::string& reason, WallTime now) {
  auto j = base(info, "offline");
  j["reason"] = reason;
  if (reason != "lwt") j["ts"] = formatRfc3339Utc(now);
  return dump(j);
}

}  // namespace uplinkprobe::publish
