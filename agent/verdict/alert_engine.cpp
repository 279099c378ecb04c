#include "agent/verdict/alert_engine.h"

#include <algorithm>

#include "common/time_format.h"
#include "record/availability_records.h"
#include "record/daily_record.h"
#include "record/throughput_record.h"

namespace uplinkprobe::verdict {
namespace {

constexpr size_t kReplayBatch = 500;
constexpr int kReplayMaxBatches = 100000;  // bounded like the journal itself

std::string str(const nlohmann::json& r, const char* key) {
  return r.contains(key) && r[key].is_string() ? r[key].get<std::string>() : std::string();
}

nlohmann::json idList(const std::vector<CountedResult>& v) {
  nlohmann::json ids = nlohmann::json::array();
  for (const auto& r : v) {
    if (ids.size() >= kMaxEvidenceIds) break;
    ids.push_back(r.id);
  }
  return ids;
}

nlohmann::json mbpsList(const std::vector<CountedResult>& v) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& r : v) {
    if (out.size() >= kMaxEvidenceIds) break;
    out.push_back(r.measured_mbps);
  }
  return out;
}

void appendBounded(nlohmann::json& list, const std::string& id) {
  if (!id.empty() && list.size() < kMaxEvidenceIds) list.push_back(id);
}

}  // namespace

AlertRules alertRulesFromConfig(const config::AlertConfig& a) {
  AlertRules r;
  r.throughput.breach_after = a.breach_after;
  r.throughput.breach_window = a.breach_window;
  r.throughput.clear_after = a.clear_after;
  r.outage_alert_minutes = a.outage_alert_minutes;
  r.min_daily_uptime_pct = a.min_daily_uptime_pct;
  return r;
}

AlertEngine::AlertEngine(AlertRules rules) : rules_(rules), tracker_(rules.throughput) {}

std::vector<nlohmann::json> AlertEngine::onRecord(const nlohmann::json& rec) {
  replaying_ = false;
  return process(rec);
}

std::vector<nlohmann::json> AlertEngine::onTick(WallTime now) {
  replaying_ = false;
  return checkOutage(now, formatRfc3339Utc(now));
}

std::vector<nlohmann::json> AlertEngine::replay(const std::vector<nlohmann::json>& records) {
  replaying_ = true;
  for (const auto& r : records) process(r);
  replaying_ = false;
  // Reconcile what the measurements say with what the journal announced.
  std::vector<nlohmann::json> out;
  const bool tp_derived = tracker_.isOpen();
  if (tp_derived && !throughputOpen()) {
    std::vector<CountedResult> bad;
    for (const auto& w : tracker_.window())
      if (!w.good) bad.push_back(w);
    auto b = opened("throughput", idList(bad), "",
                    {{"target_mbps", target_mbps_}, {"measured_mbps", mbpsList(bad)}});
    b["reconciled"] = true;
    out.push_back(std::move(b));
  } else if (!tp_derived && throughputOpen()) {
    auto b =
        closed("throughput", idList(last_close_evidence_),
               {{"target_mbps", target_mbps_}, {"measured_mbps", mbpsList(last_close_evidence_)}});
    b["reconciled"] = true;
    out.push_back(std::move(b));
  }
  const bool av_derived = long_outage_ || low_uptime_day_.has_value();
  if (av_derived != availabilityOpen()) {
    nlohmann::json ev = long_outage_ ? long_outage_evidence_ : low_uptime_evidence_;
    auto b = av_derived ? opened("availability", ev, "",
                                 {{"cause", long_outage_ ? "long_outage" : "low_uptime"}})
                        : closed("availability", ev, nlohmann::json::object());
    b["reconciled"] = true;
    out.push_back(std::move(b));
  }
  return out;
}

std::vector<nlohmann::json> AlertEngine::rebuild(const journal::Journal& journal) {
  std::vector<nlohmann::json> records;
  uint64_t since = 0;
  // Replayed in batches: parse, feed, drop — memory stays bounded by one batch.
  replaying_ = true;
  for (int i = 0; i < kReplayMaxBatches; ++i) {
    auto batch = journal.read(since, kReplayBatch);
    if (batch.empty()) break;
    for (const auto& r : batch) {
      since = r.seq;
      auto j = nlohmann::json::parse(r.json, nullptr, false);
      if (j.is_object()) process(j);
    }
  }
  return replay(records);  // reconciliation only: records is empty
}

