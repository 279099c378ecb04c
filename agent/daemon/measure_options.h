// Maps the configuration onto the throughput engine's options (one place, shared by
// `test`, `run` and `commission`).
#pragma once

#include "agent/config/config.h"
#include "agent/measure/throughput_test.h"

namespace uplinkprobe::daemon {
measure::ThroughputOptions throughputOptionsFromConfig(const config::Config& c);
}  // namespace uplinkprobe::daemon
