// Bodies for each target format, and the zh-CN text they carry.
//
//   json      {"event":"alert_opened","school":{…},"device_id":…,"alert":{…},"ts":…,
//              "title":"…","text":"…"} — for any receiver (Alertmanager-style relays, scripts)
//   wecom     企业微信 group robot: {"msgtype":"markdown","markdown":{"content":"…"}}
//   dingtalk  钉钉 group robot:   {"msgtype":"markdown","markdown":{"title":"…","text":"…"}}
//
// Times are shown in the collector's local time zone with its offset (the process TZ, set
// from [ledger] timezone). Text coming from agents or the registry is bounded and stripped of
// control characters and Markdown link syntax is not interpreted specially (robots render
// it; the worst case is odd formatting, never a different target).
#pragma once

#include <string>

#include "collector/notify/notification.h"

namespace uplinkprobe::collector::notify {

std::string titleText(const Notification& n);  // one line, e.g. "【告警】某某小学 带宽不达标"
std::string markdownText(const Notification& n);  // several lines of Markdown
std::string formatBody(Format f, const Notification& n);

}  // namespace uplinkprobe::collector::notify
