#include "collector/cli/control_commands.h"

#include <mqtt/async_client.h>
#include <pwd.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <random>
#include <set>

#include "collector/cli/args.h"
#include "collector/config/config_loader.h"
#include "collector/control/command_issuer.h"
#include "collector/control/command_log.h"
#include "collector/control/command_sender.h"
#include "collector/store/schema.h"
#include "common/terminal_text.h"
#include "common/time_format.h"
#include "record/command_answer.h"
#include "record/ed25519.h"

namespace uplinkprobe::collector::control {
namespace {

constexpr const char* kKeygenUsage =
    "usage: uplinkprobe-collector keygen --out DIR\n"
    "  Writes DIR/command-key.pem (private, 0600: keep it to the service user) and\n"
    "  DIR/command-key.pub (give it to probes: uplinkprobe commission --trust-key FILE).\n";

constexpr const char* kCommandUsage =
    "usage: uplinkprobe-collector command --config F --key PRIVATE.pem\n"
    "         (--device D | --school S | --county C) [--expires-in MINUTES] [--wait SECONDS]\n"
    "         VERB [name=value ...]\n"
    "  Signs VERB and publishes it (QoS 1) to every matching device's command topic, then\n"
    "  prints the answers (command_done / command_refused events) as they arrive.\n"
    "  verbs: run_test [direction=both|download|upload] [server=NAME] [method=tcp|udp]\n"
    "         set_schedule [tests_per_day=N] [windows=HH:MM-HH:MM,...]\n"
    "         set_target [floor_down_mbps=N] [contracted_down_mbps=N] [contracted_up_mbps=N]\n"
    "                    [tolerance_pct=N]\n"
    "         reload | report_config\n"
    "  --school / --county reach the devices this collector has seen in that scope.\n";

constexpr const char* kCommandLogUsage =
    "usage: uplinkprobe-collector command-log --config F [--limit N]\n"
    "  The audit log of signed remote commands, newest first: when, who, verb, arguments,\n"
    "  target, and each device's answer (command_done, command_refused REASON, or none yet).\n";

// Who runs this CLI, for the audit log: the Unix account (sudo keeps the real one in
// SUDO_USER).
std::string cliUser() {
  std::string name;
  if (const passwd* pw = ::getpwuid(::getuid())) name = pw->pw_name;
  if (const char* sudo = std::getenv("SUDO_USER"); sudo && *sudo && name == "root")
    name = std::string(sudo) + " (sudo)";
  if (name.empty()) name = "uid " + std::to_string(::getuid());
  return name + " via cli";
}

// The collector's database, migrated (the audit tables may be newer than the running
// collector); nullptr after printing why.
std::unique_ptr<db::Database> openMigrated(const std::string& url, const char* who) {
  auto db = db::openDatabase(url);
  if (!db) {
    std::fprintf(stderr, "uplinkprobe-collector %s: %s\n", who, db.error().message.c_str());
    return nullptr;
  }
  if (auto m = migrateStore(**db); !m) {
    std::fprintf(stderr, "uplinkprobe-collector %s: %s\n", who, m.error().message.c_str());
    return nullptr;
  }
  return std::move(*db);
}

int usage(const char* text, const std::string& why) {
  std::fprintf(stderr, "uplinkprobe-collector: %s\n%s", why.c_str(), text);
  return kExitUsage;
}

}  // namespace

int keygenCommand(const std::vector<std::string>& argv) {
  auto a = cli::parseArgs(argv, {}, {"--out"}, 0);
  if (!a) return usage(kKeygenUsage, a.error().message);
  auto out = a->get("--out");
  if (!out) return usage(kKeygenUsage, "--out is required");
  auto files = generateKeyFiles(*out);
  if (!files) {
    std::fprintf(stderr, "uplinkprobe-collector keygen: %s\n", files.error().message.c_str());
    return kExitError;
  }
  std::printf("private key: %s (0600)\npublic key:  %s\nkey id:      %s\n",
              files->private_path.c_str(), files->public_path.c_str(), files->key_id.c_str());
  return kExitOk;
}

int commandCommand(const std::vector<std::string>& argv) {
  auto a = cli::parseArgs(
      argv, {}, {"--config", "--key", "--device", "--school", "--county", "--expires-in", "--wait"},
      64);
  if (!a) return usage(kCommandUsage, a.error().message);
  if (!a->get("--config") || !a->get("--key"))
    return usage(kCommandUsage, "--config and --key are required");
  record::CommandTarget target;
  int targets = 0;
  if (auto d = a->get("--device")) target = {record::TargetKind::kDevice, *d}, ++targets;
  if (auto s = a->get("--school")) target = {record::TargetKind::kSchool, *s}, ++targets;
  if (auto c = a->get("--county")) target = {record::TargetKind::kCounty, *c}, ++targets;
  if (targets != 1) return usage(kCommandUsage, "give exactly one of --device, --school, --county");
  if (a->positional.empty()) return usage(kCommandUsage, "VERB is missing");
  long expires_min = 15, wait_s = 30;
  try {
    if (auto e = a->get("--expires-in")) expires_min = std::stol(*e);
    if (auto w = a->get("--wait")) wait_s = std::stol(*w);
  } catch (const std::exception&) {
    return usage(kCommandUsage, "--expires-in and --wait take whole numbers");
  }
  if (expires_min < 1 || expires_min > 24 * 60)
    return usage(kCommandUsage, "--expires-in must be 1..1440 minutes");
  if (wait_s < 0 || wait_s > 3600) return usage(kCommandUsage, "--wait must be 0..3600 s");
  auto args = parseVerbArgs({a->positional.begin() + 1, a->positional.end()});
  if (!args) return usage(kCommandUsage, args.error().message);

  auto cfg = config::loadConfigFile(*a->get("--config"));
  if (!cfg) {
    std::fprintf(stderr, "%s\n", cfg.error().message.c_str());
    return kExitBadConfig;
  }
  auto db = openMigrated(cfg->database.url, "command");
  if (!db) return kExitError;
  const std::string key_path = *a->get("--key");
  auto key = loadSigningKey(key_path);
  if (!key) {
    std::fprintf(stderr, "uplinkprobe-collector command: %s\n", key.error().message.c_str());
    return kExitError;
  }
  auto devices = resolveTarget(*db, target);
  if (!devices || devices->empty()) {
    std::fprintf(
        stderr, "uplinkprobe-collector command: %s\n",
        devices ? ("no device this collector has seen matches " +
                   std::string(record::targetMember(target.kind)) + " \"" + target.value + "\"")
                      .c_str()
                : devices.error().message.c_str());
    return kExitError;
  }

  // One client: the answers (the probes' event records) are subscribed to before the
  // command is published, so none is missed.
  const auto& m = cfg->mqtt;
  std::mutex mu;
  std::condition_variable cv;
  std::set<std::string> answered;
  std::string command_id;
  std::vector<nlohmann::json> early;
  int exit_code = kExitOk;
  // Called with mu held.
  auto handleAnswer = [&](const nlohmann::json& j) {
    const auto answer = record::parseCommandAnswer(j);
    if (!answer || answer->command_id != command_id) return;
    std::string line = terminalSafe(j.value("device_id", "?")) + ": " + answer->eventName();
    if (!answer->done)
      line += " " + terminalSafe(answer->reason) + " (" + terminalSafe(answer->detail) + ")";
    else
      line += " " + terminalSafe(j.dump());
    std::printf("%s\n", line.c_str());
    std::fflush(stdout);
    if (!answer->done) exit_code = kExitError;
    answered.insert(j.value("device_id", ""));
    cv.notify_all();
  };
  auto client = connectBroker(m, m.client_id + "-cmd-" + std::to_string(::getpid()));
  if (!client) {
    std::fprintf(stderr, "uplinkprobe-collector command: %s\n", client.error().message.c_str());
    return kExitError;
  }
  try {
    (*client)->set_message_callback([&](mqtt::const_message_ptr msg) {
      auto j = nlohmann::json::parse(msg->to_string(), nullptr, false);
      if (!j.is_object() || !j.contains("command_id")) return;
      std::lock_guard<std::mutex> g(mu);
      if (command_id.empty()) {
        // Before issueCommand() returned (several devices, a fast probe): keep it for later.
        if (early.size() < 1000) early.push_back(std::move(j));
        return;
      }
      handleAnswer(j);
    });
    if (wait_s > 0) {
      std::set<std::string> schools;
      for (const auto& d : *devices) schools.insert(d.school_id);
      for (const auto& s : schools)
        (*client)
            ->subscribe(m.topic_prefix + "/" + s + "/+/event", 1)
            ->wait_for(std::chrono::seconds(10));
    }
  } catch (const mqtt::exception& e) {
    std::fprintf(stderr, "uplinkprobe-collector command: broker %s: %s\n", m.uri.c_str(), e.what());
    return kExitError;
  }
  IssueRequest req;
  req.verb = a->positional[0];
  req.args = std::move(*args);
  req.target = target;
  req.expires_minutes = static_cast<int>(expires_min);
  req.issued_by = cliUser();
  auto issued = issueCommand(*db, **client, m.topic_prefix, *key, key_path, *devices,
                             std::move(req), std::chrono::system_clock::now());
  if (!issued) {
    std::fprintf(stderr, "uplinkprobe-collector command: %s\n", issued.error().message.c_str());
    return issued.error().kind == ErrorKind::kUsage ? kExitUsage : kExitError;
  }
  {
    std::lock_guard<std::mutex> g(mu);
    command_id = issued->envelope.command_id;
    for (const auto& j : early) handleAnswer(j);
    early.clear();
  }
  for (const auto& p : issued->problems) {
    std::fprintf(stderr, "uplinkprobe-collector command: %s\n", p.c_str());
    exit_code = kExitError;
  }
  for (const auto& d : issued->acknowledged)
    std::printf("sent %s %s (seq %llu) to %s\n", issued->envelope.command_id.c_str(),
                issued->envelope.verb.c_str(),
                static_cast<unsigned long long>(issued->envelope.issuer_seq), d.c_str());
  std::fflush(stdout);
  if (wait_s > 0) {
    std::unique_lock<std::mutex> lk(mu);
    const bool all = cv.wait_for(lk, std::chrono::seconds(wait_s),
                                 [&] { return answered.size() >= issued->devices.size(); });
    if (!all) {
      std::printf("%zu of %zu device(s) answered within %ld s\n", answered.size(),
                  issued->devices.size(), wait_s);
      exit_code = kExitError;
    }
  }
  try {
    (*client)->disconnect()->wait_for(std::chrono::seconds(5));
  } catch (const mqtt::exception&) {
  }
  return exit_code;
}

int commandLogCommand(const std::vector<std::string>& argv) {
  auto a = cli::parseArgs(argv, {}, {"--config", "--limit"}, 0);
  if (!a) return usage(kCommandLogUsage, a.error().message);
  if (!a->get("--config")) return usage(kCommandLogUsage, "--config is required");
  int limit = 50;
  if (auto l = a->get("--limit")) {
    try {
      limit = std::stoi(*l);
    } catch (const std::exception&) {
      limit = 0;
    }
    if (limit < 1 || limit > 1000) return usage(kCommandLogUsage, "--limit must be 1..1000");
  }
  auto cfg = config::loadConfigFile(*a->get("--config"));
  if (!cfg) {
    std::fprintf(stderr, "%s\n", cfg.error().message.c_str());
    return kExitBadConfig;
  }
  if (!cfg->ledger.timezone.empty()) {  // times as the ledger shows them
    setenv("TZ", cfg->ledger.timezone.c_str(), 1);
    tzset();
  }
  auto db = openMigrated(cfg->database.url, "command-log");
  if (!db) return kExitError;
  auto log = listCommands(*db, limit);
  if (!log) {
    std::fprintf(stderr, "uplinkprobe-collector command-log: %s\n", log.error().message.c_str());
    return kExitError;
  }
  auto at = [](int64_t ms) { return formatLocalDisplay(WallTime(std::chrono::milliseconds(ms))); };
  for (const auto& c : *log) {
    std::printf("%s  %s  %s %s  %s  by %s\n", at(c.issued_ms).c_str(), c.command_id.c_str(),
                c.verb.c_str(), c.args.c_str(), c.target.c_str(), c.issued_by.c_str());
    for (const auto& d : c.devices) {
      std::string what = !d.sent                          ? "not sent (no PUBACK)"
                         : d.outcome.empty()              ? "no answer stored"
                         : d.outcome == "command_refused" ? "command_refused " + d.reason
                                                          : d.outcome;
      if (d.answered_ms) what += " at " + at(*d.answered_ms);
      std::printf("    %s (%s): %s\n", d.device_id.c_str(), d.school_id.c_str(), what.c_str());
    }
  }
  if (log->empty()) std::printf("no remote commands issued\n");
  return kExitOk;
}

}  // namespace uplinkprobe::collector::control
