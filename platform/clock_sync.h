// Whether the system clock is synchronised (NTP/chrony/systemd-timesyncd), so that records
// never present an unsynchronised (possibly 1970) wall time as trustworthy.
#pragma once

#include <string>

namespace uplinkprobe::platform {

struct ClockSyncState {
  bool synced = false;
  // "kernel" when adjtimex says synchronised; otherwise a short reason: "unsynchronised"
  // (STA_UNSYNC or TIME_ERROR), "maxerror" (estimated error ≥ 16 s, the kernel's give-up
  // value), "adjtimex-failed".
  std::string source;
  long maxerror_us = 0;
};

// Reads adjtimex(2) in read-only mode (modes = 0): no root needed, no side effects.
ClockSyncState clockSyncState();

// Pure classification of adjtimex results (exposed for tests).
ClockSyncState classifyClockSync(int adjtimex_rc, int status, long maxerror_us);

}  // namespace uplinkprobe::platform
