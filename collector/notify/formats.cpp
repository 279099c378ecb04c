#include "collector/notify/formats.h"

#include <cstdio>

#include "common/time_format.h"

namespace uplinkprobe::collector::notify {

namespace {

constexpr std::size_t kMaxField = 200;

// Control characters out, length bounded at a UTF-8 boundary.
std::string clean(std::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    if (c < 0x20 || c == 0x7f) continue;
    out += static_cast<char>(c);
  }
  if (out.size() > kMaxField) {
    std::size_t cut = kMaxField;
    while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xC0) == 0x80) --cut;
    out.resize(cut);
    out += "…";
  }
  return out;
}

std::string schoolLabel(const Notification& n) {
  return clean(n.school_name.empty() ? n.school_id : n.school_name);
}

std::string typeText(const std::string& type) {
  if (type == "throughput") return "带宽不达标";
  if (type == "availability") return "网络中断";
  if (type.empty()) return "告警";
  return "告警（" + clean(type) + "）";
}

// "2026-12-02T01:53:27.123Z" -> "2026-12-02 09:53:27 +08:00" in the process's time zone.
std::string localTime(const std::string& rfc3339) {
  if (rfc3339.empty()) return "";
  auto t = parseRfc3339(rfc3339);
  if (!t) return clean(rfc3339);
  std::string s = formatRfc3339Local(*t);
  // YYYY-MM-DDTHH:MM:SS[.fff](Z|±HH:MM)
  if (s.size() < 20) return s;
  std::string out = s.substr(0, 10) + " " + s.substr(11, 8);
  std::size_t zone = 19;
  if (s[zone] == '.') {
    while (zone < s.size() && s[zone] != 'Z' && s[zone] != '+' && s[zone] != '-') ++zone;
  }
  out += " " + s.substr(zone);
  return out;
}

std::string mbps(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

}  // namespace

std::string titleText(const Notification& n) {
  switch (n.event) {
    case Event::kAlertOpened:
      return "【告警】" + schoolLabel(n) + " " + typeText(n.alert_type);
    case Event::kAlertClosed:
      return "【恢复】" + schoolLabel(n) + " " + typeText(n.alert_type) + "已解除";
    case Event::kSchoolStale: {
      char hours[32];
      std::snprintf(hours, sizeof hours, "%g", n.stale_after_hours);
      return "【离线】" + schoolLabel(n) + " 超过 " + hours + " 小时未上报";
    }
  }
  return "";
}

std::string markdownText(const Notification& n) {
  std::string t = "### " + titleText(n) + "\n";
  t += "- 学校：" + schoolLabel(n);
  if (!n.school_name.empty()) t += "（" + clean(n.school_id) + "）";
  t += "\n";
  if (!n.city.empty() || !n.county.empty()) {
    t += "- 地区：" + clean(n.city);
    if (!n.city.empty() && !n.county.empty()) t += " ";
    t += clean(n.county) + "\n";
  }
  if (!n.device_id.empty()) t += "- 设备：" + clean(n.device_id) + "\n";
  if (n.measured_mbps || n.target_mbps) {
    t += "- 实测：";
    t += n.measured_mbps ? mbps(*n.measured_mbps) + " Mbps" : "—";
    if (n.target_mbps) t += "，目标 " + mbps(*n.target_mbps) + " Mbps";
    t += "\n";
  }
  if (!n.since.empty()) t += "- 开始：" + localTime(n.since) + "\n";
  if (n.event == Event::kSchoolStale && !n.last_seen.empty()) {
    t += "- 最后上报：" + localTime(n.last_seen) + "\n";
  }
  if (!n.ts.empty()) t += "- 时间：" + localTime(n.ts) + "\n";
  if (!n.record_id.empty()) t += "- 记录：" + clean(n.record_id) + "\n";
  return t;
}

std::string formatBody(Format f, const Notification& n) {
  nlohmann::json j;
  switch (f) {
    case Format::kWeCom:
      j = {{"msgtype", "markdown"}, {"markdown", {{"content", markdownText(n)}}}};
      break;
    case Format::kDingTalk:
      j = {{"msgtype", "markdown"},
           {"markdown", {{"title", titleText(n)}, {"text", markdownText(n)}}}};
      break;
    case Format::kJson: {
      j["event"] = eventName(n.event);
      j["school"] = {{"school_id", n.school_id},
                     {"name", n.school_name},
                     {"city", n.city},
                     {"county", n.county}};
      j["device_id"] = n.device_id.empty() ? nlohmann::json(nullptr) : nlohmann::json(n.device_id);
      if (n.event != Event::kSchoolStale) {
        nlohmann::json a = {{"type", n.alert_type}, {"record_id", n.record_id}};
        a["since"] = n.since.empty() ? nlohmann::json(nullptr) : nlohmann::json(n.since);
        if (n.measured_mbps) a["measured_mbps"] = *n.measured_mbps;
        if (n.target_mbps) a["target_mbps"] = *n.target_mbps;
        j["alert"] = a;
      } else {
        j["last_seen"] =
            n.last_seen.empty() ? nlohmann::json(nullptr) : nlohmann::json(n.last_seen);
        j["stale_after_hours"] = n.stale_after_hours;
      }
      j["ts"] = n.ts;
      j["title"] = titleText(n);
      j["text"] = markdownText(n);
      break;
    }
  }
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace uplinkprobe::collector::notify
