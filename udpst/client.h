// runClientTest: one direction of an OB-UDPST test against a server (udpst 9.0.0 in server
// mode, or uplinkprobe-server --udpst-listen): setup request to the control port, setup
// response with the test port (a null request may come first and is discarded), test
// activation to the test port, then the DataSession until the server's stop.
// Every step is bounded: each control answer within `control_timeout`, the request sent again
// (the same bytes) twice within it when no answer came, for a path that loses datagrams; the
// server answers a repeat as it answered the first. The whole test within duration + 10 s.
// Blocking; runs its own io_context on the calling thread. `cancel`, when set, ends the test at
// the next tick.
// Thread-safety: reentrant (no shared state).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/result.h"
#include "udpst/protocol.h"
#include "udpst/session.h"

namespace uplinkprobe::udpst {

struct ClientOptions {
  std::string host;
  std::uint16_t port = kDefaultControlPort;
  bool upstream = false;
  int max_mbps = 1000;  // maxBandwidth asked at setup (1..32767)
  int seconds = 10;
  int sub_int_period_ms = 1000;
  int trial_int_ms = 50;
  std::uint8_t algorithm = kAlgorithmC;
  std::optional<std::string> key;  // shared key; none = unauthenticated (mode 0)
  std::uint8_t key_id = 0;
  bool jumbo = true;  // the reference's defaults; must match the server's
  bool traditional_mtu = false;
  std::chrono::milliseconds control_timeout{3000};
};

struct ClientResult {
  std::string error;                    // empty when the test ran; else why not (for the record)
  std::optional<ErrorKind> error_kind;  // with error: kRefused, kAuth, kTimeout, kDns, kIo, …
  int granted_seconds = 0;              // test time the server accepted
  SessionResult session;
};

ClientResult runClientTest(const ClientOptions& options, const Clock& clock,
                           const std::atomic<bool>* cancel = nullptr);

}  // namespace uplinkprobe::udpst
