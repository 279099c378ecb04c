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

using record::AlertRecord;

std::string str(const nlohmann::json& r, const char* key) {
  return r.contains(key) && r[key].is_string() ? r[key].get<std::string>() : std::string();
}

std::vector<std::string> idList(const std::vector<CountedResult>& v) {
  std::vector<std::string> ids;
  for (const auto& r : v) {
    if (ids.size() >= record::kMaxAlertEvidence) break;
    ids.push_back(r.id);
  }
  return ids;
}

void appendBounded(std::vector<std::string>& list, const std::string& id) {
  if (!id.empty() && list.size() < record::kMaxAlertEvidence) list.push_back(id);
}

std::vector<AlertRecord> just(std::optional<AlertRecord> a) {
  if (!a) return {};
  return {std::move(*a)};
}

// The tracker's rules as the records carry them.
record::BreachRule wireRule(const BreachRules& r) {
  return {r.breach_after, r.breach_window, r.clear_after};
}

AlertRecord ofType(const char* type, const char* cause = "") {
  AlertRecord a;
  a.type = type;
  a.cause = cause;
  return a;
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

std::vector<AlertRecord> AlertEngine::onRecord(const nlohmann::json& rec) {
  replaying_ = false;
  return process(rec);
}

std::vector<AlertRecord> AlertEngine::onTick(WallTime now) {
  replaying_ = false;
  return checkOutage(now);
}

std::vector<AlertRecord> AlertEngine::replay(const std::vector<nlohmann::json>& records) {
  replaying_ = true;
  for (const auto& r : records) process(r);
  replaying_ = false;
  // Reconcile what the measurements say with what the journal announced.
  Alerts out;
  const bool tp_derived = tracker_.isOpen();
  if (tp_derived && !throughputOpen()) {
    std::vector<CountedResult> bad;
    for (const auto& w : tracker_.window())
      if (!w.good) bad.push_back(w);
    AlertRecord a = ofType("throughput");
    a.throughput = throughputFigures(bad, false);
    a.reconciled = true;
    if (auto o = opened(std::move(a), idList(bad), std::nullopt)) out.push_back(std::move(*o));
  } else if (!tp_derived && throughputOpen()) {
    AlertRecord a = ofType("throughput");
    a.throughput = throughputFigures(last_close_evidence_, false);
    a.reconciled = true;
    if (auto c = closed(std::move(a), idList(last_close_evidence_))) out.push_back(std::move(*c));
  }
  const bool av_derived = long_outage_ || low_uptime_day_.has_value();
  if (av_derived != availabilityOpen()) {
    const Ids ev = long_outage_ ? long_outage_evidence_ : low_uptime_evidence_;
    AlertRecord a = ofType("availability", av_derived && long_outage_ ? "long_outage"
                                           : av_derived               ? "low_uptime"
                                                                      : "");
    a.reconciled = true;
    auto o = av_derived ? opened(std::move(a), ev, std::nullopt) : closed(std::move(a), ev);
    if (o) out.push_back(std::move(*o));
  }
  return out;
}

std::vector<AlertRecord> AlertEngine::rebuild(const journal::Journal& journal) {
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
  return replay({});  // reconciliation only
}

std::vector<AlertRecord> AlertEngine::process(const nlohmann::json& rec) {
  if (!rec.is_object()) return {};
  if (rec.contains("seq") && rec["seq"].is_number_unsigned()) {
    const uint64_t seq = rec["seq"].get<uint64_t>();
    if (seq <= last_seq_) return {};
    last_seq_ = seq;
  }
  const std::string kind = str(rec, "kind");
  Alerts out;
  if (kind == "throughput") {
    out = onThroughput(rec);
  } else if (kind == "outage") {
    out = onOutageRecord(rec);
  } else if (kind == "daily") {
    out = onDaily(rec);
  } else if (kind == "alert") {
    onAlertRecord(rec);
  } else if (kind == "event" && str(rec, "event") == "outage_started") {
    if (auto started = record::parseOutageStartedEvent(rec))
      outage_ =
          record::AlertState::OpenOutage{started->start, started->outage_class, str(rec, "id")};
  }
  // Time passes with every record: an outage that became long is noticed on replay too.
  if (auto now = parseRfc3339(str(rec, "ts"))) {
    auto more = checkOutage(*now);
    out.insert(out.end(), more.begin(), more.end());
  }
  return out;
}

record::ThroughputAlertFigures AlertEngine::throughputFigures(
    const std::vector<CountedResult>& results, bool with_rule) const {
  record::ThroughputAlertFigures f;
  f.target_mbps = target_mbps_;
  for (const auto& r : results) {
    if (f.measured_mbps.size() >= record::kMaxAlertEvidence) break;
    f.measured_mbps.push_back(r.measured_mbps);
  }
  if (with_rule) f.rule = wireRule(tracker_.rules());
  return f;
}

std::vector<AlertRecord> AlertEngine::onThroughput(const nlohmann::json& rec) {
  const record::ThroughputRecord test = record::parseThroughputRecord(rec);
  if (!test.verdict) return {};
  const record::Verdict& v = *test.verdict;
  const std::optional<bool> meets = v.countedMeetsTarget();
  if (!meets) return {};
  if (v.target_mbps > 0) target_mbps_ = v.target_mbps;  // 0: the verdict did not say
  CountedResult r{test.id, *meets, v.measured_mbps.value_or(0.0)};
  auto t = tracker_.onResult(r);
  if (!t) return {};
  AlertRecord a = ofType("throughput");
  a.throughput = throughputFigures(t->evidence, true);
  if (t->opened) {
    if (throughputOpen()) return {};
    return just(opened(std::move(a), idList(t->evidence), parseRfc3339(test.ts)));
  }
  last_close_evidence_ = t->evidence;
  if (!throughputOpen()) return {};
  return just(closed(std::move(a), idList(t->evidence)));
}

std::vector<AlertRecord> AlertEngine::onOutageRecord(const nlohmann::json& rec) {
  Alerts out;
  // An outage record that does not parse (no agent writes one) still ends the open outage.
  const std::optional<record::OutageRecord> ended = record::parseOutageRecord(rec);
  const std::string id = str(rec, "id");
  AlertRecord figures = ofType("availability", "long_outage");
  record::LongOutageFigures f;
  f.outage_alert_minutes = rules_.outage_alert_minutes;
  if (ended) {
    f.outage_class = ended->outage_class;
    f.start = ended->start;
    f.end = ended->end;
    f.duration_s = ended->duration_s;
  }
  figures.long_outage = f;
  if (!long_outage_ && ended && ended->duration_s >= rules_.outage_alert_minutes * 60.0) {
    // Learned only at close (no tick saw it open that long): announce it, then its end.
    long_outage_ = true;
    long_outage_evidence_.clear();
    appendBounded(long_outage_evidence_, id);
    auto o = availabilityChanged(figures, long_outage_evidence_, ended->start);
    out.insert(out.end(), o.begin(), o.end());
  }
  outage_.reset();
  if (long_outage_) {
    long_outage_ = false;
    Ids ev;
    appendBounded(ev, id);
    auto o = availabilityChanged(std::move(figures), std::move(ev), std::nullopt);
    out.insert(out.end(), o.begin(), o.end());
  }
  return out;
}

std::vector<AlertRecord> AlertEngine::onDaily(const nlohmann::json& rec) {
  const std::optional<record::DailyRecord> day = record::parseDailyRecord(rec);
  if (!day || !day->uptime_pct) return {};  // no observed time: nothing to judge
  const double uptime = *day->uptime_pct;
  AlertRecord figures = ofType("availability", "low_uptime");
  figures.low_uptime =
      record::LowUptimeFigures{day->date, uptime, day->coverage, rules_.min_daily_uptime_pct};
  Ids ev;
  appendBounded(ev, str(rec, "id"));
  if (uptime < rules_.min_daily_uptime_pct) {
    const bool was = low_uptime_day_.has_value();
    low_uptime_day_ = day->date;
    if (was) {
      appendBounded(low_uptime_evidence_, str(rec, "id"));
      return {};
    }
    low_uptime_evidence_ = ev;
    return availabilityChanged(std::move(figures), std::move(ev), day->day_start);
  }
  if (!low_uptime_day_) return {};
  low_uptime_day_.reset();
  low_uptime_evidence_.clear();
  return availabilityChanged(std::move(figures), std::move(ev), std::nullopt);
}

std::vector<AlertRecord> AlertEngine::checkOutage(WallTime now) {
  if (!outage_ || long_outage_) return {};
  const double open_s = toSeconds(now - outage_->start);
  if (open_s < rules_.outage_alert_minutes * 60.0) return {};
  long_outage_ = true;
  long_outage_evidence_.clear();
  appendBounded(long_outage_evidence_, outage_->event_id);
  AlertRecord figures = ofType("availability", "long_outage");
  record::LongOutageFigures f;
  f.outage_class = outage_->outage_class;
  f.start = outage_->start;
  f.open_for_s = open_s;
  f.as_of = now;
  f.outage_alert_minutes = rules_.outage_alert_minutes;
  figures.long_outage = f;
  return availabilityChanged(std::move(figures), long_outage_evidence_, outage_->start);
}

std::vector<AlertRecord> AlertEngine::availabilityChanged(AlertRecord figures, Ids evidence,
                                                          std::optional<WallTime> since) {
  const bool derived = long_outage_ || low_uptime_day_.has_value();
  if (derived && !availabilityOpen())
    return just(opened(std::move(figures), std::move(evidence), since));
  if (!derived && availabilityOpen()) return just(closed(std::move(figures), std::move(evidence)));
  return {};
}

void AlertEngine::onAlertRecord(const nlohmann::json& rec) {
  const std::optional<AlertRecord> a = record::parseAlertRecord(rec);
  if (!a) return;
  if (a->opened) {
    announced_[a->type] =
        Announced{a->id.empty() ? std::nullopt : std::optional(a->id), a->since, a->evidence};
  } else {
    announced_.erase(a->type);
  }
}

std::optional<AlertRecord> AlertEngine::opened(AlertRecord a, Ids evidence,
                                               std::optional<WallTime> since) {
  if (replaying_) return std::nullopt;
  if (evidence.size() > record::kMaxAlertEvidence) evidence.resize(record::kMaxAlertEvidence);
  a.opened = true;
  a.evidence = evidence;
  a.since = since;
  // Announced as soon as we hand it out: the daemon journals it next, and onRecord() of
  // that alert record fills in its id.
  announced_[a.type] = Announced{std::nullopt, since, std::move(evidence)};
  return a;
}

std::optional<AlertRecord> AlertEngine::closed(AlertRecord a, Ids evidence) {
  if (replaying_) return std::nullopt;
  if (evidence.size() > record::kMaxAlertEvidence) evidence.resize(record::kMaxAlertEvidence);
  a.opened = false;
  a.evidence = std::move(evidence);
  // Unknown (null) when the journal no longer holds the opening alert.
  if (auto it = announced_.find(a.type); it != announced_.end()) {
    a.opened_alert_id = it->second.alert_id;
    a.since = it->second.since;
    announced_.erase(it);
  }
  return a;
}

record::AlertState AlertEngine::state() const {
  record::AlertState s;
  for (const auto& [type, a] : announced_)
    s.breaches.push_back({type, a.alert_id, a.since, a.evidence});
  s.as_of_seq = last_seq_;
  s.throughput_open = throughputOpen();
  s.target_mbps = target_mbps_;
  for (const auto& w : tracker_.window()) s.window.push_back({w.id, w.good});
  s.bad_in_window = tracker_.badInWindow();
  s.good_streak = tracker_.goodStreak();
  s.rule = wireRule(tracker_.rules());
  s.availability_open = availabilityOpen();
  s.open_outage = outage_;
  s.long_outage = long_outage_;
  s.low_uptime_day = low_uptime_day_;
  s.outage_alert_minutes = rules_.outage_alert_minutes;
  s.min_daily_uptime_pct = rules_.min_daily_uptime_pct;
  return s;
}

}  // namespace uplinkprobe::verdict