std::vector<nlohmann::json> AlertEngine::process(const nlohmann::json& rec) {
  if (!rec.is_object()) return {};
  if (rec.contains("seq") && rec["seq"].is_number_unsigned()) {
    const uint64_t seq = rec["seq"].get<uint64_t>();
    if (seq <= last_seq_) return {};
    last_seq_ = seq;
  }
  const std::string kind = str(rec, "kind");
  std::vector<nlohmann::json> out;
  if (kind == "throughput") {
    out = onThroughput(rec);
  } else if (kind == "outage") {
    out = onOutageRecord(rec);
  } else if (kind == "daily") {
    out = onDaily(rec);
  } else if (kind == "alert") {
    onAlertRecord(rec);
  } else if (kind == "event" && str(rec, "event") == "outage_started") {
    if (auto opened = record::parseOutageStartedEvent(rec)) {
      outage_ = OpenOutage{str(rec, "id"), formatRfc3339Utc(opened->start), opened->start,
                           opened->outage_class};
    }
  }
  // Time passes with every record: an outage that became long is noticed on replay too.
  const std::string ts = str(rec, "ts");
  if (auto now = parseRfc3339(ts)) {
    auto more = checkOutage(*now, ts);
    out.insert(out.end(), more.begin(), more.end());
  }
  return out;
}

std::vector<nlohmann::json> AlertEngine::onThroughput(const nlohmann::json& rec) {
  const record::ThroughputRecord test = record::parseThroughputRecord(rec);
  if (!test.verdict) return {};
  const record::Verdict& v = *test.verdict;
  const std::optional<bool> meets = v.countedMeetsTarget();
  if (!meets) return {};
  if (v.target_mbps > 0) target_mbps_ = v.target_mbps;  // 0: the verdict did not say
  CountedResult r{test.id, *meets, v.measured_mbps.value_or(0.0)};
  auto t = tracker_.onResult(r);
  if (!t) return {};
  const nlohmann::json figures = {{"target_mbps", target_mbps_},
                                  {"measured_mbps", mbpsList(t->evidence)},
                                  {"rule",
                                   {{"breach_after", tracker_.rules().breach_after},
                                    {"breach_window", tracker_.rules().breach_window},
                                    {"clear_after", tracker_.rules().clear_after}}}};
  if (t->opened) {
    if (throughputOpen()) return {};
    return {opened("throughput", idList(t->evidence), str(rec, "ts"), figures)};
  }
  last_close_evidence_ = t->evidence;
  if (!throughputOpen()) return {};
  return {closed("throughput", idList(t->evidence), figures)};
}

std::vector<nlohmann::json> AlertEngine::onOutageRecord(const nlohmann::json& rec) {
  std::vector<nlohmann::json> out;
  // An outage record that does not parse (no agent writes one) still ends the open outage.
  const std::optional<record::OutageRecord> closed = record::parseOutageRecord(rec);
  const double duration = closed ? closed->duration_s : 0.0;
  const std::string start = closed ? formatRfc3339Utc(closed->start) : std::string();
  const std::string id = str(rec, "id");
  const nlohmann::json figures = {{"cause", "long_outage"},
                                  {"class", closed ? closed->outage_class : std::string()},
                                  {"duration_s", duration},
                                  {"start", start},
                                  {"end", closed ? formatRfc3339Utc(closed->end) : std::string()},
                                  {"outage_alert_minutes", rules_.outage_alert_minutes}};
  if (!long_outage_ && duration >= rules_.outage_alert_minutes * 60.0) {
    // Learned only at close (no tick saw it open that long): announce it, then its end.
    long_outage_ = true;
    long_outage_evidence_ = nlohmann::json::array();
    appendBounded(long_outage_evidence_, id);
    auto o = availabilityChanged("long_outage", long_outage_evidence_, start, figures);
    out.insert(out.end(), o.begin(), o.end());
  }
  outage_.reset();
  if (long_outage_) {
    long_outage_ = false;
    nlohmann::json ev = nlohmann::json::array();
    appendBounded(ev, id);
    auto o = availabilityChanged("long_outage", ev, "", figures);
    out.insert(out.end(), o.begin(), o.end());
  }
  return out;
}

std::vector<nlohmann::json> AlertEngine::onDaily(const nlohmann::json& rec) {
  const std::optional<record::DailyRecord> day = record::parseDailyRecord(rec);
  if (!day || !day->uptime_pct) return {};  // no observed time: nothing to judge
  const double uptime = *day->uptime_pct;
  const std::string date = day->date;
  const nlohmann::json figures = {{"cause", "low_uptime"},
                                  {"date", date},
                                  {"uptime_pct", uptime},
                                  {"coverage", day->coverage},
                                  {"min_daily_uptime_pct", rules_.min_daily_uptime_pct}};
  nlohmann::json ev = nlohmann::json::array();
  appendBounded(ev, str(rec, "id"));
  if (uptime < rules_.min_daily_uptime_pct) {
    const bool was = low_uptime_day_.has_value();
    low_uptime_day_ = date;
    if (was) {
      appendBounded(low_uptime_evidence_, str(rec, "id"));
      return {};
    }
    low_uptime_evidence_ = ev;
    return availabilityChanged("low_uptime", ev, formatRfc3339Utc(day->day_start), figures);
  }
  if (!low_uptime_day_) return {};
  low_uptime_day_.reset();
  low_uptime_evidence_ = nlohmann::json::array();
  return availabilityChanged("low_uptime", ev, "", figures);
}

