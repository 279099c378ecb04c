#include "collector/notify/notification.h"

namespace uplinkprobe::collector::notify {

namespace {
std::string str(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}
std::optional<double> num(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  if (it != j.end() && it->is_number()) return it->get<double>();
  return std::nullopt;
}
}  // namespace

std::string_view eventName(Event e) {
  switch (e) {
    case Event::kAlertOpened:
      return "alert_opened";
    case Event::kAlertClosed:
      return "alert_closed";
    case Event::kSchoolStale:
      return "school_stale";
  }
  return "alert_opened";
}

std::optional<Event> parseEvent(std::string_view text) {
  for (Event e : {Event::kAlertOpened, Event::kAlertClosed, Event::kSchoolStale}) {
    if (eventName(e) == text) return e;
  }
  return std::nullopt;
}

std::string_view formatName(Format f) {
  switch (f) {
    case Format::kJson:
      return "json";
    case Format::kWeCom:
      return "wecom";
    case Format::kDingTalk:
      return "dingtalk";
  }
  return "json";
}

std::optional<Format> parseFormat(std::string_view text) {
  for (Format f : {Format::kJson, Format::kWeCom, Format::kDingTalk}) {
    if (formatName(f) == text) return f;
  }
  return std::nullopt;
}

std::optional<Notification> notificationFromAlertRecord(const nlohmann::json& record) {
  if (!record.is_object()) return std::nullopt;
  const std::string alert = str(record, "alert");
  const std::string state = str(record, "state");
  Notification n;
  if (alert == "breach_opened" || state == "raised") {
    n.event = Event::kAlertOpened;
  } else if (alert == "breach_closed" || state == "cleared") {
    n.event = Event::kAlertClosed;
  } else {
    return std::nullopt;
  }
  n.school_id = str(record, "school_id");
  n.device_id = str(record, "device_id");
  n.record_id = str(record, "id");
  n.ts = str(record, "ts");
  n.since = str(record, "since");
  n.alert_type = str(record, "type");
  if (n.alert_type.empty()) n.alert_type = alert.rfind("breach_", 0) == 0 ? "" : alert;
  n.measured_mbps = num(record, "measured_mbps");
  if (!n.measured_mbps) n.measured_mbps = num(record, "median_mbps");
  n.target_mbps = num(record, "target_mbps");
  return n;
}

}  // namespace uplinkprobe::collector::notify
