// `uplinkprobe report --config F [--days N] [--csv]`: the compliance table an inspector reads
// on site, from the local journal (read-only, safe while the daemon runs). Days are computed
// from the raw records, not only from `daily` records; alerts from replaying the journal.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <ctime>

#include "agent/cli/arg_parser.h"
#include "agent/cli/command_config.h"
#include "agent/cli/commands.h"
#include "agent/cli/display_format.h"
#include "agent/cli/i18n.h"
#include "agent/cli/message_words.h"
#include "agent/cli/record_range.h"
#include "agent/cli/report_table.h"
#include "agent/cli/usage_text.h"
#include "agent/config/config_loader.h"
#include "agent/journal/journal.h"
#include "agent/verdict/local_day.h"
#include "common/exit_codes.h"
#include "common/time_format.h"

namespace uplinkprobe::cli {
namespace {

constexpr size_t kReadBatch = 1000;
// Bounds the records held in memory (a few hundred a day in practice).
constexpr size_t kMaxReportRecords = 200000;

}  // namespace

// A --since/--until bound as an instant: a seq stands for its record's ts.
std::optional<WallTime> boundTime(const RecordBound& b, const journal::Journal& j) {
  if (b.time) return b.time;
  if (!b.seq) return std::nullopt;
  auto one = j.read(*b.seq > 0 ? *b.seq - 1 : 0, 1);
  if (one.empty() || one.front().seq != *b.seq) return std::nullopt;
  auto rec = nlohmann::json::parse(one.front().json, nullptr, false);
  if (!rec.is_object() || !rec.contains("ts") || !rec["ts"].is_string()) return std::nullopt;
  return parseRfc3339(rec["ts"].get<std::string>());
}

int reportCommand(const Args& args) {
  auto parsed =
      parseArgs(args, {"--csv"}, {"--config", "--days", "--since", "--until", "--period"});
  if (!parsed) return usageError("report", parsed.error().message);
  std::optional<Period> period;
  if (auto p = parsed->get("--period")) {
    if (*p == "week")
      period = Period::kWeek;
    else if (*p == "month")
      period = Period::kMonth;
    else
      return usageError("report", "--period: " + std::string(tr("expected week or month")));
    if (parsed->get("--days"))
      return usageError("report", tr("--days and --period exclude each other"));
  }
  int days = 7;
  if (auto d = parsed->get("--days")) {
    char* end = nullptr;
    const long v = std::strtol(d->c_str(), &end, 10);
    if (d->empty() || *end != '\0' || v < 1 || v > kReportMaxDays)
      return usageError("report", "--days: " + std::string(tr("expected 1 to 62")));
    days = static_cast<int>(v);
  }
  if (parsed->get("--days") && (parsed->get("--since") || parsed->get("--until")))
    return usageError("report", tr("--days and --since/--until exclude each other"));
  auto cfg =
      loadCommandConfig(parsed->getOr("--config", kDefaultConfigPath), config::Purpose::kTest);
  if (!cfg) return kExitBadConfig;
  // Days are the school's local days, as the daemon's; times are shown with their offset.
  useTimeZone(cfg->schedule.timezone);
  RecordRange range;
  for (const char* opt : {"--since", "--until"}) {
    auto s = parsed->get(opt);
    if (!s) continue;
    auto b = opt[2] == 's' ? parseSince(*s) : parseUntil(*s);
    if (!b) return usageError("report", b.error().message);
    (opt[2] == 's' ? range.since : range.until) = *b;
  }
  auto j = journal::openFileJournalReadOnly(cfg->storage.dir);
  if (!j) {
    std::fprintf(stderr, "uplinkprobe report: %s\n", j.error().message.c_str());
    return kExitError;
  }
  ReportInput in;
  in.school_id = cfg->identity.school_id;
  in.device_id = cfg->identity.device_id;
  in.target = verdict::verdictInputsFromConfig(cfg->target, std::nullopt);
  in.days = days;
  in.now = SystemClock::instance().wallNow();
  for (const auto* b : {&range.since, &range.until}) {
    if (!b->seq && !b->time) continue;
    if (!boundTime(*b, **j)) {
      std::fprintf(stderr, "uplinkprobe report: %s %llu\n", tr("no record with seq"),
                   static_cast<unsigned long long>(b->seq.value_or(0)));
      return kExitUsage;
    }
  }
  if (auto u = boundTime(range.until, **j)) {
    // The last reported day is the one holding `until` (a date's end is the next midnight).
    const WallTime last = range.until.seq ? *u : *u - std::chrono::milliseconds(1);
    in.now = std::min(in.now, std::max(last, WallTime{}));
  }
  std::vector<PeriodSpan> spans;
  if (period) {
    // The periods from the one holding --since (default: the last 4 weeks / 3 months) to
    // the one holding now (or --until); records are read from the first one's start.
    const auto since = boundTime(range.since, **j);
    spans.push_back(periodOf(in.now, *period));
    const size_t wanted = *period == Period::kWeek ? 4 : 3;
    while (since ? spans.back().start > *since : spans.size() < wanted) {
      if (spans.size() >= static_cast<size_t>(kReportMaxPeriods))
        return usageError("report", tr("--since/--until span more than 12 periods"));
      spans.push_back(previousPeriod(spans.back(), *period));
    }
    std::reverse(spans.begin(), spans.end());
    int n = 1;
    for (auto d = verdict::localDayOf(in.now); d.start > spans.front().start; ++n)
      d = verdict::previousDay(d);
    in.days = n;
  } else if (auto since = boundTime(range.since, **j)) {
    int n = 1;
    for (auto d = verdict::localDayOf(in.now); d.start > *since && n <= kReportMaxDays; ++n)
      d = verdict::previousDay(d);
    if (n > kReportMaxDays)
      return usageError("report", tr("--since/--until span more than 62 days"));
    in.days = n;
  }

  verdict::AlertEngine engine(verdict::alertRulesFromConfig(cfg->alert));
  engine.rebuild(**j);
  in.alert_state = engine.state();

  // Records from the day before the first reported day on (outages and availability periods
  // that cross midnight), plus the last tests whenever they were.
  verdict::LocalDay first = verdict::localDayOf(in.now);
  for (int i = 1; i <= in.days; ++i) first = verdict::previousDay(first);
  uint64_t since = 0;
  size_t dropped = 0;
  for (;;) {
    auto batch = (*j)->read(since, kReadBatch);
    if (batch.empty()) break;
    for (const auto& r : batch) {
      since = r.seq;
      auto rec = nlohmann::json::parse(r.json, nullptr, false);
      if (!rec.is_object()) continue;
      if (!in.first_record)
        if (auto t = parseRfc3339(rec.value("ts", ""))) in.first_record = *t;
      const auto ts = parseRfc3339(rec.value("ts", ""));
      if (ts && *ts > in.now) continue;  // --until: nothing after the reported span
      if (r.kind == "throughput") {
        in.last_tests.push_back(rec);
        if (in.last_tests.size() > kReportLastTests) in.last_tests.pop_front();
      }
      if (!ts || *ts < first.start) continue;
      if (in.records.size() >= kMaxReportRecords) {
        ++dropped;
        continue;
      }
      in.records.push_back(std::move(rec));
    }
  }
  if (period) {
    const auto periods = reportPeriods(in, spans);
    std::fputs((parsed->has("--csv") ? formatPeriodCsv(in, periods)
                                     : formatPeriodTable(in, *period, periods))
                   .c_str(),
               stdout);
    return kExitOk;
  }
  const auto summaries = reportDays(in);
  if (parsed->has("--csv")) {
    std::fputs(formatReportCsv(in, summaries).c_str(), stdout);
  } else {
    std::fputs(formatReportTable(in, summaries).c_str(), stdout);
    if (dropped)
      std::printf("(%zu records beyond the report's memory bound were not read)\n", dropped);
  }
  return kExitOk;
}

}  // namespace uplinkprobe::cli
