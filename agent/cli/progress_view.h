// Live progress of `uplinkprobe test` for the technician: one self-overwriting line on a TTY
// (phase, elapsed, current Mbps, MB, streams), plain lines otherwise. Writes to stderr so that
// stdout stays machine-readable with --json.
#pragma once

#include <chrono>
#include <cstdio>
#include <string>

#include "agent/measure/throughput_test.h"

namespace uplinkprobe::cli {

class ProgressView {
 public:
  explicit ProgressView(std::FILE* out);
  void update(const measure::Progress& p);
  void finish();  // ends the live line

 private:
  std::FILE* out_;
  bool tty_;
  std::string phase_;
  std::chrono::steady_clock::time_point last_draw_{};
  measure::Progress last_{};
  bool drawn_ = false;
};

}  // namespace uplinkprobe::cli
