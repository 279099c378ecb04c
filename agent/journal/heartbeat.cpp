#include "agent/journal/heartbeat.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <spdlog/spdlog.h>

#include "common/time_format.h"
#include "platform/atomic_file.h"
#include "platform/state_dir.h"

namespace uplinkprobe::journal {
namespace {

constexpr size_t kMaxFileBytes = 4096;

int64_t toMs(std::chrono::nanoseconds d) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
}

std::optional<nlohmann::json> readPrevious(const std::string& path) {
  std::string name;
  auto dir = platform::StateDir::openParentOf(path, &name);
  if (!dir) return std::nullopt;
  bool missing = false;
  auto text = dir->readFile(name, kMaxFileBytes, &missing);
  if (!text) {
    if (!missing) spdlog::warn("heartbeat: ignoring {}", text.error().message);
    return std::nullopt;
  }
  auto j = nlohmann::json::parse(*text, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("wall_ms") ||
      !j["wall_ms"].is_number_integer() || !j.contains("mono_ms") ||
      !j["mono_ms"].is_number_integer() || !j.contains("boot_id") || !j["boot_id"].is_string() ||
      !j.contains("period_s") || !j["period_s"].is_number_integer()) {
    spdlog::warn("heartbeat: ignoring unreadable {}", path);
    return std::nullopt;
  }
  return j;
}

}  // namespace

Heartbeat::Heartbeat(HeartbeatOptions options, const Clock& clock, std::string boot_id)
    : opts_(std::move(options)), clock_(clock), boot_id_(std::move(boot_id)) {
  if (opts_.period.count() < 1) opts_.period = std::chrono::seconds(1);
}

HeartbeatStart Heartbeat::start() {
  HeartbeatStart out;
  if (auto prev = readPrevious(opts_.path)) {
    const int64_t now_wall = toMs(clock_.wallNow().time_since_epoch());
    const int64_t now_mono = toMs(clock_.steadyNow().time_since_epoch());
    const int64_t last_wall = (*prev)["wall_ms"].get<int64_t>();
    const int64_t period_s = std::max<int64_t>(1, (*prev)["period_s"].get<int64_t>());
    const bool clean = prev->value("clean_shutdown", false);
    const bool rebooted = (*prev)["boot_id"].get<std::string>() != boot_id_;
    // Same boot: the monotonic clock is immune to NTP steps; across boots only wall time
    // relates the two instants.
    const int64_t gap_ms =
        rebooted ? now_wall - last_wall : now_mono - (*prev)["mono_ms"].get<int64_t>();
    if (rebooted || gap_ms > 2 * period_s * 1000) {
      record::PowerRecord p;
      p.start = WallTime{} + std::chrono::milliseconds(last_wall);
      p.end = clock_.wallNow();
      p.duration_s = static_cast<double>(std::max<int64_t>(0, gap_ms)) / 1000.0;
      p.cause = rebooted ? "reboot" : "agent_down";
      // Without a clean-shutdown mark the agent died some time within one period after its
      // last heartbeat.
      p.uncertainty_s = clean ? 0.0 : static_cast<double>(period_s);
      p.clean_shutdown = clean;
      p.clock_inconsistent = gap_ms < 0;
      out.power = std::move(p);
    }
  }
  out.write = write(false);
  return out;
}

Status Heartbeat::tick() {
  if (last_write_ && clock_.steadyNow() - *last_write_ < opts_.period) return Status::Ok();
  return write(false);
}

Status Heartbeat::markCleanShutdown() { return write(true); }

Status Heartbeat::write(bool clean) {
  nlohmann::json j;
  j["wall_ms"] = toMs(clock_.wallNow().time_since_epoch());
  j["mono_ms"] = toMs(clock_.steadyNow().time_since_epoch());
  j["boot_id"] = boot_id_;
  j["period_s"] = static_cast<int64_t>(opts_.period.count());
  j["clean_shutdown"] = clean;
  const std::string text = j.dump() + "\n";
  // Set even on failure so that a failing disk is retried once per period, not per tick.
  last_write_ = clock_.steadyNow();
  if (auto st = platform::writeFileAtomic(opts_.path, text, 0640); !st) {
    return makeError(ErrorKind::kIo, "heartbeat: " + st.error().message);
  }
  return Status::Ok();
}

}  // namespace uplinkprobe::journal
