// Maps the configuration onto the throughput engine's and the journal's options (one place,
// shared by `test`, `run` and `commission`).
#pragma once

#include "agent/config/config.h"
#include "agent/journal/journal.h"
#include "agent/measure/throughput_test.h"

namespace uplinkprobe::daemon {
measure::ThroughputOptions throughputOptionsFromConfig(const config::Config& c);
// The one journal of the device ([storage] dir): the daemon, `commission` and `test` all
// write into it, so they share one journal_id and one seq space.
journal::JournalOptions journalOptionsFromConfig(const config::Config& c);
}  // namespace uplinkprobe::daemon
