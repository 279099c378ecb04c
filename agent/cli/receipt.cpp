#include "agent/cli/receipt.h"

#include <fmt/format.h>

#include <algorithm>

#include "agent/cli/display_format.h"
#include "agent/cli/i18n.h"
#include "agent/cli/verdict_words.h"
#include "common/time_format.h"

namespace uplinkprobe::cli {
namespace {

std::optional<double> known(double v) { return v < 0 ? std::nullopt : std::optional<double>(v); }

std::string orUnknown(const std::string& s) { return s.empty() ? std::string(kUnknown) : s; }

}  // namespace

std::string formatReceipt(const ReceiptInput& in) {
  const auto& id = in.cfg->identity;
  const auto& t = in.cfg->target;
  const auto& r = in.record;
  // Values start one column after the widest label (translations differ in width).
  int w = 12;
  for (const char* label : {"school:", "device:", "carrier:", "measured:", "verdict:", "time:",
                            "broker:", "journal:", "service:"})
    w = std::max(w, displayWidth(tr(label)) + 1);
  std::string s = "\n" + std::string(tr("=== uplinkprobe commissioning receipt ===")) + "\n";
  s += wrapLine(tr("school:"),
                fmt::format("{} ({}), {} / {}", orUnknown(id.school_name), orUnknown(id.school_id),
                            orUnknown(id.region), orUnknown(id.county)),
                w);
  s +=
      wrapLine(tr("device:"), fmt::format("{}, uplinkprobe {}", id.device_id, in.agent_version), w);
  s += wrapLine(tr("carrier:"),
                fmt::format(fmt::runtime(tr("{}, contracted {} down / {} up, target {}")),
                            orUnknown(id.carrier), formatRate(known(t.contracted_down_mbps)),
                            formatRate(known(t.contracted_up_mbps)),
                            formatRate(numberAt(r, {"verdict", "target_mbps"}))),
                w);
  s += wrapLine(tr("measured:"),
                fmt::format(fmt::runtime(tr("down {}, up {} (IP-layer capacity)")),
                            formatRate(numberAt(r, {"download", "ip_capacity_mbps"})),
                            formatRate(numberAt(r, {"upload", "ip_capacity_mbps"}))),
                w);
  s += wrapLine(tr("verdict:"), headline(r), w);
  const bool synced = r.value("clock_synced", false);
  const std::string ts = r.contains("ts") && r["ts"].is_string() ? r["ts"].get<std::string>() : "";
  s += wrapLine(
      tr("time:"),
      fmt::format(
          fmt::runtime(tr("{}, clock {}")), ts.empty() ? std::string(kUnknown) : displayLocal(ts),
          synced ? tr("NTP-synchronised") : tr("NOT synchronised (check NTP: timedatectl)")),
      w);
  s += wrapLine(tr("broker:"), orUnknown(in.broker_line), w);
  // "<dir> seq A-B" stays on one line even when a long state directory passes 80 columns:
  // it is copied into commands as it stands.
  std::string journal = tr("journal:");
  while (displayWidth(journal) < w) journal += ' ';
  s += journal + (in.journal_line.empty() ? tr("NOT written") : in.journal_line) + "\n";
  s += wrapLine(tr("service:"), orUnknown(in.service_line), w);
  return s;
}

}  // namespace uplinkprobe::cli
