// Cost of verifying one signed remote command on the agent (docs/control.md): parse +
// canonical bytes + Ed25519 verify + target/time/replay checks, i.e. CommandVerifier::verify,
// and of signing one on the collector. Prints CPU microseconds per operation (process CPU
// time, so that a loaded machine does not inflate the figure) and the wall time.
//   build/bench/command_verify_bench [iterations]
#include <time.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "agent/control/command_verifier.h"
#include "record/command_envelope.h"

using namespace uplinkprobe;

static double cpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

int main(int argc, char** argv) {
  const int n = argc > 1 ? std::atoi(argv[1]) : 2000;
  auto key = *record::PrivateKey::generate();
  record::CommandEnvelope c;
  c.command_id = "bench-1";
  c.verb = "set_schedule";
  c.args = {{"tests_per_day", 6}, {"windows", {"08:00-12:00", "13:30-17:00"}}};
  c.target = {record::TargetKind::kDevice, "dev-1"};
  const auto now = std::chrono::system_clock::now();
  c.issued_at = record::formatCommandTime(now);
  c.expires_at = record::formatCommandTime(now + std::chrono::hours(1));
  c.issuer_seq = 1;
  using clk = std::chrono::steady_clock;
  double c0 = cpuSeconds();
  for (int i = 0; i < n; ++i) (void)record::signCommand(c, key);
  const double sign_us = (cpuSeconds() - c0) * 1e6 / n;
  const std::string payload = *record::serializeCommand(c);
  control::CommandVerifier v({key.publicKey()}, {"dev-1", "sch-1", "county"},
                             std::chrono::seconds(300));
  control::ReplayState replay;
  int accepted = 0;
  c0 = cpuSeconds();
  auto t0 = clk::now();
  for (int i = 0; i < n; ++i) accepted += v.verify(payload, now, replay).accepted();
  const double verify_us = (cpuSeconds() - c0) * 1e6 / n;
  const double verify_wall_us =
      std::chrono::duration<double, std::micro>(clk::now() - t0).count() / n;
  std::printf(
      "payload %zu bytes; CPU per command: sign %.1f us, verify %.1f us (wall %.1f us); "
      "%d/%d accepted\n",
      payload.size(), sign_us, verify_us, verify_wall_us, accepted, n);
  return accepted == n ? 0 : 1;
}
