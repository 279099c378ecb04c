#include "agent/cli/report_table.h"

#include <fmt/format.h>

#include <algorithm>
#include <ctime>

#include "agent/cli/display_format.h"
#include "agent/cli/i18n.h"
#include "agent/cli/json_fields.h"
#include "agent/cli/verdict_words.h"
#include "agent/verdict/daily_summary.h"
#include "agent/verdict/local_day.h"
#include "common/time_format.h"
#include "record/throughput_record.h"

namespace uplinkprobe::cli {
namespace {

// "2024-05-06T08:30:00.123Z" -> "05-06 16:30 +08:00" in the process's (the school's) zone.
std::string shortTime(const std::string& ts) {
  const std::string local = displayLocal(ts);  // "2024-05-06 16:30:00 +08:00"
  if (local.size() < 20 || local == ts) return ts;
  return local.substr(5, 11) + local.substr(19);
}

std::string csvNum(std::optional<double> v) { return v ? fmt::format("{}", *v) : ""; }

std::string csvField(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string q = "\"";
  for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}

// One row layout for the header and the days, so translated headers align with the figures:
// date 10, tests 5, down/p10/up kCellWidth each, uptime 8, outages 8, cov 5, verdict.
std::string row(const std::string& date, const std::string& tests, const std::string& down,
                const std::string& p10, const std::string& up, const std::string& uptime,
                const std::string& outages, const std::string& cov, const std::string& verdict) {
  return fmt::format("{:<10} {:>5} {:>6} {:>6} {:>6} {:>8} {:>8} {:>5}  {}", date, tests, down, p10,
                     up, uptime, outages, cov, verdict);
}

}  // namespace

std::vector<record::DailyRecord> reportDays(const ReportInput& in) {
  const int n = std::clamp(in.days, 1, kReportMaxDays);
  std::vector<verdict::LocalDay> days{verdict::localDayOf(in.now)};
  while (static_cast<int>(days.size()) < n) days.push_back(verdict::previousDay(days.back()));
  std::reverse(days.begin(), days.end());
  std::vector<record::DailyRecord> out;
  for (const auto& d : days) {
    if (!in.first_record || d.end <= *in.first_record) continue;
    out.push_back(verdict::summarizeDay(in.records, d, std::min(in.now, d.end), in.target));
  }
  return out;
}

namespace {

std::optional<double> median(const std::optional<record::DailyDistribution>& d) {
  return d ? std::optional(d->median) : std::nullopt;
}
std::optional<double> p10(const std::optional<record::DailyDistribution>& d) {
  return d ? std::optional(d->p10) : std::nullopt;
}

// "3/12m": outages and their minutes; "0" without one.
std::string outageCell(const record::DailyTally& t) {
  return t.count ? fmt::format("{}/{:.0f}m", t.count, t.seconds / 60.0) : "0";
}

std::string csvBool(std::optional<bool> v) { return v ? (*v ? "true" : "false") : ""; }

// The first lines of every report table: whose report, and the target it is judged against.
std::string reportHeading(const ReportInput& in) {
  std::string s;
  s += wrapLine("",
                fmt::format(fmt::runtime(tr("uplinkprobe report: school {} device {}")),
                            in.school_id, in.device_id),
                0);
  s += wrapLine(
      "",
      fmt::format(fmt::runtime(tr("target {} down (IP capacity, tolerance {}); "
                                  "Mbps: IP capacity over counted tests")),
                  formatRate(in.target.down_target_mbps), formatPercent(in.target.tolerance_pct)),
      0);
  return s;
}

}  // namespace

std::string formatReportTable(const ReportInput& in, const std::vector<record::DailyRecord>& days) {
  std::string s = reportHeading(in);
  s += "\n";
  s += row(tr("date"), tr("tests"), tr("down"), tr("p10"), tr("up"), tr("uptime"), tr("outages"),
           tr("cov"), tr("verdict")) +
       "\n";
  bool any_partial = false, any_today = false;
  if (days.empty()) s += "  " + std::string(tr("no records yet")) + "\n";
  for (const auto& d : days) {
    const std::string tests = fmt::format("{}/{}", d.tests.counted, d.tests.run);
    std::string note;
    if (!d.complete) {
      note = " +";
      any_today = true;
    } else if (d.partial) {
      note = " *";
      any_partial = true;
    }
    s += row(d.date, tests, formatNumber(median(d.download.ip_capacity_mbps)),
             formatNumber(p10(d.download.ip_capacity_mbps)),
             formatNumber(median(d.upload.ip_capacity_mbps)), formatPercent(d.uptime_pct),
             outageCell(d.outages), fmt::format("{:.0f}%", d.coverage * 100.0),
             meetsWord(d.verdict.meets_target) + note) +
         "\n";
  }
  if (any_today) s += wrapLine("", tr("+ today, so far"), 0);
  if (any_partial)
    s += wrapLine("",
                  tr("* agent not running all day: figures cover the observed share "
                     "(cov) only"),
                  2, false);

  s += "\n" + std::string(tr("open alerts:")) + "\n";
  const auto& breaches = in.alert_state.breaches;
  if (breaches.empty()) s += "  " + std::string(tr("none")) + "\n";
  for (const auto& b : breaches) {
    std::string ev;
    for (const auto& e : b.evidence) ev += " " + e;
    s += wrapLine("  ",
                  fmt::format(fmt::runtime(tr("{} since {}, evidence:{}")), b.type,
                              b.since ? shortTime(formatRfc3339Utc(*b.since)) : kUnknown, ev),
                  4, false);
  }

  s += "\n" + std::string(tr("last tests:")) + "\n";
  if (in.last_tests.empty()) s += "  " + std::string(tr("none")) + "\n";
  for (const auto& r : in.last_tests) {
    const auto& v = r.value("verdict", nlohmann::json::object());
    const TestOutcome o = outcomeOf(r);
    std::string judged = outcomeWord(o.outcome);
    if (o.outcome == Outcome::kError) {
      judged += " " + str(r["error"], "kind");
    } else if (!v.value("counted", false)) {
      std::string reasons;
      for (const auto& u : v.value("unfair_reasons", nlohmann::json::array()))
        if (u.is_string()) reasons += (reasons.empty() ? "" : ", ") + u.get<std::string>();
      judged += fmt::format(fmt::runtime(tr(" (not counted: {})")), reasons);
    }
    s += wrapLine(
        "  ",
        fmt::format(fmt::runtime(tr("{} down {} up {}  {}  [{}]")), shortTime(str(r, "ts")),
                    formatRate(record::parseThroughputRecord(r).capacity("download")),
                    formatRate(record::parseThroughputRecord(r).capacity("upload")), judged,
                    str(r, "id")),
        4, false);
  }
  return s;
}

std::string formatReportCsv(const ReportInput& in, const std::vector<record::DailyRecord>& days) {
  std::string s =
      "school_id,device_id,date,tests_run,tests_counted,tests_failed,down_median_mbps,"
      "down_p10_mbps,down_min_mbps,down_max_mbps,up_median_mbps,up_p10_mbps,uptime_pct,"
      "outages,outage_s,power_off_s,observed_share,observed_all_day,day_ended,meets_target\n";
  for (const auto& d : days) {
    const auto& down = d.download.ip_capacity_mbps;
    s += fmt::format("{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}\n",
                     csvField(in.school_id), csvField(in.device_id), d.date, d.tests.run,
                     d.tests.counted, d.tests.failed, csvNum(median(down)), csvNum(p10(down)),
                     csvNum(down ? std::optional(down->min) : std::nullopt),
                     csvNum(down ? std::optional(down->max) : std::nullopt),
                     csvNum(median(d.upload.ip_capacity_mbps)),
                     csvNum(p10(d.upload.ip_capacity_mbps)), csvNum(d.uptime_pct), d.outages.count,
                     d.outages.seconds, d.power_off_s, csvNum(d.coverage),
                     d.coverage >= verdict::kPartialCoverage ? "true" : "false",
                     d.complete ? "true" : "false", csvBool(d.verdict.meets_target));
  }
  return s;
}

}  // namespace uplinkprobe::cli

