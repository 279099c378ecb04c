// Notification: one event the collector tells people about, and the [[notify]] targets.
//
// Events: an agent's alert opened or closed (from its `alert` records) and "school went
// stale" (a school that reported stops reporting for [ledger] stale_after_hours). Bodies are
// built per target format (formats.h); the zh-CN text is the same in every format.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace uplinkprobe::collector::notify {

enum class Event { kAlertOpened, kAlertClosed, kSchoolStale };
std::string_view eventName(Event e);  // "alert_opened", "alert_closed", "school_stale"
std::optional<Event> parseEvent(std::string_view text);

struct Notification {
  Event event = Event::kAlertOpened;
  std::string school_id;
  std::string school_name;  // from the registry; empty when the school is unknown
  std::string city;
  std::string county;
  std::string device_id;
  std::string alert_type;  // "throughput", "availability", … (alerts only)
  std::string record_id;   // the alert record's id (alerts only)
  std::string ts;          // RFC 3339 UTC: the alert record's ts, or when staleness was seen
  std::string since;       // alerts: when the breach began (RFC 3339), if known
  std::string last_seen;   // stale: the school's last record (RFC 3339 UTC)
  double stale_after_hours = 0;
  std::optional<double> measured_mbps;  // throughput alerts: the median of the evidence
  std::optional<double> target_mbps;
};

// From a stored `alert` record (already schema-validated; record::parseAlertRecord reads
// it): opened for "breach_opened", closed for "breach_closed"; nullopt for anything else.
// Registry fields (name, city, county) are filled by the caller.
std::optional<Notification> notificationFromAlertRecord(const nlohmann::json& record);

enum class Format { kJson, kWeCom, kDingTalk };
std::string_view formatName(Format f);  // "json", "wecom", "dingtalk"
std::optional<Format> parseFormat(std::string_view text);

// One [[notify]] table. The `collector` config module fills these from the TOML.
struct NotifyTarget {
  std::string name;  // for logs and the metrics label
  std::string url;   // http:// or https:// (WeCom/DingTalk robot URL with its key)
  Format format = Format::kJson;
  std::vector<Event> events = {Event::kAlertOpened, Event::kAlertClosed, Event::kSchoolStale};
  int max_per_minute = 20;  // WeCom and DingTalk robots accept 20 messages a minute
  std::string secret;       // DingTalk "加签" secret (signs the URL); empty: none
  std::string ca_file;      // extra CA bundle for a private https endpoint
  int timeout_s = 10;
};

}  // namespace uplinkprobe::collector::notify
