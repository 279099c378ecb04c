// HTML building blocks of the web UI. esc() is common/html_escape.h (shared with the agent's
// printable receipt). Everything that came from agents, sheets or the request
// goes through esc() (text and attribute values alike: & < > " ' are replaced), so a school
// named <script>alert(1)</script> is shown as text. Invalid UTF-8 is replaced by U+FFFD.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace uplinkprobe::collector::web {

std::string esc(std::string_view text);
// Percent-encodes a query-string value (UTF-8 bytes outside unreserved → %XX).
std::string urlEncode(std::string_view text);

// "12.3" (one decimal), "—" when absent.
std::string num1(std::optional<double> v);
// "98.7 %" for a 0..100 value.
std::string pct(double v);
// Local time "2026-12-01 14:05" in the process time zone ([ledger] timezone); "—" if absent.
std::string localTime(std::optional<std::int64_t> utc_ms);
// "YYYY-MM-DD" local date.
std::string localDate(std::int64_t utc_ms);
// The process time zone for display, e.g. "Asia/Shanghai (UTC+08:00)".
std::string zoneLabel();

}  // namespace uplinkprobe::collector::web
