#include "record/status_record.h"

#include "common/time_format.h"
#include "record/json_read.h"

namespace uplinkprobe::record {

using namespace json_read;  // the tolerant member reads (record/json_read.h)

nlohmann::json StatusRecord::toJson() const {
  nlohmann::json j = {
      {"schema", "uplinkprobe/1"}, {"kind", "status"}, {"state", online ? "online" : "offline"}};
  if (!online && !reason.empty()) j["reason"] = reason;
  j["device_id"] = device_id;
  j["school_id"] = school_id;
  for (const auto& [key, value] : {std::pair{"school_name", &school_name},
                                   {"region", &region},
                                   {"county", &county},
                                   {"carrier", &carrier}})
    if (!value->empty()) j[key] = *value;
  j["agent_version"] = agent_version;
  if (!started_at.empty()) j["started_at"] = started_at;
  if (!config_hash.empty()) j["config_hash"] = config_hash;
  if (ts) j["ts"] = formatRfc3339Utc(*ts);
  return j;
}

std::optional<StatusRecord> parseStatusRecord(const nlohmann::json& r) {
  if (text(r, "kind") != "status") return std::nullopt;
  const std::string state = text(r, "state");
  if (state != "online" && state != "offline") return std::nullopt;
  StatusRecord s;
  s.online = state == "online";
  s.device_id = text(r, "device_id");
  if (s.device_id.empty()) return std::nullopt;
  s.reason = text(r, "reason");
  s.school_id = text(r, "school_id");
  s.school_name = text(r, "school_name");
  s.region = text(r, "region");
  s.county = text(r, "county");
  s.carrier = text(r, "carrier");
  s.agent_version = text(r, "agent_version");
  s.started_at = text(r, "started_at");
  s.config_hash = text(r, "config_hash");
  s.ts = time(r, "ts");
  return s;
}

}  // namespace uplinkprobe::record
