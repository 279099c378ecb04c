// Exit codes of `uplinkprobe` (DESIGN.md interface contract; sysexits.h for 64 and 78).
#pragma once

namespace uplinkprobe::cli {
inline constexpr int kExitOk = 0;
inline constexpr int kExitBelowTarget = 1;
inline constexpr int kExitError = 2;
inline constexpr int kExitUsage = 64;
inline constexpr int kExitBadConfig = 78;
}  // namespace uplinkprobe::cli
