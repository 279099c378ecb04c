#include "record/daily_record.h"

#include "common/time_format.h"
#include "record/json_read.h"

namespace uplinkprobe::record {
namespace {

using json = nlohmann::json;
using namespace json_read;  // the tolerant member reads (record/json_read.h)

const json& object(const json& r, const char* key) {
  static const json kEmpty = json::object();
  const json* v = member(r, key);
  return v != nullptr && v->is_object() ? *v : kEmpty;
}

json orNull(const std::optional<double>& v) { return v ? json(*v) : json(nullptr); }
json orNull(const std::optional<bool>& v) { return v ? json(*v) : json(nullptr); }

json distributionJson(const std::optional<DailyDistribution>& d) {
  if (!d) return nullptr;
  return {{"median", d->median}, {"p10", d->p10}, {"min", d->min}, {"max", d->max}, {"n", d->n}};
}

std::optional<DailyDistribution> parseDistribution(const json& holder, const char* key) {
  const json* d = member(holder, key);
  if (d == nullptr || !d->is_object()) return std::nullopt;
  auto median = number(*d, "median");
  if (!median) return std::nullopt;
  return DailyDistribution{*median, number(*d, "p10").value_or(*median),
                           number(*d, "min").value_or(*median), number(*d, "max").value_or(*median),
                           count(*d, "n").value_or(0)};
}

json directionJson(const DailyDirection& d) {
  return {{"goodput_mbps", distributionJson(d.goodput_mbps)},
          {"ip_capacity_mbps", distributionJson(d.ip_capacity_mbps)}};
}

DailyDirection parseDirection(const json& r, const char* key) {
  const json& d = object(r, key);
  return {parseDistribution(d, "goodput_mbps"), parseDistribution(d, "ip_capacity_mbps")};
}

DailyTally parseTally(const json& t) {
  return {count(t, "count").value_or(0), number(t, "seconds").value_or(0)};
}

}  // namespace

json DailyRecord::toJson() const {
  json by_class = json::object();
  for (const auto& [cls, t] : outages_by_class)
    by_class[cls] = {{"count", t.count}, {"seconds", t.seconds}};
  return {
      {"kind", "daily"},
      {"date", date},
      {"day_start", formatRfc3339Utc(day_start)},
      {"day_end", formatRfc3339Utc(day_end)},
      {"until", formatRfc3339Utc(until)},
      {"complete", complete},
      {"tests",
       {{"run", tests.run},
        {"counted", tests.counted},
        {"failed", tests.failed},
        {"deferred", tests.deferred},
        {"skipped", tests.skipped}}},
      {"download", directionJson(download)},
      {"upload", directionJson(upload)},
      {"latency",
       {{"idle_ms_median", orNull(idle_ms_median)},
        {"loaded_ms_median", orNull(loaded_ms_median)}}},
      {"uptime_pct", orNull(uptime_pct)},
      {"up_s", up_s},
      {"down_s", down_s},
      {"unknown_s", unknown_s},
      {"coverage", coverage},
      {"partial", partial},
      {"outages",
       {{"count", outages.count}, {"seconds", outages.seconds}, {"by_class", std::move(by_class)}}},
      {"power_off_s", power_off_s},
      {"bytes_tests", bytes_tests},
      {"verdict",
       {{"basis", kVerdictBasis},
        {"target_mbps", verdict.target_mbps},
        {"tolerance_pct", verdict.tolerance_pct},
        {"measured_mbps", orNull(verdict.measured_mbps)},
        {"meets_target", orNull(verdict.meets_target)}}},
      {"method", kMethod},
  };
}

std::optional<DailyRecord> parseDailyRecord(const json& r) {
  if (text(r, "kind") != "daily") return std::nullopt;
  auto start = time(r, "day_start"), end = time(r, "day_end");
  const std::string date = text(r, "date");
  if (!start || !end || date.empty()) return std::nullopt;
  DailyRecord d;
  d.date = date;
  d.day_start = *start;
  d.day_end = *end;
  d.until = time(r, "until").value_or(*end);
  d.complete = boolean(r, "complete").value_or(false);
  const json& t = object(r, "tests");
  d.tests = {count(t, "run").value_or(0), count(t, "counted").value_or(0),
             count(t, "failed").value_or(0), count(t, "deferred").value_or(0),
             count(t, "skipped").value_or(0)};
  d.download = parseDirection(r, "download");
  d.upload = parseDirection(r, "upload");
  const json& latency = object(r, "latency");
  d.idle_ms_median = number(latency, "idle_ms_median");
  d.loaded_ms_median = number(latency, "loaded_ms_median");
  d.uptime_pct = number(r, "uptime_pct");
  d.up_s = number(r, "up_s").value_or(0);
  d.down_s = number(r, "down_s").value_or(0);
  d.unknown_s = number(r, "unknown_s").value_or(0);
  d.coverage = number(r, "coverage").value_or(0);
  d.partial = boolean(r, "partial").value_or(false);
  const json& outages = object(r, "outages");
  d.outages = parseTally(outages);
  for (const auto& [cls, tally] : object(outages, "by_class").items())
    if (tally.is_object()) d.outages_by_class[cls] = parseTally(tally);
  d.power_off_s = number(r, "power_off_s").value_or(0);
  if (auto bytes = count(r, "bytes_tests")) d.bytes_tests = static_cast<uint64_t>(*bytes);
  const json& v = object(r, "verdict");
  d.verdict.target_mbps = number(v, "target_mbps").value_or(0);
  d.verdict.tolerance_pct = number(v, "tolerance_pct").value_or(0);
  d.verdict.measured_mbps = number(v, "measured_mbps");
  d.verdict.meets_target = boolean(v, "meets_target");
  return d;
}

}  // namespace uplinkprobe::record
