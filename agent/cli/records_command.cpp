// `uplinkprobe records [--config F] [--since S] [--until U] [--kind K] [--json] [--limit N]`:
// reads the local journal (read-only, safe while the daemon runs). --since/--until: a seq, a
// date or a time (record_range.h); --kind must be a record kind of the contract.
#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "agent/cli/arg_parser.h"
#include "agent/cli/command_config.h"
#include "agent/cli/commands.h"
#include "agent/cli/display_format.h"
#include "agent/cli/i18n.h"
#include "agent/cli/message_words.h"
#include "agent/cli/record_line.h"
#include "agent/cli/record_range.h"
#include "agent/cli/usage_text.h"
#include "agent/config/config_loader.h"
#include "agent/journal/journal.h"
#include "common/exit_codes.h"
#include "common/time_format.h"
#include "record/schema_validator.h"

namespace uplinkprobe::cli {
namespace {

bool parseCount(const std::string& s, uint64_t& out) {
  if (s.empty() || s.size() > 19 || s.find_first_not_of("0123456789") != std::string::npos)
    return false;
  out = std::strtoull(s.c_str(), nullptr, 10);
  return true;
}

}  // namespace

std::vector<std::string> recordKinds() {
  // The contract's schemas name the kinds (docs/schema/<kind>.json); the envelope is none.
  std::vector<std::string> kinds;
  for (const auto& n : record::SchemaSet::embedded().names()) {
    if (n == "envelope.json" || n.size() < 6 || n.substr(n.size() - 5) != ".json") continue;
    kinds.push_back(n.substr(0, n.size() - 5));
  }
  return kinds;
}

int recordsCommand(const Args& args) {
  auto parsed =
      parseArgs(args, {"--json"}, {"--config", "--since", "--until", "--kind", "--limit"});
  if (!parsed) return usageError("records", parsed.error().message);
  uint64_t limit = UINT64_MAX;
  if (auto s = parsed->get("--limit"); s && !parseCount(*s, limit))
    return usageError("records", tr("--limit expects a count"));
  const std::string kind = parsed->getOr("--kind", "");
  if (!kind.empty()) {
    const auto kinds = recordKinds();
    if (std::find(kinds.begin(), kinds.end(), kind) == kinds.end()) {
      std::string list;
      for (const auto& k : kinds) list += (list.empty() ? "" : ", ") + k;
      return usageError("records",
                        "--kind \"" + kind + "\": " + tr("unknown kind; one of:") + " " + list);
    }
  }
  auto cfg =
      loadCommandConfig(parsed->getOr("--config", kDefaultConfigPath), config::Purpose::kTest);
  if (!cfg) return kExitBadConfig;
  useTimeZone(cfg->schedule.timezone);  // lines show the school's local time with its offset
  RecordRange range;
  if (auto s = parsed->get("--since")) {
    auto b = parseSince(*s);
    if (!b) return usageError("records", b.error().message);
    range.since = *b;
  }
  if (auto s = parsed->get("--until")) {
    auto b = parseUntil(*s);
    if (!b) return usageError("records", b.error().message);
    range.until = *b;
  }
  auto j = journal::openFileJournalReadOnly(cfg->storage.dir);
  if (!j) {
    std::fprintf(stderr, "uplinkprobe records: %s\n", j.error().message.c_str());
    return kExitError;
  }
  const bool json = parsed->has("--json");
  uint64_t printed = 0;
  uint64_t since = range.since.seq.value_or(0);
  // Paged reads keep memory bounded however large the journal is.
  while (printed < limit) {
    auto batch = (*j)->read(since, 1000, kind);
    if (batch.empty()) break;
    bool past_end = false;
    for (const auto& r : batch) {
      since = r.seq;
      if (range.until.seq && r.seq > *range.until.seq) {
        past_end = true;
        break;
      }
      if (range.hasTimeBound()) {
        auto rec = nlohmann::json::parse(r.json, nullptr, false);
        std::optional<WallTime> ts;
        if (rec.is_object() && rec.contains("ts") && rec["ts"].is_string())
          ts = parseRfc3339(rec["ts"].get<std::string>());
        if (!range.contains(r.seq, ts)) continue;
      }
      if (printed++ >= limit) break;
      if (json)
        std::printf("%s\n", r.json.c_str());
      else
        std::printf("%s\n", formatRecordLine(r.json).c_str());
    }
    if (past_end) break;
  }
  return kExitOk;
}

}  // namespace uplinkprobe::cli
