// RecordFactory stamps the envelope that DESIGN.md requires on every record (journal line,
// MQTT payload, `--json` output): schema, kind, device_id, school_id, ts (RFC 3339 in UTC
// with "Z"), clock_synced, boot_id, mono_s, agent_version. `seq`, `journal_id` and `id` are NOT
// set here: only the journal may assign them, because only it knows what was durably written.
// Contract: docs/schema/envelope.json.
//
// Time honesty: a wall clock before 2020 (a router without RTC that booted in 1970) is never
// presented as trustworthy: clock_synced is forced false and clock_suspect is set.
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <string>

#include "common/clock.h"
#include "platform/clock_sync.h"

namespace uplinkprobe::record {

struct Identity {
  std::string device_id;
  std::string school_id;
};

class RecordFactory {
 public:
  using SyncProbe = std::function<platform::ClockSyncState()>;
  // `sync` defaults to platform::clockSyncState (adjtimex); tests inject a fake.
  RecordFactory(Identity identity, const Clock& clock, SyncProbe sync = nullptr,
                std::string boot_id = "");

  // Returns body with the envelope fields set (the body's own fields are kept; envelope
  // fields in the body are overwritten).
  nlohmann::json make(const std::string& kind, nlohmann::json body) const;
  const Identity& identity() const { return identity_; }

 private:
  Identity identity_;
  const Clock& clock_;
  SyncProbe sync_;
  std::string boot_id_;
};

}  // namespace uplinkprobe::record
