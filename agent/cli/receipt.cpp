#include "agent/cli/receipt.h"

#include <fmt/format.h>
#include <sodium.h>

#include <algorithm>

#include "agent/cli/display_format.h"
#include "agent/cli/i18n.h"
#include "agent/cli/qr_code.h"
#include "agent/cli/verdict_words.h"
#include "agent/config/config_loader.h"
#include "common/html_escape.h"
#include "common/time_format.h"
#include "record/throughput_record.h"

namespace uplinkprobe::cli {
namespace {

std::optional<double> known(double v) { return v < 0 ? std::nullopt : std::optional<double>(v); }

std::string orUnknown(const std::string& s) { return s.empty() ? std::string(kUnknown) : s; }

constexpr const char* kIdLabel = "id:";
constexpr const char* kDigestLabel = "sha256:";

// Values start one column after the widest label (translations differ in width).
int labelWidth(const std::vector<ReceiptRow>& rows) {
  int w = 12;
  for (const auto& r : rows) w = std::max(w, displayWidth(r.label) + 1);
  return w;
}

std::string renderRows(const std::vector<ReceiptRow>& rows, int w) {
  std::string s;
  for (const auto& r : rows) {
    if (!r.keep_whole) {
      s += wrapLine(r.label, r.value, w);
      continue;
    }
    std::string label = r.label;
    while (displayWidth(label) < w) label += ' ';
    s += label + r.value + "\n";
  }
  return s;
}

}  // namespace

std::vector<ReceiptRow> receiptRows(const ReceiptInput& in) {
  const auto& id = in.cfg->identity;
  const auto& t = in.cfg->target;
  const auto& r = in.record;
  std::vector<ReceiptRow> rows;
  rows.push_back({tr("school:"), fmt::format("{} ({}), {} / {}", orUnknown(id.school_name),
                                             orUnknown(id.school_id), orUnknown(id.region),
                                             orUnknown(id.county))});
  rows.push_back(
      {tr("device:"), fmt::format("{}, uplinkprobe {}", id.device_id, in.agent_version)});
  rows.push_back(
      {tr("carrier:"), fmt::format(fmt::runtime(tr("{}, contracted {} down / {} up, target {}")),
                                   orUnknown(id.carrier), formatRate(known(t.contracted_down_mbps)),
                                   formatRate(known(t.contracted_up_mbps)),
                                   formatRate(numberAt(r, {"verdict", "target_mbps"})))});
  rows.push_back({tr("measured:"),
                  fmt::format(fmt::runtime(tr("down {}, up {} (IP-layer capacity)")),
                              formatRate(record::parseThroughputRecord(r).capacity("download")),
                              formatRate(record::parseThroughputRecord(r).capacity("upload")))});
  rows.push_back({tr("verdict:"), headline(r)});
  const bool synced = r.value("clock_synced", false);
  const std::string ts = r.contains("ts") && r["ts"].is_string() ? r["ts"].get<std::string>() : "";
  rows.push_back(
      {tr("time:"),
       fmt::format(
           fmt::runtime(tr("{}, clock {}")), ts.empty() ? std::string(kUnknown) : displayLocal(ts),
           synced ? tr("NTP-synchronised") : tr("NOT synchronised (check NTP: timedatectl)"))});
  rows.push_back({tr("broker:"), orUnknown(in.broker_line)});
  // "<dir> seq A-B" stays on one line even when a long state directory passes 80 columns:
  // it is copied into commands as it stands.
  rows.push_back({tr("journal:"),
                  in.journal_line.empty() ? std::string(tr("NOT written")) : in.journal_line,
                  !in.journal_line.empty()});
  rows.push_back({tr("service:"), orUnknown(in.service_line)});
  rows.push_back(
      {tr("config:"), fmt::format(fmt::runtime(tr("fingerprint {} ({})")),
                                  config::configHash(*in.cfg), orUnknown(in.cfg->source_path))});
  return rows;
}

std::string formatReceipt(const ReceiptInput& in) {
  const auto rows = receiptRows(in);
  return "\n" + std::string(tr("=== uplinkprobe commissioning receipt ===")) + "\n" +
         renderRows(rows, labelWidth(rows));
}

// libsodium's SHA-256: no sodium_init() needed (no CPU dispatch, no randomness).
std::string sha256Hex(const std::string& text) {
  unsigned char md[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(md, reinterpret_cast<const unsigned char*>(text.data()), text.size());
  std::string hex;
  for (unsigned char b : md) hex += fmt::format("{:02x}", b);
  return hex;
}

std::string receiptQrPayload(const std::string& id, const std::string& digest) {
  return "uplinkprobe-receipt:" + id + " sha256:" + digest;
}

SealedReceipt sealReceipt(const ReceiptInput& in, const std::string& id) {
  const auto rows = receiptRows(in);
  const int w = labelWidth(rows);
  const std::string title = tr("=== uplinkprobe commissioning receipt ===");
  SealedReceipt out;
  out.id = id;
  const std::string body = "\n" + title + "\n" + renderRows(rows, w);
  out.digest = sha256Hex(body);
  out.text = body + renderRows({{kIdLabel, id, true}, {kDigestLabel, out.digest, true}}, w);

  // The printable page: the same rows, every value escaped; no script, no external resource.
  const bool zh = currentLanguage() == Language::kChinese;
  std::string heading = title;  // without the "===" the terminal needs
  heading.erase(0, heading.find_first_not_of("= "));
  heading.erase(heading.find_last_not_of("= ") + 1);
  std::string h;
  h += "<!DOCTYPE html>\n<html lang=\"" + std::string(zh ? "zh-CN" : "en") + "\">\n<head>\n";
  h += "<meta charset=\"utf-8\">\n<title>" + htmlEscape(heading) + " " + htmlEscape(id) +
       "</title>\n";
  h += "<style>body{font-family:\"Noto Sans CJK SC\",\"Noto Sans\",sans-serif;margin:2em;"
       "max-width:48em}th{text-align:left;vertical-align:top;padding:.3em 1em .3em 0;"
       "white-space:nowrap}td{padding:.3em 0;overflow-wrap:anywhere}"
       ".seal{font-family:monospace;font-size:90%}"
       "@media print{body{margin:1cm}}</style>\n</head>\n<body>\n";
  h += "<h1>" + htmlEscape(heading) + "</h1>\n<table>\n";
  for (const auto& r : rows)
    h += "<tr><th>" + htmlEscape(r.label) + "</th><td>" + htmlEscape(r.value) + "</td></tr>\n";
  h += "<tr class=\"seal\"><th>" + std::string(kIdLabel) + "</th><td>" + htmlEscape(id) +
       "</td></tr>\n";
  h += "<tr class=\"seal\"><th>" + std::string(kDigestLabel) + "</th><td>" +
       htmlEscape(out.digest) + "</td></tr>\n</table>\n";
  const std::string svg = qrSvg(receiptQrPayload(id, out.digest));
  if (!svg.empty()) h += "<p>" + svg + "</p>\n";
  h += "</body>\n</html>\n";
  out.html = std::move(h);
  return out;
}

ReceiptCheck checkReceipt(const std::string& text) {
  ReceiptCheck c;
  const std::string id_mark = std::string("\n") + kIdLabel;
  const size_t at = text.rfind(id_mark);
  if (at == std::string::npos) return c;
  const std::string body = text.substr(0, at + 1);
  auto valueOf = [&](size_t from, const char* label) -> std::string {
    if (text.compare(from, std::char_traits<char>::length(label), label) != 0) return "";
    size_t b = text.find_first_not_of(' ', from + std::char_traits<char>::length(label));
    size_t e = text.find('\n', from);
    if (b == std::string::npos || e == std::string::npos || b > e) return "";
    return text.substr(b, e - b);
  };
  c.id = valueOf(at + 1, kIdLabel);
  const size_t next = text.find('\n', at + 1);
  if (next == std::string::npos) return c;
  c.digest = valueOf(next + 1, kDigestLabel);
  c.sealed = !c.id.empty() && c.digest.size() == 64;
  c.intact = c.sealed && sha256Hex(body) == c.digest;
  return c;
}

}  // namespace uplinkprobe::cli
