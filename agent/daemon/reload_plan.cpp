#include "agent/daemon/reload_plan.h"

namespace uplinkprobe::daemon {

ReloadPlan planReload(const config::Config& running, config::Config next) {
  // Whole sections are compared: any key of them (a school name in the retained status, a
  // client certificate, the heartbeat period) is read once at start, so an edit waits for a
  // restart and is named here instead of being dropped in silence.
  ReloadPlan plan;
  if (!(next.identity == running.identity)) plan.needs_restart.push_back("identity");
  if (!(next.storage == running.storage)) plan.needs_restart.push_back("storage");
  if (!(next.mqtt == running.mqtt)) plan.needs_restart.push_back("mqtt");
  if (!(next.control == running.control)) plan.needs_restart.push_back("control");
  next.identity = running.identity;
  next.storage = running.storage;
  next.mqtt = running.mqtt;
  next.control = running.control;
  plan.apply = std::move(next);
  return plan;
}

}  // namespace uplinkprobe::daemon
