// Process exit codes of every uplinkprobe program (docs/DESIGN.md interface contract;
// sysexits.h for 64 and 78). One table: the agent's commands, its daemon, the collector and
// the server all answer scripts and systemd in the same words.
#pragma once

namespace uplinkprobe {
inline constexpr int kExitOk = 0;
inline constexpr int kExitBelowTarget = 1;  // a test ran and the link is below its target
inline constexpr int kExitError = 2;        // the work could not be done (journal, network, …)
inline constexpr int kExitUsage = 64;       // EX_USAGE: the command line is wrong
inline constexpr int kExitBadConfig = 78;   // EX_CONFIG: the configuration is wrong
}  // namespace uplinkprobe
