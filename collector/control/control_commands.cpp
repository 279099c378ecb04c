#include "collector/control/control_commands.h"

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
#include "collector/store/schema.h"
#include "common/time_format.h"
#include "record/ed25519.h"

namespace uplinkprobe::collector::control {
namespace {

using cli::kExitBadConfig;
using cli::kExitError;
using cli::kExitOk;
using cli::kExitUsage;

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
    "  verbs: run_test [direction=both|download|upload] [server=NAME]\n"
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

std::string commandId() {
  std::random_device rd;
  char buf[32];
  std::snprintf(buf, sizeof buf, "c-%08x%08x", rd(), rd());
  return buf;
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
  auto key = loadSigningKey(*a->get("--key"));
  if (!key) {
    std::fprintf(stderr, "uplinkprobe-collector command: %s\n", key.error().message.c_str());
    return kExitError;
  }
  auto db = openMigrated(cfg->database.url, "command");
  if (!db) return kExitError;
  auto devices = resolveTarget(*db, target);
  if (!devices) {
    std::fprintf(stderr, "uplinkprobe-collector command: %s\n", devices.error().message.c_str());
    return kExitError;
  }
  if (devices->empty()) {
    std::fprintf(stderr,
                 "uplinkprobe-collector command: no device this collector has seen matches %s "
                 "\"%s\"\n",
                 std::string(record::targetMember(target.kind)).c_str(), target.value.c_str());
    return kExitError;
  }

  const WallTime now = std::chrono::system_clock::now();
  record::CommandEnvelope env;
  env.command_id = commandId();
  env.verb = a->positional[0];
  env.args = std::move(*args);
  env.target = target;
  env.issued_at = record::formatCommandTime(now);
  env.expires_at = record::formatCommandTime(now + std::chrono::minutes(expires_min));
  auto seq = nextIssuerSeq(*a->get("--key"), now);
  if (!seq) {
    std::fprintf(stderr, "uplinkprobe-collector command: %s\n", seq.error().message.c_str());
    return kExitError;
  }
  env.issuer_seq = *seq;
  if (auto st = record::signCommand(env, *key); !st) {
    std::fprintf(stderr, "uplinkprobe-collector command: %s\n", st.error().message.c_str());
    return kExitUsage;  // e.g. a float in the arguments
  }
  auto payload = record::serializeCommand(env);
  if (!payload) return usage(kCommandUsage, payload.error().message);

  // Audit first: a crash after publishing must still leave the row.
  if (auto st = logIssued(
          *db, env, cliUser(), *devices,
          std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count());
      !st) {
    std::fprintf(stderr, "uplinkprobe-collector command: audit log: %s (nothing sent)\n",
                 st.error().message.c_str());
    return kExitError;
  }

  // Publishing is plain Paho (QoS 1, wait for PUBACK); answers come back as the probes'
  // event records, watched on a separate clean session.
  const auto& m = cfg->mqtt;
  std::string password;
  if (!m.password_file.empty()) {
    auto p = record::readSmallFile(m.password_file);
    if (!p) {
      std::fprintf(stderr, "uplinkprobe-collector command: %s\n", p.error().message.c_str());
      return kExitBadConfig;
    }
    password = *p;
    while (!password.empty() && (password.back() == '\n' || password.back() == '\r'))
      password.pop_back();
  }
  std::mutex mu;
  std::condition_variable cv;
  std::set<std::string> answered;
  int exit_code = kExitOk;
  try {
    mqtt::async_client client(m.uri, m.client_id + "-cmd-" + env.command_id, nullptr);
    mqtt::connect_options opts;
    opts.set_clean_session(true);
    opts.set_keep_alive_interval(30);
    if (!m.username.empty()) {
      opts.set_user_name(m.username);
      opts.set_password(password);
    }
    if (m.uri.rfind("ssl://", 0) == 0 || m.uri.rfind("mqtts://", 0) == 0) {
      mqtt::ssl_options ssl;
      if (!m.ca_file.empty()) ssl.set_trust_store(m.ca_file);
      if (!m.cert_file.empty()) ssl.set_key_store(m.cert_file);
      if (!m.key_file.empty()) ssl.set_private_key(m.key_file);
      opts.set_ssl(std::move(ssl));
    }
    client.set_message_callback([&](mqtt::const_message_ptr msg) {
      auto j = nlohmann::json::parse(msg->to_string(), nullptr, false);
      if (!j.is_object() || j.value("command_id", "") != env.command_id) return;
      const std::string ev = j.value("event", "");
      if (ev != "command_done" && ev != "command_refused") return;
      std::string line = j.value("device_id", "?") + ": " + ev;
      if (ev == "command_refused")
        line += " " + j.value("reason", "") + " (" + j.value("detail", "") + ")";
      else
        line += " " + j.dump();
      std::lock_guard<std::mutex> g(mu);
      std::printf("%s\n", line.c_str());
      std::fflush(stdout);
      if (ev == "command_refused") exit_code = kExitError;
      answered.insert(j.value("device_id", ""));
      cv.notify_all();
    });
    if (!client.connect(opts)->wait_for(std::chrono::seconds(15))) throw mqtt::exception(-1);
    if (wait_s > 0) {
      std::set<std::string> schools;
      for (const auto& d : *devices) schools.insert(d.school_id);
      for (const auto& s : schools)
        client.subscribe(m.topic_prefix + "/" + s + "/+/event", 1)
            ->wait_for(std::chrono::seconds(10));
    }
    for (const auto& d : *devices) {
      auto topic = commandTopic(m.topic_prefix, d);
      if (!topic) {
        std::fprintf(stderr, "uplinkprobe-collector command: %s\n", topic.error().message.c_str());
        exit_code = kExitError;
        continue;
      }
      auto tok = client.publish(mqtt::make_message(*topic, *payload, 1, false));
      if (!tok->wait_for(std::chrono::seconds(15))) {
        std::fprintf(stderr, "uplinkprobe-collector command: no PUBACK for %s\n", topic->c_str());
        exit_code = kExitError;
        continue;
      }
      if (auto st = logSent(*db, env.command_id, d.device_id); !st)
        std::fprintf(stderr, "uplinkprobe-collector command: audit log: %s\n",
                     st.error().message.c_str());
      std::printf("sent %s %s (seq %llu) to %s\n", env.command_id.c_str(), env.verb.c_str(),
                  static_cast<unsigned long long>(env.issuer_seq), topic->c_str());
    }
    std::fflush(stdout);
    if (wait_s > 0) {
      std::unique_lock<std::mutex> lk(mu);
      const bool all = cv.wait_for(lk, std::chrono::seconds(wait_s),
                                   [&] { return answered.size() >= devices->size(); });
      if (!all) {
        std::printf("%zu of %zu device(s) answered within %ld s\n", answered.size(),
                    devices->size(), wait_s);
        exit_code = kExitError;
      }
    }
    client.disconnect()->wait_for(std::chrono::seconds(5));
  } catch (const mqtt::exception& e) {
    std::fprintf(stderr, "uplinkprobe-collector command: broker %s: %s\n", m.uri.c_str(), e.what());
    return kExitError;
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
