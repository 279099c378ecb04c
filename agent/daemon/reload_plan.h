// What a SIGHUP (or a remote set_schedule/set_target/reload) may change while the daemon
// runs. Identity and storage define the journal and its seq space, the broker session is
// keyed by device_id, and trusted keys are read at start only (docs/control.md): changing
// them live would split one device's evidence or widen who may command it, so a reload
// keeps the running values of those sections and names them as needing a restart. Every
// other section applies live, [target] method included: the daemon reads it when it judges a
// result and when a slot's tests start, so the next slot runs and counts the new method. Pure,
// unit-tested (tests/unit/daemon/reload_plan_test.cpp); the daemon applies the result.
#pragma once

#include <string>
#include <vector>

#include "agent/config/config.h"

namespace uplinkprobe::daemon {

struct ReloadPlan {
  config::Config apply;                    // the new file with the start-only sections kept
  std::vector<std::string> needs_restart;  // section names whose edits wait for a restart
};

ReloadPlan planReload(const config::Config& running, config::Config next);

}  // namespace uplinkprobe::daemon
