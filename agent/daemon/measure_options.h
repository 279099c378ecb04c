// Maps the configuration onto the throughput engine's and the journal's options (one place,
// shared by `test`, `run` and `commission`).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "agent/config/config.h"
#include "agent/journal/journal.h"
#include "agent/measure/throughput_test.h"
#include "agent/measure/udp_capacity.h"
#include "common/result.h"

namespace uplinkprobe::daemon {
measure::ThroughputOptions throughputOptionsFromConfig(const config::Config& c);

// The tests of one scheduled slot, in order, for [target] method: "tcp" → {"tcp"}, "udp" →
// {"udp"}, "both" → {"tcp", "udp"} (one fixed order, so that a school's records compare
// from day to day).
std::vector<std::string> slotMethods(const std::string& target_method);

// The server and key of one UDP IP-capacity test.
struct UdpServerChoice {
  std::string name;
  std::string url;       // udpst://HOST[:PORT]
  std::string key_file;  // udpst's -K format; "" = no authentication
  int key_id = 0;
};
// The [[servers]] kind "udpst" entry named `name` ("" = the first one, which scheduled UDP
// tests use), if any.
std::optional<UdpServerChoice> udpstServer(const config::Config& c, const std::string& name);
std::optional<UdpServerChoice> firstUdpstServer(const config::Config& c);
// Options of one UDP test, shared by `uplinkprobe test --method udp` and the daemon's
// scheduled tests: the server's URL and key (the key file is read now), both directions,
// maxBandwidth per direction = 1.2 × the download target (`target_override`, else [target]'s
// effective one) and 1.2 × the upload contract (else the download target), so the server
// never loads the link far above what the school pays for (issue 17 item 3).
// The test time per direction is the protocol's 10 s, shortened so that maxBandwidth for that
// time fits [throughput] max_mb_ceiling: a UDP test cannot stop early as a TCP one does, so
// the byte budget bounds its length (udpTestSeconds()).
// Errors by kind: "url" (not udpst://HOST[:PORT]), "config" (the key file cannot be read or
// parsed), "key_id" (no such key in the file), "budget" (max_mb_ceiling cannot hold the
// protocol's shortest test, 5 s, at maxBandwidth).
Result<measure::UdpCapacityOptions> udpCapacityOptions(const config::Config& c,
                                                       std::optional<double> target_override,
                                                       const UdpServerChoice& server);
// udpCapacityOptions() against the udpst server named `server_name` ("" = the first one);
// Error{"config"} when there is none.
Result<measure::UdpCapacityOptions> udpCapacityOptionsFor(const config::Config& c,
                                                          const std::string& server_name);
// The record body of a UDP test whose options could not be made (its key file went missing
// since the configuration was checked): method "udp", that server named, error kind
// "config" with `message` — journaled, never a silent skip.
nlohmann::json udpNotStartedBody(const config::Config& c, const std::string& server_name,
                                 const std::string& message);
// Seconds of a UDP test per direction at `max_mbps` within `ceiling_mb` (10^6 bytes), at most
// 10; below kMinUdpTestSeconds the budget cannot hold a test (0 is returned).
inline constexpr int kMinUdpTestSeconds = 5;  // OB-UDPST's shortest testIntTime
int udpTestSeconds(int max_mbps, double ceiling_mb);
// The one journal of the device ([storage] dir): the daemon, `commission` and `test` all
// write into it, so they share one journal_id and one seq space.
journal::JournalOptions journalOptionsFromConfig(const config::Config& c);
}  // namespace uplinkprobe::daemon
