#include "agent/cli/status_view.h"

#include <fmt/format.h>

#include "agent/cli/display_format.h"
#include "agent/cli/i18n.h"
#include "agent/cli/verdict_words.h"
#include "agent/daemon/status_file.h"
#include "common/time_format.h"

namespace uplinkprobe::cli {
namespace {

std::string when(const nlohmann::json& ts) {
  return ts.is_string() ? displayLocal(ts.get<std::string>()) : std::string(kUnknown);
}

std::optional<double> ageSeconds(const nlohmann::json& ts, WallTime now) {
  if (!ts.is_string()) return std::nullopt;
  auto t = parseRfc3339(ts.get<std::string>());
  if (!t) return std::nullopt;
  return std::chrono::duration<double>(now - *t).count();
}

std::string healthWord(const std::string& h) {
  if (h == "healthy") return tr("HEALTHY");
  if (h == "degraded") return tr("DEGRADED");
  return tr("NOT RUNNING");
}

}  // namespace

StatusReport evaluateStatus(const std::optional<nlohmann::json>& file, bool pid_alive, WallTime now,
                            const std::string& path) {
  StatusReport r;
  std::string& s = r.text;
  if (!file || !file->is_object()) {
    r.health = "not_running";
    r.problems = {"no_status_file"};
    r.json = {{"health", r.health}, {"problems", r.problems}, {"status_file", path}};
    s = wrapLine("uplinkprobe status:", healthWord(r.health), 20);
    s += wrapMessage(fmt::format(
        fmt::runtime(tr("no status file {}: the daemon has not run with this configuration")),
        path));
    return r;
  }
  const nlohmann::json& f = *file;
  r.json = f;
  const bool running = f.value("running", false);
  const auto& broker = f.value("broker", nlohmann::json::object());
  const auto& journal = f.value("journal", nlohmann::json::object());
  const auto& clock = f.value("clock", nlohmann::json::object());
  if (!running) {
    r.problems.push_back("stopped");
  } else if (!pid_alive) {
    r.problems.push_back("process_gone");
  } else {
    const auto age = ageSeconds(f.value("updated_at", nlohmann::json()), now);
    if (age && *age > 3 * daemon::kStatusRewriteAfter.count()) r.problems.push_back("stuck");
    if (broker.value("configured", false) && !broker.value("connected", false))
      r.problems.push_back("broker_disconnected");
    if (!clock.value("synced", false)) r.problems.push_back("clock_unsynced");
    const auto oldest = ageSeconds(journal.value("oldest_waiting_ts", nlohmann::json()), now);
    if (broker.value("configured", false) && oldest &&
        *oldest > std::chrono::seconds(kStaleDelivery).count())
      r.problems.push_back("delivery_stale");
    const auto used = numberAt(journal, {"bytes_used"}), cap = numberAt(journal, {"max_bytes"});
    if (used && cap && *cap > 0 && *used >= 0.9 * *cap) r.problems.push_back("journal_full");
  }
  const bool down = !running || !pid_alive;
  r.health = down ? "not_running" : r.problems.empty() ? "healthy" : "degraded";
  r.exit_code = down ? 2 : r.problems.empty() ? 0 : 1;
  r.json["health"] = r.health;
  r.json["problems"] = r.problems;

  const int w = 11;
  s = wrapLine("uplinkprobe status:", healthWord(r.health), 20);
  if (!running)
    s += wrapLine(tr("daemon"),
                  fmt::format(fmt::runtime(tr("stopped cleanly at {}")),
                              when(f.value("stopped_at", nlohmann::json()))),
                  w);
  else if (!pid_alive)
    s += wrapLine(tr("daemon"),
                  fmt::format(fmt::runtime(tr("process {} is gone; last update {}")),
                              f.value("pid", 0), when(f.value("updated_at", nlohmann::json()))),
                  w);
  else
    s += wrapLine(tr("daemon"),
                  fmt::format(fmt::runtime(tr("running since {} (pid {})")),
                              when(f.value("started_at", nlohmann::json())), f.value("pid", 0)),
                  w);
  if (!broker.value("configured", false))
    s += wrapLine(tr("broker"), tr("not configured: records stay in the journal"), w);
  else
    s += wrapLine(
        tr("broker"),
        fmt::format(
            fmt::runtime(broker.value("connected", false) ? tr("connected to {} since {}")
                                                          : tr("NOT connected to {} since {}")),
            broker.value("uri", std::string()), when(broker.value("since", nlohmann::json()))),
        w);
  const auto waiting = numberAt(journal, {"waiting"}).value_or(0);
  if (!broker.value("configured", false))
    s += wrapLine(tr("records"),
                  fmt::format(fmt::runtime(tr("{} in the journal (last seq), none sent")),
                              formatNumber(numberAt(journal, {"last_seq"}))),
                  w);
  else if (waiting > 0)
    s += wrapLine(
        tr("records"),
        fmt::format(
            fmt::runtime(tr("{} waiting to be sent, the oldest from {} ({} ago)")),
            formatNumber(waiting), when(journal.value("oldest_waiting_ts", nlohmann::json())),
            formatDuration(ageSeconds(journal.value("oldest_waiting_ts", nlohmann::json()), now)
                               .value_or(-1))),
        w);
  else
    s += wrapLine(tr("records"),
                  fmt::format(fmt::runtime(tr("all delivered (last seq {})")),
                              formatNumber(numberAt(journal, {"last_seq"}))),
                  w);
  const auto& last = f.value("last_test", nlohmann::json());
  if (last.is_object()) {
    nlohmann::json rec = {{"error", last.value("error", nlohmann::json())},
                          {"verdict", last.value("verdict", nlohmann::json())}};
    s += wrapLine(tr("last test"),
                  fmt::format(fmt::runtime(tr("{}: down {}, up {}")),
                              when(last.value("ts", nlohmann::json())),
                              formatRate(numberAt(last, {"download_mbps"})),
                              formatRate(numberAt(last, {"upload_mbps"}))),
                  w);
    s += wrapLine("", headline(rec), w);
  } else {
    s += wrapLine(tr("last test"), tr("none yet"), w);
  }
  s += wrapLine(tr("next test"),
                f.value("next_test", nlohmann::json()).is_string()
                    ? when(f["next_test"])
                    : std::string(tr("none scheduled")),
                w);
  std::string alerts;
  for (const auto& a : f.value("open_alerts", nlohmann::json::array()))
    alerts += (alerts.empty() ? "" : "; ") + fmt::format(fmt::runtime(tr("{} since {}")),
                                                         a.value("type", std::string()),
                                                         when(a.value("since", nlohmann::json())));
  s += wrapLine(tr("alerts"), alerts.empty() ? std::string(tr("none open")) : alerts, w);
  s += wrapLine(tr("clock"),
                clock.value("synced", false) ? tr("NTP-synchronised")
                                             : tr("NOT synchronised (check NTP: timedatectl)"),
                w);
  const auto used = numberAt(journal, {"bytes_used"}), cap = numberAt(journal, {"max_bytes"});
  s += wrapLine(tr("journal"),
                fmt::format(fmt::runtime(tr("{} of {} ({})")), formatBytes(used), formatBytes(cap),
                            used && cap && *cap > 0 ? formatPercent(100.0 * *used / *cap)
                                                    : std::string(kUnknown)),
                w);
  s += wrapLine(
      tr("version"),
      fmt::format(fmt::runtime(tr("uplinkprobe {}, config {} ({})")),
                  f.value("agent_version", std::string()), f.value("config_hash", std::string()),
                  f.value("config_path", std::string())),
      w);
  if (!r.problems.empty()) {
    std::string p;
    for (const auto& k : r.problems) p += (p.empty() ? "" : ", ") + k;
    s += wrapLine(tr("problems"), p, w);
  }
  return r;
}

}  // namespace uplinkprobe::cli
