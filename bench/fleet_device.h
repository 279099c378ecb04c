// One simulated agent: produces, in its own virtual time, the records a real agent journals
// and publishes, built by the agent's own code so that they cannot drift from the contract:
// - bodies: measure::ThroughputResult::toJson + verdict::judgeThroughput (throughput),
//   availability::PeriodStats (availability every 5 min), availability::OutageTracker
//   (outage_started event, outage record), verdict::summarizeDay (daily),
//   verdict::AlertEngine (alert records and the retained alert_state);
// - envelope: record::RecordFactory (schema, kind, device_id, school_id, ts, clock_synced,
//   boot_id, mono_s, agent_version), then journal_id / seq / id stamped exactly like the
//   journal does ("{device_id}:{journal_id}:{seq}"), serialised like the journal;
// - topic: publish::topicFor / topicKindFor / retainedKind; status: publish::statusOnlineJson.
// Only the measured numbers are invented (seeded per device).
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "agent/availability/outage_tracker.h"
#include "agent/verdict/alert_engine.h"
#include "agent/verdict/local_day.h"
#include "agent/verdict/throughput_verdict.h"
#include "bench/fleet_registry.h"
#include "common/clock.h"
#include "record/record_factory.h"

namespace uplinkprobe::bench {

// A Clock the simulator sets before each RecordFactory::make (one thread).
class SimClock final : public Clock {
 public:
  SteadyTime steadyNow() const override { return steady_; }
  WallTime wallNow() const override { return wall_; }
  void set(WallTime w, SteadyTime s) {
    wall_ = w;
    steady_ = s;
  }

 private:
  SteadyTime steady_{};
  WallTime wall_{};
};

struct Message {
  std::string topic;
  std::string payload;
  bool retained = false;
  bool journaled = true;  // false: status (no seq)
  std::string kind;
};

struct FleetProfile {
  std::string topic_prefix = "uplinkprobe/v1";
  int availability_period_s = 300;
  int rounds_per_period = 30;  // one round every 10 s, like the agent's default
  int tests_per_day = 4;
  double outage_per_day = 0.03;  // probability that a device has an outage on a given day
  double below_contract_share = 0.10;
};

class SimDevice {
 public:
  SimDevice(const School& school, std::string device_id, std::string journal_id, uint64_t seed,
            WallTime start, const FleetProfile& profile, SimClock& clock);

  // Virtual time of the next record this device will produce.
  WallTime nextTime() const { return next_; }
  // Produces the record(s) due at nextTime() (a test may bring an alert and an alert_state)
  // and appends them to `out`; returns how many journaled records were appended.
  int generate(std::deque<Message>& out);
  // The retained status the agent publishes after every connect, and its Last Will.
  Message statusOnline(WallTime now) const;
  Message statusLastWill(WallTime now) const;

  const std::string& deviceId() const { return device_id_; }
  const std::string& journalId() const { return journal_id_; }
  const std::string& schoolId() const { return school_id_; }
  uint64_t lastSeq() const { return seq_; }

 private:
  enum class Ev { kAvailability, kTest, kDaily, kOutageStart, kOutageEnd };
  void planDay(const verdict::LocalDay& day);
  void updateNext();
  SteadyTime steadyAt(WallTime t) const;
  // Envelope + journal stamping + serialisation; feeds the alert engine.
  void journal(const std::string& kind, nlohmann::json body, WallTime at, std::deque<Message>& out,
               int& n, bool feed_alerts = true);
  nlohmann::json availabilityBody(WallTime from, WallTime to);
  nlohmann::json throughputBody(WallTime at);
  availability::RoundResult round(WallTime at, bool bad, int cls);

  const FleetProfile& profile_;
  SimClock& clock_;
  std::string device_id_, school_id_, journal_id_, boot_id_;
  std::string school_name_, city_, county_, carrier_;
  std::unique_ptr<record::RecordFactory> factory_;
  verdict::VerdictInputs target_;
  verdict::AlertEngine alerts_;
  availability::OutageTracker outage_;
  std::mt19937_64 rng_;
  uint64_t seq_ = 0;
  WallTime boot_wall_;
  double capacity_down_ = 0, capacity_up_ = 0, base_rtt_ms_ = 0;
  int gateway_octet_ = 1;

  WallTime next_;
  Ev next_ev_ = Ev::kAvailability;
  WallTime next_period_end_;
  WallTime period_start_;
  verdict::LocalDay day_;
  std::vector<WallTime> tests_;                               // remaining tests of the planned day
  std::optional<std::pair<WallTime, WallTime>> outage_plan_;  // [start, end)
  int outage_class_ = 0;
  bool outage_started_ = false;
  WallTime daily_due_;
  bool first_ = true;
  // The day's records the daily summary needs (tests, outages) and the observed
  // availability time folded into one period record (the agent reads its journal instead).
  std::vector<nlohmann::json> day_records_;
  std::optional<WallTime> day_obs_start_;
  WallTime day_obs_end_{};
  double day_up_s_ = 0, day_down_s_ = 0;
};

}  // namespace uplinkprobe::bench
