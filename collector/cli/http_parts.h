// The collector service's HTTP API and notification parts (collector/cli/service.h).
//
// Start order matters and is fixed in makeServiceParts(): ingest first (it publishes its
// counters in ServiceContext and copies committed_listeners, which the notification part
// appended to in its constructor), notifications next (their metrics go into
// ServiceContext::metrics in start()), the API last: it takes the ingest counters and the
// metrics sources registered by then (not touched again, so its threads read them unlocked).
#pragma once

#include <memory>

#include "collector/cli/service.h"

namespace uplinkprobe::collector {

std::unique_ptr<ServicePart> makeNotifyPart(ServiceContext& context);
std::unique_ptr<ServicePart> makeApiPart(ServiceContext& context);

}  // namespace uplinkprobe::collector
