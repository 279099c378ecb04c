#include "agent/cli/record_line.h"

#include <fmt/format.h>

#include "common/terminal_text.h"

#include <nlohmann/json.hpp>

#include "agent/cli/display_format.h"
#include "agent/cli/i18n.h"
#include "agent/cli/json_fields.h"
#include "agent/cli/verdict_words.h"
#include "common/time_format.h"
#include "record/alert_records.h"
#include "record/availability_records.h"
#include "record/daily_record.h"
#include "record/gap_record.h"
#include "record/throughput_record.h"

namespace uplinkprobe::cli {
namespace {

constexpr const char* kNoBreak = "\u00a0";

std::string localOrUnknown(const std::string& ts) {
  return ts.empty() ? std::string(kUnknown) : displayLocal(ts);
}

// A time inside a description is one word for wrapLine: its spaces are no-break spaces until
// the line is wrapped.
std::string unbreakable(std::string s) {
  for (size_t at = s.find(' '); at != std::string::npos; at = s.find(' ', at + 2))
    s.replace(at, 1, kNoBreak);
  return s;
}

// A record that does not parse (no agent writes one) shows "—" for what it lacks.
template <typename Interval>
std::string durationOf(const std::optional<Interval>& r) {
  return r ? formatDuration(r->duration_s) : std::string(kUnknown);
}

template <typename Interval>
std::string startOf(const std::optional<Interval>& r) {
  return unbreakable(r ? formatLocalDisplay(r->start) : std::string(kUnknown));
}

std::string describe(const nlohmann::json& r) {
  const std::string kind = str(r, "kind");
  if (kind == "throughput") {
    const TestOutcome o = outcomeOf(r);
    if (o.outcome == Outcome::kError || o.outcome == Outcome::kCancelled) return headline(r);
    const auto& v = r.value("verdict", nlohmann::json::object());
    return fmt::format(fmt::runtime(tr("down {} up {} {}{}")),
                       formatRate(record::parseThroughputRecord(r).capacity("download")),
                       formatRate(record::parseThroughputRecord(r).capacity("upload")),
                       unbreakable(outcomeWord(o.outcome)),
                       v.value("counted", true) ? "" : tr(" (not counted)"));
  }
  if (kind == "outage") {
    const auto outage = record::parseOutageRecord(r);
    return fmt::format(
        fmt::runtime(tr("{} outage {} from {}")),
        outage && !outage->outage_class.empty() ? outage->outage_class : std::string(kUnknown),
        durationOf(outage), startOf(outage));
  }
  if (kind == "power") {
    const auto off = record::parsePowerRecord(r);
    const char* what = off && off->cause == "reboot" ? tr("rebooted, agent off")
                       : off && off->clean_shutdown  ? tr("agent stopped cleanly, off")
                                                     : tr("agent down (no clean stop)");
    return fmt::format(fmt::runtime(tr("{} for {} from {}")), what, durationOf(off), startOf(off));
  }
  if (kind == "event") return str(r, "event");
  if (kind == "gap") {
    const auto gap = record::parseGapRecord(r);
    if (!gap) return std::string(kUnknown);
    return fmt::format(fmt::runtime(tr("GAP seq {}-{} ({})")), gap->first_seq, gap->last_seq,
                       gap->reason);
  }
  if (kind == "alert") {
    const auto alert = record::parseAlertRecord(r);
    if (!alert) return std::string(kUnknown);
    // The cause says which availability rule (long outage or low daily uptime) moved it.
    return std::string(alert->opened ? "breach_opened " : "breach_closed ") + alert->type +
           (alert->cause.empty() ? "" : " " + alert->cause);
  }
  if (kind == "alert_state") {
    std::string open;
    if (const auto state = record::parseAlertState(r))
      for (const auto& b : state->breaches) open += " " + b.type;
    return open.empty() ? tr("no open alerts") : tr("open alerts:") + open;
  }
  if (kind == "daily") {
    const auto day = record::parseDailyRecord(r);
    if (!day) return std::string(kUnknown);
    return fmt::format(fmt::runtime(tr("{} uptime {} tests {}/{} counted")), day->date,
                       formatPercent(day->uptime_pct), day->tests.counted, day->tests.run);
  }
  if (kind == "availability") {
    const auto period = record::parseAvailabilityRecord(r);
    return fmt::format(fmt::runtime(tr("up {}, down {}")),
                       period ? formatDuration(period->up_s) : std::string(kUnknown),
                       period ? formatDuration(period->down_s) : std::string(kUnknown));
  }
  return "";
}

}  // namespace

std::string formatRecordLine(const std::string& record_json) {
  auto r = nlohmann::json::parse(record_json, nullptr, false);
  if (!r.is_object()) return tr("(unreadable record)");
  // Records carry UTC; people read the local time of the school with its offset.
  const auto seq = numberAt(r, {"seq"});
  const std::string head =
      fmt::format("{:>6} {} {:<12}", seq ? fmt::format("{:.0f}", *seq) : kUnknown,
                  localOrUnknown(str(r, "ts")), str(r, "kind"));
  // Long descriptions continue under the description column; nothing passes 80 columns.
  std::string out = wrapLine(head + " ", describe(r), displayWidth(head) + 1);
  out.pop_back();
  for (size_t at = out.find(kNoBreak); at != std::string::npos; at = out.find(kNoBreak, at))
    out.replace(at, 2, " ");
  // Fields may carry a server's or broker's words: no control characters reach the terminal.
  return terminalSafe(out);
}

}  // namespace uplinkprobe::cli
