#include "platform/clock_sync.h"

#include <sys/timex.h>

namespace uplinkprobe::platform {

// The kernel caps maxerror at NTP_PHASE_LIMIT (16 s) once nobody has disciplined the clock
// for a while; at that point the STA_UNSYNC bit is also set by the kernel, but we check
// both because some user-space daemons clear STA_UNSYNC and then stop.
constexpr long kMaxErrorLimitUs = 16'000'000;

ClockSyncState classifyClockSync(int adjtimex_rc, int status, long maxerror_us) {
  ClockSyncState s;
  s.maxerror_us = maxerror_us;
  if (adjtimex_rc < 0) {
    s.source = "adjtimex-failed";
    return s;
  }
  if (adjtimex_rc == TIME_ERROR || (status & STA_UNSYNC)) {
    s.source = "unsynchronised";
    return s;
  }
  if (maxerror_us >= kMaxErrorLimitUs) {
    s.source = "maxerror";
    return s;
  }
  s.synced = true;
  s.source = "kernel";
  return s;
}

ClockSyncState clockSyncState() {
  timex tx{};
  tx.modes = 0;
  int rc = adjtimex(&tx);
  return classifyClockSync(rc, tx.status, tx.maxerror);
}

}  // namespace uplinkprobe::platform
