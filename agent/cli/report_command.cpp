// `uplinkprobe report --config F [--days N] [--csv]`: the compliance table an inspector reads
// on site, from the local journal (read-only, safe while the daemon runs). Days are computed
// from the raw records, not only from `daily` records; alerts from replaying the journal.
#include <cstdio>
#include <cstdlib>
#include <ctime>

#include "agent/cli/arg_parser.h"
#include "agent/cli/commands.h"
#include "agent/cli/exit_codes.h"
#include "agent/cli/report_table.h"
#include "agent/config/config_loader.h"
#include "agent/journal/journal.h"
#include "agent/verdict/local_day.h"
#include "common/time_format.h"

namespace uplinkprobe::cli {
namespace {

constexpr size_t kReadBatch = 1000;
// Bounds the records held in memory (a few hundred a day in practice).
constexpr size_t kMaxReportRecords = 200000;

}  // namespace

int reportCommand(const Args& args) {
  const char* usage = "usage: uplinkprobe report --config F [--days N] [--csv]\n";
  auto parsed = parseArgs(args, {"--csv"}, {"--config", "--days"});
  if (!parsed || !parsed->get("--config")) {
    std::fprintf(stderr, "uplinkprobe report: %s\n%s",
                 parsed ? "--config is required" : parsed.error().message.c_str(), usage);
    return kExitUsage;
  }
  int days = 7;
  if (auto d = parsed->get("--days")) {
    char* end = nullptr;
    const long v = std::strtol(d->c_str(), &end, 10);
    if (d->empty() || *end != '\0' || v < 1 || v > kReportMaxDays) {
      std::fprintf(stderr, "uplinkprobe report: --days expects 1..%d\n%s", kReportMaxDays, usage);
      return kExitUsage;
    }
    days = static_cast<int>(v);
  }
  auto cfg = config::loadConfigFile(*parsed->get("--config"), config::Purpose::kTest);
  if (!cfg) {
    std::fprintf(stderr, "%s\n", cfg.error().message.c_str());
    return kExitBadConfig;
  }
  // Days are the school's local days, as the daemon's; times are shown with their offset.
  useTimeZone(cfg->schedule.timezone);
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

  verdict::AlertEngine engine(verdict::alertRulesFromConfig(cfg->alert));
  engine.rebuild(**j);
  in.alert_state = engine.state();

  // Records from the day before the first reported day on (outages and availability periods
  // that cross midnight), plus the last tests whenever they were.
  verdict::LocalDay first = verdict::localDayOf(in.now);
  for (int i = 1; i <= days; ++i) first = verdict::previousDay(first);
  uint64_t since = 0;
  size_t dropped = 0;
  for (;;) {
    auto batch = (*j)->read(since, kReadBatch);
    if (batch.empty()) break;
    for (const auto& r : batch) {
      since = r.seq;
      auto rec = nlohmann::json::parse(r.json, nullptr, false);
      if (!rec.is_object()) continue;
      if (r.kind == "throughput") {
        in.last_tests.push_back(rec);
        if (in.last_tests.size() > kReportLastTests) in.last_tests.pop_front();
      }
      const auto ts = parseRfc3339(rec.value("ts", ""));
      if (!ts || *ts < first.start) continue;
      if (in.records.size() >= kMaxReportRecords) {
        ++dropped;
        continue;
      }
      in.records.push_back(std::move(rec));
    }
  }
  const auto summaries = reportDays(in);
  if (parsed->has("--csv")) {
    std::fputs(formatReportCsv(summaries).c_str(), stdout);
  } else {
    std::fputs(formatReportTable(in, summaries).c_str(), stdout);
    if (dropped)
      std::printf("(%zu records beyond the report's memory bound were not read)\n", dropped);
  }
  return kExitOk;
}

}  // namespace uplinkprobe::cli
