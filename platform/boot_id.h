// Boot identity: /proc/sys/kernel/random/boot_id distinguishes monotonic clocks of
// different boots, so a record's monotonic time is meaningful only together with it.
#pragma once
#include <string>

namespace uplinkprobe::platform {
// Returns the boot id without dashes' changes, or "unknown" if unreadable.
std::string bootId();
}  // namespace uplinkprobe::platform
