#include "agent/verdict/daily_producer.h"

#include "agent/verdict/daily_scheduler.h"
#include "agent/verdict/daily_summary.h"
#include "common/time_format.h"

namespace uplinkprobe::verdict {
namespace {

constexpr size_t kBatch = 500;
constexpr int kMaxBatches = 100000;

}  // namespace

std::vector<nlohmann::json> DailyProducer::poll(const journal::Journal& journal, WallTime now,
                                                const VerdictInputs& target) {
  if (checked_ && now < next_check_) return {};
  checked_ = true;
  const WallTime settled = now - settle_;
  next_check_ = nextDailyCheck(settled) + settle_;

  std::optional<WallTime> first;
  if (auto r = journal.read(0, 1); !r.empty()) {
    auto j = nlohmann::json::parse(r[0].json, nullptr, false);
    if (j.is_object()) first = parseRfc3339(j.value("ts", ""));
  }
  std::optional<std::string> last;
  uint64_t since = 0;
  for (int i = 0; i < kMaxBatches; ++i) {
    auto batch = journal.read(since, kBatch, "daily");
    if (batch.empty()) break;
    for (const auto& r : batch) {
      since = r.seq;
      auto j = nlohmann::json::parse(r.json, nullptr, false);
      if (j.is_object() && j.contains("date") && j["date"].is_string()) {
        const std::string d = j["date"].get<std::string>();
        if (!last || d > *last) last = d;  // ISO dates sort as strings
      }
    }
  }
  const auto days = daysDue(last, first, settled);
  if (days.empty()) return {};

  const WallTime lo = previousDay(days.front()).start;
  const WallTime hi = nextDay(days.back()).end;
  std::vector<nlohmann::json> records;
  since = 0;
  for (int i = 0; i < kMaxBatches && records.size() < kMaxDailyRecords; ++i) {
    auto batch = journal.read(since, kBatch);
    if (batch.empty()) break;
    for (const auto& r : batch) {
      since = r.seq;
      if (r.kind == "alert" || r.kind == "daily" || r.kind == "gap") continue;
      auto j = nlohmann::json::parse(r.json, nullptr, false);
      if (!j.is_object()) continue;
      auto ts = parseRfc3339(j.value("ts", ""));
      if (!ts || *ts < lo || *ts >= hi) continue;
      if (records.size() < kMaxDailyRecords) records.push_back(std::move(j));
    }
  }
  std::vector<nlohmann::json> out;
  for (const auto& d : days) out.push_back(summarizeDay(records, d, d.end, target).toJson());
  return out;
}

}  // namespace uplinkprobe::verdict
