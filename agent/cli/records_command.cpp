// `uplinkprobe records --config F [--since SEQ] [--kind K] [--json] [--limit N]`: reads the
// local journal (read-only, safe while the daemon runs).
#include <cstdio>
#include <cstdlib>

#include "agent/cli/arg_parser.h"
#include "agent/cli/commands.h"
#include "agent/cli/exit_codes.h"
#include "agent/cli/record_line.h"
#include "agent/config/config_loader.h"
#include "agent/journal/journal.h"
#include "common/time_format.h"

namespace uplinkprobe::cli {
namespace {

bool parseCount(const std::string& s, uint64_t& out) {
  if (s.empty() || s.size() > 19 || s.find_first_not_of("0123456789") != std::string::npos)
    return false;
  out = std::strtoull(s.c_str(), nullptr, 10);
  return true;
}

}  // namespace

int recordsCommand(const Args& args) {
  auto parsed = parseArgs(args, {"--json"}, {"--config", "--since", "--kind", "--limit"});
  const char* usage =
      "usage: uplinkprobe records --config F [--since SEQ] [--kind K] [--limit N] [--json]\n";
  if (!parsed || !parsed->get("--config")) {
    std::fprintf(stderr, "uplinkprobe records: %s\n%s",
                 parsed ? "--config is required" : parsed.error().message.c_str(), usage);
    return kExitUsage;
  }
  uint64_t since = 0, limit = UINT64_MAX;
  if (auto s = parsed->get("--since"); s && !parseCount(*s, since)) {
    std::fprintf(stderr, "uplinkprobe records: --since expects a record seq number\n%s", usage);
    return kExitUsage;
  }
  if (auto s = parsed->get("--limit"); s && !parseCount(*s, limit)) {
    std::fprintf(stderr, "uplinkprobe records: --limit expects a count\n%s", usage);
    return kExitUsage;
  }
  auto cfg = config::loadConfigFile(*parsed->get("--config"), config::Purpose::kTest);
  if (!cfg) {
    std::fprintf(stderr, "%s\n", cfg.error().message.c_str());
    return kExitBadConfig;
  }
  useTimeZone(cfg->schedule.timezone);  // lines show the school's local time with its offset
  auto j = journal::openFileJournalReadOnly(cfg->storage.dir);
  if (!j) {
    std::fprintf(stderr, "uplinkprobe records: %s\n", j.error().message.c_str());
    return kExitError;
  }
  const std::string kind = parsed->getOr("--kind", "");
  const bool json = parsed->has("--json");
  uint64_t printed = 0;
  // Paged reads keep memory bounded however large the journal is.
  while (printed < limit) {
    auto batch = (*j)->read(since, 1000, kind);
    if (batch.empty()) break;
    for (const auto& r : batch) {
      since = r.seq;
      if (printed++ >= limit) break;
      if (json)
        std::printf("%s\n", r.json.c_str());
      else
        std::printf("%s\n", formatRecordLine(r.json).c_str());
    }
  }
  return kExitOk;
}

}  // namespace uplinkprobe::cli
