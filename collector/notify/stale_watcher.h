// StaleWatcher: turns successive ledger snapshots into "school went stale" notifications,
// and keeps the registry facts (name, city, county) that alert notifications are enriched
// with.
//
// Contract: update() is given every school's ledger row (LedgerGrouping::kSchool) each time
// the notify service recomputes it. A school that was `live` in the previous snapshot and is
// `stale` now yields one notification; the first snapshot after start only sets the baseline
// (a restart does not re-announce every school that is already stale), and a school that
// comes back live and goes stale again is announced again. Pure logic: no clock, no I/O.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "collector/ledger/ledger.h"
#include "collector/notify/notification.h"

namespace uplinkprobe::collector::notify {

struct SchoolFacts {
  std::string name, city, county;
};

class StaleWatcher {
 public:
  explicit StaleWatcher(double stale_after_hours) : stale_after_hours_(stale_after_hours) {}

  std::vector<Notification> update(const std::vector<SchoolLedgerRow>& rows, std::int64_t now_ms);

  std::optional<SchoolFacts> facts(const std::string& school_id) const;
  void setStaleAfterHours(double h) { stale_after_hours_ = h; }

 private:
  double stale_after_hours_;
  bool baseline_ = false;
  std::map<std::string, SchoolState> last_;
  std::map<std::string, SchoolFacts> facts_;
};

}  // namespace uplinkprobe::collector::notify
