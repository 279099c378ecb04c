// systemd service notification (Type=notify): READY=1, WATCHDOG=1, STOPPING=1, STATUS=….
// Speaks the (tiny, stable) datagram protocol to $NOTIFY_SOCKET itself (a path or an abstract
// "@name"), so builds without libsystemd work under systemd and any supervisor implementing
// it; libsystemd's sd_notify only with -DUPLINKPROBE_WITH_SYSTEMD=ON (off by default: libsystemd
// and its libraries cost an idle agent 1 MB of RSS, issue 16). No-op when not supervised.
#pragma once

#include <chrono>
#include <optional>
#include <string>

namespace uplinkprobe::platform {

// Returns true when the message was delivered to a supervisor.
bool notifyService(const std::string& state);
// The watchdog period systemd expects (WATCHDOG_USEC for this pid), if any.
std::optional<std::chrono::microseconds> watchdogInterval();

}  // namespace uplinkprobe::platform
