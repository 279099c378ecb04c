// systemd service notification (Type=notify): READY=1, WATCHDOG=1, STOPPING=1, STATUS=….
// Uses libsystemd's sd_notify when built with UPLINKPROBE_WITH_SYSTEMD; otherwise speaks the
// (tiny, stable) datagram protocol to $NOTIFY_SOCKET itself, so OpenWrt-style builds without
// libsystemd still work under any supervisor that implements it. No-op when not supervised.
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