std::vector<nlohmann::json> AlertEngine::checkOutage(WallTime now, const std::string& now_text) {
  if (!outage_ || long_outage_) return {};
  const double open_s = toSeconds(now - outage_->start_time);
  if (open_s < rules_.outage_alert_minutes * 60.0) return {};
  long_outage_ = true;
  long_outage_evidence_ = nlohmann::json::array();
  appendBounded(long_outage_evidence_, outage_->event_id);
  return availabilityChanged("long_outage", long_outage_evidence_, outage_->start,
                             {{"cause", "long_outage"},
                              {"class", outage_->cls},
                              {"start", outage_->start},
                              {"open_for_s", open_s},
                              {"as_of", now_text},
                              {"outage_alert_minutes", rules_.outage_alert_minutes}});
}

std::vector<nlohmann::json> AlertEngine::availabilityChanged(const std::string& cause,
                                                             nlohmann::json evidence,
                                                             const std::string& since,
                                                             nlohmann::json figures) {
  const bool derived = long_outage_ || low_uptime_day_.has_value();
  figures["cause"] = cause;
  if (derived && !availabilityOpen()) return {opened("availability", evidence, since, figures)};
  if (!derived && availabilityOpen()) return {closed("availability", evidence, figures)};
  return {};
}

void AlertEngine::onAlertRecord(const nlohmann::json& rec) {
  const std::string type = str(rec, "type");
  const std::string alert = str(rec, "alert");
  if (type.empty()) return;
  if (alert == "breach_opened") {
    announced_[type] = Announced{str(rec, "id"), str(rec, "since"),
                                 rec.value("evidence", nlohmann::json::array())};
  } else if (alert == "breach_closed") {
    announced_.erase(type);
  }
}

nlohmann::json AlertEngine::opened(const std::string& type, nlohmann::json evidence,
                                   const std::string& since, nlohmann::json figures) {
  if (replaying_) return nullptr;
  nlohmann::json b = std::move(figures);
  b["alert"] = "breach_opened";
  b["type"] = type;
  b["evidence"] = evidence;
  b["since"] = since.empty() ? nlohmann::json(nullptr) : nlohmann::json(since);
  // Announced as soon as we hand it out: the daemon journals it next, and onRecord() of
  // that alert record fills in its id.
  announced_[type] = Announced{"", since, std::move(evidence)};
  return b;
}

nlohmann::json AlertEngine::closed(const std::string& type, nlohmann::json evidence,
                                   nlohmann::json figures) {
  if (replaying_) return nullptr;
  nlohmann::json b = std::move(figures);
  b["alert"] = "breach_closed";
  b["type"] = type;
  b["evidence"] = std::move(evidence);
  if (auto it = announced_.find(type); it != announced_.end()) {
    b["opened_alert_id"] =
        it->second.alert_id.empty() ? nlohmann::json(nullptr) : nlohmann::json(it->second.alert_id);
    b["since"] =
        it->second.since.empty() ? nlohmann::json(nullptr) : nlohmann::json(it->second.since);
    announced_.erase(it);
  }
  return b;
}

nlohmann::json AlertEngine::state() const {
  nlohmann::json breaches = nlohmann::json::array();
  for (const auto& [type, a] : announced_) {
    breaches.push_back(
        {{"type", type},
         {"opened_alert_id",
          a.alert_id.empty() ? nlohmann::json(nullptr) : nlohmann::json(a.alert_id)},
         {"since", a.since.empty() ? nlohmann::json(nullptr) : nlohmann::json(a.since)},
         {"evidence", a.evidence}});
  }
  nlohmann::json window = nlohmann::json::array();
  for (const auto& w : tracker_.window()) window.push_back({{"id", w.id}, {"good", w.good}});
  nlohmann::json outage = nullptr;
  if (outage_)
    outage = {{"start", outage_->start}, {"class", outage_->cls}, {"event_id", outage_->event_id}};
  return {{"open", !announced_.empty()},
          {"breaches", breaches},
          {"as_of_seq", last_seq_},
          {"throughput",
           {{"open", throughputOpen()},
            {"target_mbps", target_mbps_},
            {"window", window},
            {"bad_in_window", tracker_.badInWindow()},
            {"good_streak", tracker_.goodStreak()},
            {"rule",
             {{"breach_after", tracker_.rules().breach_after},
              {"breach_window", tracker_.rules().breach_window},
              {"clear_after", tracker_.rules().clear_after}}}}},
          {"availability",
           {{"open", availabilityOpen()},
            {"open_outage", outage},
            {"long_outage", long_outage_},
            {"low_uptime_day",
             low_uptime_day_ ? nlohmann::json(*low_uptime_day_) : nlohmann::json(nullptr)},
            {"outage_alert_minutes", rules_.outage_alert_minutes},
            {"min_daily_uptime_pct", rules_.min_daily_uptime_pct}}}};
}

}  // namespace uplinkprobe::verdict
