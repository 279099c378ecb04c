// Power heartbeat: a tiny state file ("last alive" wall time, boot id, monotonic time)
// rewritten at most once per period (default 5 min: flash-friendly, a few hundred writes a
// day at most), so that at the next start the daemon can tell how long it was not running
// and why (reboot = boot id changed, i.e. power cut or reboot; agent_down = same boot).
//
// Threads: one owner (the daemon's event loop): start() once, tick() from a timer of any
// frequency, markCleanShutdown() on the SIGTERM path. Not thread-safe.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "common/clock.h"
#include "common/result.h"
#include "record/availability_records.h"

namespace uplinkprobe::journal {

struct HeartbeatOptions {
  std::string path;  // e.g. {storage.dir}/heartbeat.json
  std::chrono::seconds period{300};
};

struct HeartbeatStart {
  // The `power` record of the interval the agent was not running, when there was one.
  std::optional<record::PowerRecord> power;
  Status write;  // writing the new heartbeat; an error is logged, the daemon carries on
};

class Heartbeat {
 public:
  Heartbeat(HeartbeatOptions options, const Clock& clock, std::string boot_id);
  // Reads the previous heartbeat (missing or unreadable = first start, no record) and
  // writes the current one.
  HeartbeatStart start();
  // Rewrites the file if a period has passed since the last write; otherwise no I/O.
  Status tick();
  // Writes the file now with clean_shutdown = true: the next start knows the down time
  // began exactly here (uncertainty 0).
  Status markCleanShutdown();

 private:
  Status write(bool clean);

  HeartbeatOptions opts_;
  const Clock& clock_;
  std::string boot_id_;
  std::optional<SteadyTime> last_write_;
};

}  // namespace uplinkprobe::journal
