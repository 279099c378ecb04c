#include "record/throughput_record.h"

#include "record/json_read.h"

namespace uplinkprobe::record {
namespace {

using json = nlohmann::json;

using json_read::boolean;
using json_read::member;
using json_read::notNull;
using json_read::number;
using json_read::text;

std::optional<DirectionFigures> figures(const json& holder, const char* direction) {
  const json* d = member(holder, direction);
  if (d == nullptr || !d->is_object()) return std::nullopt;
  DirectionFigures f;
  f.ip_capacity_mbps = number(*d, "ip_capacity_mbps");
  f.goodput_mbps = number(*d, "goodput_mbps");
  f.failed = notNull(*d, "error");
  return f;
}

json orNull(const std::optional<double>& v) { return v ? json(*v) : json(nullptr); }
json orNull(const std::optional<bool>& v) { return v ? json(*v) : json(nullptr); }

}  // namespace

json Verdict::toJson() const {
  json v = {{"basis", kBasis},
            {"target_mbps", target_mbps},
            {"tolerance_pct", tolerance_pct},
            {"measured_mbps", orNull(measured_mbps)},
            {"meets_target", orNull(meets_target)},
            {"counted", counted},
            {"unfair_reasons", unfair_reasons}};
  if (up_target_mbps) {
    v["up_target_mbps"] = *up_target_mbps;
    v["up_measured_mbps"] = orNull(up_measured_mbps);
    v["up_meets_target"] = orNull(up_meets_target);
  }
  return v;
}

std::optional<Verdict> Verdict::fromJson(const json& v) {
  if (!v.is_object()) return std::nullopt;
  Verdict out;
  out.target_mbps = number(v, "target_mbps").value_or(0);
  out.tolerance_pct = number(v, "tolerance_pct").value_or(0);
  out.measured_mbps = number(v, "measured_mbps");
  out.meets_target = boolean(v, "meets_target");
  out.up_target_mbps = number(v, "up_target_mbps");
  out.up_measured_mbps = number(v, "up_measured_mbps");
  out.up_meets_target = boolean(v, "up_meets_target");
  out.counted = boolean(v, "counted").value_or(false);
  if (const json* reasons = member(v, "unfair_reasons"); reasons && reasons->is_array())
    for (const auto& r : *reasons)
      if (r.is_string()) out.unfair_reasons.push_back(r.get<std::string>());
  return out;
}

ThroughputRecord parseThroughputRecord(const json& rec) {
  ThroughputRecord r;
  if (!rec.is_object()) return r;
  r.id = text(rec, "id");
  r.ts = text(rec, "ts");
  if (const std::string m = text(rec, "method"); !m.empty()) r.method = m;
  r.failed = notNull(rec, "error");
  r.client_limited = boolean(rec, "client_limited").value_or(false);
  r.cross_traffic_mbps = number(rec, "cross_traffic_mbps");
  if (const json* b = member(rec, "bytes_total");
      b && b->is_number_integer() && b->get<int64_t>() > 0)
    r.bytes_total = b->get<uint64_t>();
  if (const json* lat = member(rec, "latency"); lat && lat->is_object()) {
    r.idle_latency_ms = number(*lat, "idle_ms");
    r.loaded_latency_ms = number(*lat, "loaded_ms");
  }
  // A UDP record keeps its directions under `udp` (header); without that object it has none.
  const json* holder = &rec;
  if (r.method == "udp") holder = member(rec, "udp");
  if (holder != nullptr) {
    r.download = figures(*holder, "download");
    r.upload = figures(*holder, "upload");
  }
  if (const json* v = member(rec, "verdict")) r.verdict = Verdict::fromJson(*v);
  return r;
}

const DirectionFigures* ThroughputRecord::direction(std::string_view name) const {
  const std::optional<DirectionFigures>* d =
      name == "download" ? &download : (name == "upload" ? &upload : nullptr);
  return d != nullptr && d->has_value() ? &**d : nullptr;
}

std::optional<double> ThroughputRecord::capacity(std::string_view name) const {
  const DirectionFigures* d = direction(name);
  return d != nullptr ? d->ip_capacity_mbps : std::nullopt;
}

std::optional<double> ThroughputRecord::judgedCapacity(std::string_view name) const {
  const DirectionFigures* d = direction(name);
  return d != nullptr && !d->failed ? d->ip_capacity_mbps : std::nullopt;
}

}  // namespace uplinkprobe::record
