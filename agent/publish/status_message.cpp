#include "agent/publish/status_message.h"

#include <nlohmann/json.hpp>

#include "record/status_record.h"

namespace uplinkprobe::publish {
namespace {

record::StatusRecord base(const StatusInfo& info, bool online) {
  record::StatusRecord s;
  s.online = online;
  s.device_id = info.identity.device_id;
  s.school_id = info.identity.school_id;
  s.school_name = info.identity.school_name;
  s.region = info.identity.region;
  s.county = info.identity.county;
  s.carrier = info.identity.carrier;
  s.agent_version = info.agent_version;
  s.started_at = info.started_at;
  s.config_hash = info.config_hash;
  return s;
}

std::string dump(const record::StatusRecord& s) {
  return s.toJson().dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

std::string statusOnlineJson(const StatusInfo& info, WallTime now) {
  auto s = base(info, true);
  s.ts = now;
  return dump(s);
}

std::string statusOfflineJson(const StatusInfo& info, const std::string& reason, WallTime now) {
  auto s = base(info, false);
  s.reason = reason;
  if (reason != "lwt") s.ts = now;
  return dump(s);
}

}  // namespace uplinkprobe::publish
