// Where a throughput record keeps its IP capacity, read in one place by the agent and the
// collector. TCP records (`method` "tcp" or absent: older agents) carry it in `download` /
// `upload`; method "udp" records (OB-UDPST, issue 17) in `udp.download` / `udp.upload`, with
// TCP's `download`/`upload` null. A reader of `download.ip_capacity_mbps` alone sees no
// figure in a UDP record.
#pragma once

#include <optional>
#include <string_view>

#include <nlohmann/json.hpp>

namespace uplinkprobe::record {

// The object of `direction` ("download" or "upload") that holds the record's IP capacity for
// its method, or nullptr when the record has none (a direction not measured, null, or not an
// object).
const nlohmann::json* capacityDirection(const nlohmann::json& rec, std::string_view direction);

// That object's ip_capacity_mbps, when it is a number (whatever the direction's error).
std::optional<double> ipCapacityMbps(const nlohmann::json& rec, std::string_view direction);

}  // namespace uplinkprobe::record
