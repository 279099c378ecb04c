// What the running daemon says about itself, for `uplinkprobe status` on the box:
// {storage.dir}/status.json, replaced atomically (platform/atomic_file via writeStateFile)
// so a reader sees the old or the new file, never a torn one. Thread: the daemon's loop.
//
// Written when its content changes (checked every kStatusCheck) and at least every
// kStatusRewriteAfter, so the file's `updated_at` proves the loop is alive while an SD card
// is not written every few seconds. On a clean stop it is written once more with
// "running": false and "stopped_at". Fields (docs/cli.md "status"):
//   schema "uplinkprobe-status/1", pid, running, started_at, updated_at, stopped_at,
//   agent_version, config_path, config_hash, device_id, school_id,
//   broker {configured, uri, connected, since}  (since: when `connected` last changed),
//   journal {dir, last_seq, delivered_seq, waiting, oldest_waiting_ts, bytes_used, max_bytes},
//   last_test {ts, id, error, verdict, download_mbps, upload_mbps} | null,
//   next_test (RFC 3339) | null, open_alerts [{type, since}], clock {synced, source}.
// Times are UTC RFC 3339 with Z, like records.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "common/clock.h"

namespace uplinkprobe::daemon {

inline constexpr const char* kStatusFileName = "status.json";
inline constexpr const char* kStatusSchema = "uplinkprobe-status/1";
inline constexpr std::chrono::seconds kStatusCheck{5};
inline constexpr std::chrono::seconds kStatusRewriteAfter{300};

class StatusWriter {
 public:
  explicit StatusWriter(std::string path) : path_(std::move(path)) {}
  // Sets updated_at = now and writes when `status` (less updated_at) differs from the last
  // written one, when kStatusRewriteAfter passed since the last write, or when `force`.
  // Returns whether it wrote; a failed write is retried at the next call.
  bool update(nlohmann::json status, WallTime now, SteadyTime steady, bool force = false);

 private:
  std::string path_;
  std::string last_content_;
  std::optional<SteadyTime> last_write_;
};

}  // namespace uplinkprobe::daemon
