// `uplinkprobe test`: one measurement now, live progress, verdict, exit code.
//
// With --config the record is journaled into the device's journal ([storage] dir, the one the
// daemon uses and publishes from) with trigger "manual", so `--json` prints the record as the
// collector will receive it (id, journal_id, seq). A manual test is evidence but never counts
// towards alerts or daily figures (verdict.unfair_reasons "manual"): --server and --target may
// differ from the school's contract. When the journal cannot be opened (no --config, the
// daemon holds it, no permission) the record is printed without id/journal_id/seq and a note
// on stderr says so: such output is not a wire record.
#include <unistd.h>

#include <fmt/format.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstdlib>

#include "agent/cli/arg_parser.h"
#include "agent/cli/commands.h"
#include "agent/cli/display_format.h"
#include "agent/cli/i18n.h"
#include "agent/cli/message_words.h"
#include "agent/cli/progress_view.h"
#include "agent/cli/test_summary.h"
#include "agent/cli/usage_text.h"
#include "agent/config/config_loader.h"
#include "agent/daemon/measure_options.h"
#include "agent/journal/journal.h"
#include "agent/measure/udp_capacity.h"
#include "agent/verdict/throughput_verdict.h"
#include "common/exit_codes.h"
#include "record/record_factory.h"

namespace uplinkprobe::cli {
namespace {

std::atomic<bool> g_cancel{false};
void onInterrupt(int) { g_cancel.store(true); }

// Ctrl-C / SIGTERM end the running test early through g_cancel (exit 130), not the process.
void catchInterrupts() {
  struct sigaction sa {};
  sa.sa_handler = onInterrupt;
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}

int usage(const std::string& why) { return usageError("test", why); }

// The record of a manual test, TCP or UDP alike: envelope, trigger "manual", the verdict
// (never counted), and with --config journaled into the device's journal, which gives it
// id/journal_id/seq. A journal that cannot be opened or written is said on stderr: the
// printed record is then not a wire record (see the file comment).
nlohmann::json manualRecord(const config::Config& cfg, nlohmann::json body,
                            std::optional<double> target,
                            const std::optional<std::string>& config_path, bool json) {
  record::Identity id{cfg.identity.device_id.empty() ? "unconfigured" : cfg.identity.device_id,
                      cfg.identity.school_id.empty() ? "unconfigured" : cfg.identity.school_id};
  record::RecordFactory factory(id, SystemClock::instance());
  auto rec = factory.make("throughput", std::move(body));
  rec["trigger"] = "manual";
  rec["verdict"] =
      verdict::judgeThroughput(rec, verdict::verdictInputsFromConfig(cfg.target, target));
  rec["verdict"]["counted"] = false;
  rec["verdict"]["unfair_reasons"].push_back("manual");
  if (!config_path) return rec;
  auto j = journal::openFileJournal(daemon::journalOptionsFromConfig(cfg), SystemClock::instance());
  if (!j) {
    std::fprintf(stderr, "uplinkprobe test: %s (%s)\n", tr("not journaled"),
                 j.error().message.c_str());
  } else if (auto s = (*j)->append(rec); !s) {
    std::fprintf(stderr, "uplinkprobe test: %s (%s)\n", tr("not journaled"),
                 s.error().message.c_str());
  } else {
    rec = nlohmann::json::parse(s->json);
    if (!json)
      std::fprintf(stderr, "uplinkprobe test: %s %s\n", tr("journaled as"),
                   rec.value("id", "").c_str());
  }
  return rec;
}

// `--method udp`: one OB-UDPST test per direction against a udpst:// server.
int udpTest(const config::Config& cfg, const ParsedArgs& a, std::optional<double> target,
            const std::optional<std::string>& config_path);

}  // namespace

int testCommand(const Args& args) {
  auto parsed = parseArgs(args, {"--json", "--download-only", "--upload-only"},
                          {"--config", "--server", "--target", "--method", "--key-file", "--key-id",
                           "--udp-algorithm"});
  if (!parsed) return usage(parsed.error().message);
  const auto& a = *parsed;
  if (a.has("--download-only") && a.has("--upload-only"))
    return usage(tr("--download-only and --upload-only exclude each other"));

  config::Config cfg;
  // The default config is used when it exists (an installed box); a named one must exist.
  std::optional<std::string> config_path = a.get("--config");
  if (!config_path && ::access(kDefaultConfigPath, F_OK) == 0) config_path = kDefaultConfigPath;
  if (auto path = config_path) {
    auto loaded = config::loadConfigFile(*path, config::Purpose::kTest);
    if (!loaded) {
      std::fputs(wrapMessage(personMessage(loaded.error().message)).c_str(), stderr);
      return kExitBadConfig;
    }
    cfg = std::move(*loaded);
  }
  const std::string method =
      a.get("--method")
          .value_or(a.get("--server").value_or("").rfind("udpst://", 0) == 0 ? "udp" : "tcp");
  if (method != "tcp" && method != "udp")
    return usage(std::string("--method: ") + tr("expected tcp or udp"));
  std::optional<double> target;
  if (auto t = a.get("--target")) {
    char* end = nullptr;
    double v = std::strtod(t->c_str(), &end);
    if (end == t->c_str() || *end != '\0' || !(v > 0) || v > 100000)
      return usage(std::string("--target: ") + tr("expected a rate in Mbps, e.g. --target 100"));
    target = v;
  }
  if (method == "udp") return udpTest(cfg, a, target, config_path);
  if (a.get("--udp-algorithm")) return usage(tr("--udp-algorithm needs --method udp"));
  if (auto url = a.get("--server")) {
    if (url->rfind("http://", 0) != 0 && url->rfind("https://", 0) != 0)
      return usage(std::string("--server: ") +
                   tr("expected an http:// or https:// URL of a LibreSpeed-compatible server"));
    config::ServerConfig server;
    server.name = "cli";
    server.kind = "librespeed";
    server.url = *url;
    cfg.servers = {server};
  }
  if (cfg.servers.empty())
    return usage(tr("no server: pass --server URL or a --config with [[servers]]"));

  auto opts = daemon::throughputOptionsFromConfig(cfg);
  opts.download = !a.has("--upload-only");
  opts.upload = !a.has("--download-only");
  const bool json = a.has("--json");

  catchInterrupts();

  ProgressView view(stderr);
  if (!json) std::fprintf(stderr, "uplinkprobe test: %s\n", tr("measuring (Ctrl-C to stop)"));
  auto result = measure::runThroughputTest(
      opts, SystemClock::instance(),
      [&](const measure::Progress& p) {
        if (!json) view.update(p);
      },
      &g_cancel);
  if (!json) view.finish();

  auto rec = manualRecord(cfg, result.toJson(), target, config_path, json);
  if (json) {
    std::printf("%s\n", rec.dump().c_str());
  } else {
    std::fputs(formatTestSummary(rec).c_str(), stdout);
  }
  return exitCodeForRecord(rec);
}

namespace {

int udpTest(const config::Config& cfg, const ParsedArgs& a, std::optional<double> target,
            const std::optional<std::string>& config_path) {
  // --server udpst://… (with --key-file/--key-id), else the first [[servers]] kind "udpst".
  daemon::UdpServerChoice server{"cli", "", a.get("--key-file").value_or(""), 0};
  std::optional<std::string> key_id_text = a.get("--key-id");
  if (auto url = a.get("--server")) {
    server.url = *url;
  } else if (auto configured = daemon::firstUdpstServer(cfg)) {
    server.name = configured->name;
    server.url = configured->url;
    if (server.key_file.empty() && !key_id_text) {
      server.key_file = configured->key_file;
      server.key_id = configured->key_id;
    }
  } else {
    return usage(tr("--method udp needs --server udpst://HOST[:PORT]"));
  }
  if (key_id_text) {
    char* end = nullptr;
    const long key_id = std::strtol(key_id_text->c_str(), &end, 10);
    if (end == key_id_text->c_str() || *end != '\0' || key_id < 0 || key_id > 255)
      return usage(std::string("--key-id: ") + tr("expected 0..255"));
    if (server.key_file.empty()) return usage(tr("--key-id needs --key-file"));
    server.key_id = static_cast<int>(key_id);
  }
  auto made = daemon::udpCapacityOptions(cfg, target, server);
  if (!made) {
    const ErrorKind kind = made.error().kind;
    if (kind == ErrorKind::kUrl)
      return usage(std::string("--server: ") + tr("expected udpst://HOST[:PORT]"));
    if (kind == ErrorKind::kKeyId)
      return usage(std::string("--key-id: ") + tr("no such key in --key-file"));
    std::fputs(wrapMessage(personMessage(made.error().message)).c_str(), stderr);
    return kExitBadConfig;
  }
  measure::UdpCapacityOptions o = std::move(*made);
  // The load-rate search the server runs: B (TR-471's default, what scheduled tests use) or C
  // ("multiply and retry", faster to the top on fast links).
  if (auto algorithm = a.get("--udp-algorithm")) {
    if (*algorithm == "B" || *algorithm == "b")
      o.algorithm = udpst::kAlgorithmB;
    else if (*algorithm == "C" || *algorithm == "c")
      o.algorithm = udpst::kAlgorithmC;
    else
      return usage(std::string("--udp-algorithm: ") + tr("expected B or C"));
  }
  o.download = !a.has("--upload-only");
  o.upload = !a.has("--download-only");
  const bool json = a.has("--json");

  catchInterrupts();
  if (!json) std::fprintf(stderr, "uplinkprobe test: %s\n", tr("measuring (Ctrl-C to stop)"));
  auto result = measure::runUdpCapacityTest(o, SystemClock::instance(), &g_cancel);

  auto rec = manualRecord(cfg, result.toJson(o), target, config_path, json);
  if (json) {
    std::printf("%s\n", rec.dump().c_str());
  } else {
    std::fputs(formatTestSummary(rec).c_str(), stdout);
  }
  if (g_cancel.load()) return 130;  // as the TCP test: cancelled (Ctrl-C)
  return exitCodeForRecord(rec);
}

}  // namespace

}  // namespace uplinkprobe::cli