namespace uplinkprobe::cli {
namespace {

std::tm localTm(WallTime t) {
  const std::time_t tt = std::chrono::system_clock::to_time_t(
      std::chrono::time_point_cast<std::chrono::system_clock::duration>(t));
  std::tm tm{};
  localtime_r(&tt, &tm);
  return tm;
}

// period 10, tests 7, down/up 6, uptime 8, outages 8, cov 5, days 7, verdict.
std::string periodRow(const std::string& period, const std::string& tests, const std::string& down,
                      const std::string& up, const std::string& uptime, const std::string& outages,
                      const std::string& cov, const std::string& days, const std::string& verdict) {
  return fmt::format("{:<10} {:>7} {:>6} {:>6} {:>8} {:>8} {:>5} {:>7}  {}", period, tests, down,
                     up, uptime, outages, cov, days, verdict);
}

}  // namespace

PeriodSpan periodOf(WallTime t, Period p) {
  verdict::LocalDay first = verdict::localDayOf(t);
  // Back to Monday (ISO weeks) or to the 1st; at most 30 steps.
  for (int i = 0; i < 31; ++i) {
    const std::tm tm = localTm(first.start);
    if (p == Period::kWeek ? tm.tm_wday == 1 : tm.tm_mday == 1) break;
    first = verdict::previousDay(first);
  }
  PeriodSpan s;
  s.first_day = first;
  s.last_day = first;
  const int month = localTm(first.start).tm_mon;
  for (int i = 0; i < 31; ++i) {
    const auto next = verdict::nextDay(s.last_day);
    if (p == Period::kWeek ? i == 6 : localTm(next.start).tm_mon != month) break;
    s.last_day = next;
  }
  s.start = s.first_day.start;
  s.end = s.last_day.end;
  char label[32];
  const std::tm tm = localTm(s.start);
  std::strftime(label, sizeof label, p == Period::kWeek ? "%G-W%V" : "%Y-%m", &tm);
  s.label = label;
  return s;
}

PeriodSpan previousPeriod(const PeriodSpan& s, Period p) {
  return periodOf(s.start - std::chrono::hours(12), p);
}

std::vector<PeriodRow> reportPeriods(const ReportInput& in, const std::vector<PeriodSpan>& spans) {
  std::vector<PeriodRow> out;
  for (const auto& s : spans) {
    if (!in.first_record || s.end <= *in.first_record || s.start > in.now) continue;
    verdict::LocalDay whole{s.label, s.start, s.end};
    PeriodRow p;
    p.label = s.label;
    p.first_date = s.first_day.date;
    p.last_date = s.last_day.date;
    p.summary = verdict::summarizeDay(in.records, whole, std::min(in.now, s.end), in.target);
    for (auto d = s.first_day; d.start < s.end && d.start <= in.now; d = verdict::nextDay(d)) {
      if (d.end <= *in.first_record) continue;
      ++p.days_reported;
      const auto day = verdict::summarizeDay(in.records, d, std::min(in.now, d.end), in.target);
      if (const auto m = day.verdict.meets_target) ++(*m ? p.days_met : p.days_below);
    }
    out.push_back(std::move(p));
  }
  return out;
}

std::string formatPeriodTable(const ReportInput& in, Period p,
                              const std::vector<PeriodRow>& periods) {
  std::string s = reportHeading(in);
  s += wrapLine("",
                p == Period::kWeek ? tr("by ISO week (Monday to Sunday, local time)")
                                   : tr("by calendar month (local time)"),
                0);
  s += "\n";
  s += periodRow(p == Period::kWeek ? tr("week") : tr("month"), tr("tests"), tr("down"), tr("up"),
                 tr("uptime"), tr("outages"), tr("cov"), tr("days"), tr("verdict")) +
       "\n";
  if (periods.empty()) s += "  " + std::string(tr("no records yet")) + "\n";
  bool any_open = false;
  for (const auto& p : periods) {
    const record::DailyRecord& d = p.summary;
    const bool open = !d.complete;
    any_open = any_open || open;
    s += periodRow(p.label, fmt::format("{}/{}", d.tests.counted, d.tests.run),
                   formatNumber(median(d.download.ip_capacity_mbps)),
                   formatNumber(median(d.upload.ip_capacity_mbps)), formatPercent(d.uptime_pct),
                   outageCell(d.outages), fmt::format("{:.0f}%", d.coverage * 100.0),
                   fmt::format("{}/{}", p.days_met, p.days_below),
                   meetsWord(d.verdict.meets_target) + (open ? " +" : "")) +
         "\n";
  }
  s += wrapLine("", tr("days: days that met / missed the target (median counted download)"), 0);
  s += wrapLine("", tr("outages: count/minutes; cov: share of the period observed"), 0);
  if (any_open) s += wrapLine("", tr("+ this period, so far"), 0);
  return s;
}

std::string formatPeriodCsv(const ReportInput& in, const std::vector<PeriodRow>& periods) {
  std::string s =
      "school_id,device_id,period,first_date,last_date,period_ended,tests_run,tests_counted,"
      "tests_failed,down_median_mbps,down_p10_mbps,up_median_mbps,uptime_pct,outages,outage_s,"
      "observed_share,days_reported,days_met,days_below,meets_target\n";
  for (const auto& p : periods) {
    const record::DailyRecord& d = p.summary;
    s += fmt::format(
        "{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}\n", csvField(in.school_id),
        csvField(in.device_id), p.label, p.first_date, p.last_date, d.complete ? "true" : "false",
        d.tests.run, d.tests.counted, d.tests.failed, csvNum(median(d.download.ip_capacity_mbps)),
        csvNum(p10(d.download.ip_capacity_mbps)), csvNum(median(d.upload.ip_capacity_mbps)),
        csvNum(d.uptime_pct), d.outages.count, d.outages.seconds, csvNum(d.coverage),
        p.days_reported, p.days_met, p.days_below, csvBool(d.verdict.meets_target));
  }
  return s;
}

}  // namespace uplinkprobe::cli
