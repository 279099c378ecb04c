#include "collector/notify/notification.h"

#include "common/time_format.h"
#include "record/alert_records.h"

namespace uplinkprobe::collector::notify {

namespace {
std::string str(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
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
  const std::optional<record::AlertRecord> alert = record::parseAlertRecord(record);
  if (!alert) return std::nullopt;
  Notification n;
  n.event = alert->opened ? Event::kAlertOpened : Event::kAlertClosed;
  n.school_id = str(record, "school_id");
  n.device_id = str(record, "device_id");
  n.record_id = alert->id;
  n.ts = str(record, "ts");
  n.since = alert->since ? formatRfc3339Utc(*alert->since) : std::string();
  n.alert_type = alert->type;
  if (alert->throughput) {
    n.measured_mbps = alert->medianMeasuredMbps();
    if (alert->throughput->target_mbps > 0) n.target_mbps = alert->throughput->target_mbps;
  }
  return n;
}

}  // namespace uplinkprobe::collector::notify
