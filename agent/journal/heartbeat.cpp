#include "agent/journal/heartbeat.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <spdlog/spdlog.h>

#include "common/time_format.h"

namespace uplinkprobe::journal {
namespace {

constexpr size_t kMaxFileBytes = 4096;

int64_t toMs(std::chrono::nanoseconds d) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
}

std::optional<nlohmann::json> readPrevious(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  char buf[kMaxFileBytes];
  ssize_t n = ::read(fd, buf, sizeof buf);
  ::close(fd);
  if (n <= 0) return std::nullopt;
  auto j = nlohmann::json::parse(std::string(buf, static_cast<size_t>(n)), nullptr, false);
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
      nlohmann::json p;
      p["kind"] = "power";
      p["start"] = formatRfc3339Utc(WallTime{} + std::chrono::milliseconds(last_wall));
      p["end"] = formatRfc3339Utc(clock_.wallNow());
      p["duration_s"] = static_cast<double>(std::max<int64_t>(0, gap_ms)) / 1000.0;
      p["cause"] = rebooted ? "reboot" : "agent_down";
      // Without a clean-shutdown mark the agent died some time within one period after its
      // last heartbeat.
      p["uncertainty_s"] = clean ? 0 : period_s;
      p["clean_shutdown"] = clean;
      if (gap_ms < 0) p["clock_inconsistent"] = true;
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
  const std::string tmp = opts_.path + ".tmp";
  // Set even on failure so that a failing disk is retried once per period, not per tick.
  last_write_ = clock_.steadyNow();
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
  if (fd < 0) return makeError("io", "heartbeat: cannot write " + tmp + ": " + strerror(errno));
  bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
            ::fdatasync(fd) == 0;
  int err = errno;
  ::close(fd);
  if (!ok || ::rename(tmp.c_str(), opts_.path.c_str()) != 0) {
    if (ok) err = errno;
    ::unlink(tmp.c_str());
    return makeError("io", "heartbeat: cannot write " + opts_.path + ": " + strerror(err));
  }
  auto slash = opts_.path.rfind('/');
  std::string dir = slash == std::string::npos ? "." : opts_.path.substr(0, slash + 1);
  int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return Status::Ok();
}

}  // namespace uplinkprobe::journal
