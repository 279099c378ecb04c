// `uplinkprobe commission`: what a carrier technician runs once per school, before leaving.
//
// Steps, each of which stops with a message that says what to fix:
//   1. settings: flags, else (on a terminal, without --yes) prompts whose defaults are the
//      config's current values; placeholders of the example config are refused;
//   2. the broker password (if any) goes to <config dir>/mqtt.password, 0640 root:uplinkprobe;
//   3. the config is edited line by line (comments kept, agent/config/toml_edit.h), validated
//      as `check-config` would, saved with the previous version as <config>.bak;
//   4. the broker is connected with the daemon's own MQTT adapter (bounded wait): address,
//      TLS and credentials are proven, not assumed;
//   5. a first throughput test with live progress, judged like `uplinkprobe test`;
//   6. the throughput record and an `event` {"event":"commissioned", ...} are journaled in
//      [storage] dir and published with QoS 1 (waiting for PUBACK);
//   7. a receipt is printed, and the service is (re)started when systemd runs.
// commissionCommand() runs the steps in this order, each a function here; the deciding parts
// of 1 and 3 (flags and answers, the config edits) are in commission_steps.h with unit tests.
// A running uplinkprobe.service is stopped first: its own scheduled test would share the link
// with ours (both results wrong), and it holds the journal lock and the broker client id.
//
// Privileges: steps 1-3 and 7 need root (the config in /etc, systemctl). Steps 4-6 parse what
// the network sends and write the service account's state directory, so as root they run in a
// child that has dropped to that account (runAsAccount), after the broker password was read.
//
// Exit codes (DESIGN.md): 0 commissioned and meets target, 1 commissioned but measured below
// target, 2 error (broker, test, journal), 64 usage, 78 bad config.
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <sstream>

#include <fmt/format.h>

#include "agent/cli/arg_parser.h"
#include "agent/cli/commands.h"
#include "agent/cli/commission_steps.h"
#include "agent/cli/display_format.h"
#include "agent/cli/i18n.h"
#include "agent/cli/message_words.h"
#include "agent/cli/progress_view.h"
#include "agent/cli/prompt_answer.h"
#include "agent/cli/receipt.h"
#include "agent/cli/receipt_store.h"
#include "agent/cli/test_summary.h"
#include "agent/cli/usage_text.h"
#include "agent/cli/verdict_words.h"
#include "agent/config/config_loader.h"
#include "agent/config/schema.h"
#include "agent/config/toml_edit.h"
#include "agent/daemon/measure_options.h"
#include "agent/journal/journal.h"
#include "agent/measure/throughput_test.h"
#include "agent/measure/udp_capacity.h"
#include "agent/publish/connect_settings.h"
#include "agent/publish/paho_publisher.h"
#include "agent/publish/topic.h"
#include "agent/verdict/throughput_verdict.h"
#include "common/exit_codes.h"
#include "common/terminal_text.h"
#include "common/time_format.h"
#include "common/version.h"
#include "platform/atomic_file.h"
#include "platform/boot_id.h"
#include "platform/state_dir.h"
#include "record/ed25519.h"
#include "record/record_factory.h"
#include "record/throughput_record.h"

namespace uplinkprobe::cli {
namespace {

namespace fs = std::filesystem;
using platform::writeFileAtomic;
using Clock = std::chrono::steady_clock;

constexpr const char* kDefaultConfig = kDefaultConfigPath;  // usage_text.h: one default
constexpr const char* kService = "uplinkprobe.service";
constexpr auto kBrokerTimeout = std::chrono::seconds(15);
constexpr auto kPublishTimeout = std::chrono::seconds(15);
constexpr size_t kMaxAnswer = 256;
constexpr size_t kMaxSecretAnswer = 4096;  // as publish::readPasswordFile allows

constexpr const char* kUsage =
    "usage: uplinkprobe commission [--config F] [--device-id ID] [--school-id ID]\n"
    "         [--school-name NAME] [--region R] [--county C] [--carrier C]\n"
    "         [--contracted-down MBPS] [--contracted-up MBPS] [--broker URI]\n"
    "         [--username U] [--password-file F] [--server URL] [--trust-key FILE]\n"
    "         [--yes] [--no-start] [--run-as USER]\n"
    "  Sets identity and broker in the config (default\n"
    "  /etc/uplinkprobe/uplinkprobe.toml), checks config and broker, runs a first\n"
    "  test and prints a receipt. On a terminal it asks for what the flags do not\n"
    "  give; --yes never asks (scripts).\n"
    "  --trust-key FILE adds an operator's Ed25519 public key (PEM) to [control]\n"
    "  trusted_keys: signed remote commands from it are then obeyed\n"
    "  (docs/control.md).\n"
    "  Run as root, the broker, test and journal steps run as the service account\n"
    "  (--run-as, default uplinkprobe) after the password file has been read\n"
    "  (docs/security.md).\n";

std::atomic<bool> g_cancel{false};
void onInterrupt(int) { g_cancel.store(true); }

int usage(const std::string& why) {
  std::fprintf(stderr, "uplinkprobe commission: %s\n%s", why.c_str(), kUsage);
  return kExitUsage;
}

// Reads one bounded line from stdin; nullopt on EOF (the technician pressed Ctrl-D) or when
// the line is too long (*error says so: nothing is cut silently). A secret (echo off) keeps
// its spaces and may be up to 4 KiB, like a --password-file.
std::optional<std::string> readAnswer(bool echo, std::string* error) {
  termios saved{};
  bool restore = false;
  if (!echo && tcgetattr(STDIN_FILENO, &saved) == 0) {
    termios quiet = saved;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    restore = tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) == 0;
  }
  const std::size_t max = echo ? kMaxAnswer : kMaxSecretAnswer;
  LineRead read = readPromptLine(std::cin, max);
  if (restore) {
    tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
    std::fputs("\n", stderr);
  }
  if (read.eof) return std::nullopt;
  auto answer = finishAnswer(read, echo ? AnswerKind::kText : AnswerKind::kSecret, max);
  if (!answer) {
    *error = answer.error().message;
    return std::nullopt;
  }
  return *answer;
}

std::optional<std::string> ask(const std::string& prompt, const std::string& def,
                               std::string* error) {
  std::fprintf(stderr, "%s [%s]: ", prompt.c_str(), def.c_str());
  std::fflush(stderr);
  auto a = readAnswer(true, error);
  if (!a) return std::nullopt;
  return a->empty() ? def : *a;
}

// The config: one open (a FIFO cannot hang it), a regular file, at most 1 MiB.
Result<std::string> readFile(const std::string& path) {
  return platform::readRegularFile(path, 1 << 20);
}

bool systemdRunning() { return fs::exists("/run/systemd/system"); }

// Fixed command lines only (no user input reaches the shell).
bool serviceActive() {
  return systemdRunning() && std::system("systemctl is-active --quiet uplinkprobe.service") == 0;
}

// Owner thread of the Paho adapter (publisher.h): Paho's threads post closures here and the
// command's thread runs them while it waits, with a deadline.
class WaitLoop {
 public:
  publish::Post poster() {
    return [this](std::function<void()> f) {
      std::lock_guard<std::mutex> g(mu_);
      q_.push_back(std::move(f));
      cv_.notify_all();
    };
  }
  bool runUntil(const std::function<bool()>& done, std::chrono::milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    while (true) {
      for (;;) {
        std::function<void()> f;
        {
          std::lock_guard<std::mutex> g(mu_);
          if (q_.empty()) break;
          f = std::move(q_.front());
          q_.pop_front();
        }
        f();
      }
      if (done()) return true;
      if (Clock::now() >= deadline || g_cancel.load()) return false;
      std::unique_lock<std::mutex> lk(mu_);
      cv_.wait_until(lk, std::min(deadline, Clock::now() + std::chrono::milliseconds(200)),
                     [&] { return !q_.empty(); });
    }
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> q_;
};

struct BrokerState : publish::PublisherListener {
  enum { kPending, kConnected, kFailed, kLost } state = kPending;
  Error error;
  void onConnected() override { state = kConnected; }
  void onConnectFailed(const Error& e) override {
    state = kFailed;
    error = e;
  }
  void onConnectionLost(const std::string& cause) override {
    state = kLost;
    error = Error{ErrorKind::kConnect, "connection lost: " + cause};
  }
};

std::string brokerAdvice(const Error& e, const config::Config& cfg) {
  if (e.kind == ErrorKind::kAuth)
    return fmt::format(fmt::runtime(tr("the broker refused user \"{}\": check --username and the "
                                       "password in --password-file with the broker's operator")),
                       cfg.mqtt.username);
  if (e.kind == ErrorKind::kTls)
    return fmt::format(fmt::runtime(tr("TLS to {} failed: check [mqtt] ca_file (the CA that "
                                       "signed the broker's certificate) and the host name in "
                                       "--broker")),
                       cfg.mqtt.uri);
  return fmt::format(fmt::runtime(tr("cannot reach {}: check the address and port in --broker, the "
                                     "school's firewall (outbound TCP to the broker port) and "
                                     "that the broker is running")),
                     cfg.mqtt.uri);
}

// "uplinkprobe commission: WHAT" and "  fix: HOW", wrapped, in the reader's language.
void complainWithFix(const std::string& what, const std::string& how) {
  std::fputs(wrapMessage("uplinkprobe commission: " + what).c_str(), stderr);
  std::fputs(wrapMessage("  " + std::string(tr("fix:")) + " " + how).c_str(), stderr);
}

// Journal files created by root here must stay writable by the service user that owns the
// state directory (StateDirectory=). Only regular, single-link files that root owns are
// changed, relative to the directory's descriptor with AT_SYMLINK_NOFOLLOW: a symlink the
// service account planted is never followed, and its target never changes owner.
void matchOwnerOfDir(const std::string& dir) {
  if (::geteuid() != 0) return;
  auto d = platform::StateDir::open(dir);
  if (!d) return;
  struct stat st {};
  if (::fstat(d->fd(), &st) != 0 || st.st_uid == 0) return;
  d->chownEntries(0, st.st_uid, st.st_gid);
}

}  // namespace

// Steps 4-6 (broker, first test, journal and publish): everything that talks to the network
// or writes the state directory. Run as the service account when commission runs as root.
struct MeasureOutcome {
  int exit_code = kExitOk;
  bool stop = false;  // a failure before the test: the command ends here with exit_code
  nlohmann::json rec;
  std::string broker_line;
  std::string journal_line;

  MeasureOutcome& stopWith(int code) {
    exit_code = code;
    stop = true;
    return *this;
  }
  nlohmann::json toJson() const {
    return {{"exit_code", exit_code},
            {"stop", stop},
            {"rec", rec},
            {"broker_line", broker_line},
            {"journal_line", journal_line}};
  }
  static std::optional<MeasureOutcome> fromJson(const std::string& text) {
    auto j = nlohmann::json::parse(text, nullptr, false);
    if (j.is_discarded() || !j.is_object() || !j.contains("exit_code") ||
        !j["exit_code"].is_number_integer() || !j.contains("rec"))
      return std::nullopt;
    MeasureOutcome o;
    o.exit_code = j["exit_code"].get<int>();
    o.stop = j.value("stop", false);
    o.rec = j["rec"];
    o.broker_line = j.value("broker_line", std::string());
    o.journal_line = j.value("journal_line", std::string());
    return o;
  }
};

// The broker client of steps 4 and 6: Paho's threads post to loop, which this thread runs
// while it waits (publisher.h).
struct BrokerSession {
  WaitLoop loop;
  BrokerState state;
  std::unique_ptr<publish::Publisher> publisher;
  std::string line = tr("none configured: records stay in the local journal");

  ~BrokerSession() {
    if (!publisher) return;
    publisher->setListener(nullptr);
    publisher->disconnect(std::chrono::seconds(3));
  }
};

// ---- 4. broker: address, TLS and credentials proven, not assumed (bounded wait) ----
// kExitOk connected (or none configured), else the exit code; the reason is printed.
int connectBroker(const config::Config& cfg, const publish::ConnectSettings& connect,
                  BrokerSession& b) {
  if (cfg.mqtt.uri.empty()) return kExitOk;
  publish::StatusInfo info{cfg.identity, kAgentVersion, "", config::configHash(cfg)};
  auto p = publish::makePahoPublisher(connect, info, b.loop.poster(), SystemClock::instance());
  if (!p) {
    std::fprintf(stderr, "uplinkprobe commission: broker %s: %s\n", cfg.mqtt.uri.c_str(),
                 p.error().message.c_str());
    return kExitBadConfig;
  }
  b.publisher = std::move(*p);
  b.publisher->setListener(&b.state);
  std::fputs(wrapLine(tr("broker:"),
                      fmt::format(fmt::runtime(tr("connecting to {} ...")), cfg.mqtt.uri), 9)
                 .c_str(),
             stdout);
  std::fflush(stdout);
  b.publisher->connectAsync();
  b.loop.runUntil([&] { return b.state.state != BrokerState::kPending; },
                  std::chrono::duration_cast<std::chrono::milliseconds>(kBrokerTimeout));
  if (b.state.state != BrokerState::kConnected) {
    Error e = b.state.state == BrokerState::kPending
                  ? Error{ErrorKind::kConnect, tr("no answer within 15 s")}
                  : b.state.error;
    b.publisher->setListener(nullptr);
    b.publisher.reset();  // never connected: nothing to disconnect
    complainWithFix(fmt::format(fmt::runtime(tr("broker {}: {}")), cfg.mqtt.uri,
                                terminalSafe(e.message, false)),
                    brokerAdvice(e, cfg));
    return kExitError;
  }
  b.line = cfg.mqtt.username.empty() ? fmt::format(fmt::runtime(tr("{} connected")), cfg.mqtt.uri)
                                     : fmt::format(fmt::runtime(tr("{} connected as {}")),
                                                   cfg.mqtt.uri, cfg.mqtt.username);
  std::fputs(wrapLine(tr("broker:"), b.line, 9).c_str(), stdout);
  std::fflush(stdout);  // progress, also when stdout is a pipe or a file
  return kExitOk;
}

// ---- 5. first throughput test, live progress on stderr, judged like `uplinkprobe test` ----
nlohmann::json firstTest(const config::Config& cfg, record::RecordFactory& factory) {
  // The method the verdict leans on: [target] method "udp" proves the link with an OB-UDPST
  // test (check-config made sure a udpst server and its key are usable); "tcp" and "both"
  // with TCP — a "both" probe's first scheduled slot adds the UDP record.
  const auto udp_server = daemon::firstUdpstServer(cfg);
  const bool udp = cfg.target.method == "udp" && udp_server.has_value();
  std::string against = udp ? udp_server->url : std::string();
  for (const auto& s : cfg.servers) {
    if (!udp && against.empty() && s.kind != "udpst") against = s.url;
  }
  std::fprintf(
      stderr, "%s",
      wrapLine(tr("test:"),
               fmt::format(fmt::runtime(tr("measuring against {} (Ctrl-C to stop)")), against), 9)
          .c_str());
  nlohmann::json body;
  if (udp) {
    auto options = daemon::udpCapacityOptionsFor(cfg, udp_server->name);
    body = options ? measure::runUdpCapacityTest(*options, SystemClock::instance(), &g_cancel)
                         .toJson(*options)
                   : daemon::udpNotStartedBody(cfg, udp_server->name, options.error().message);
  } else {
    ProgressView view(stderr);
    auto result = measure::runThroughputTest(
        daemon::throughputOptionsFromConfig(cfg), SystemClock::instance(),
        [&](const measure::Progress& p) { view.update(p); }, &g_cancel);
    view.finish();
    body = result.toJson();
  }
  auto rec = factory.make("throughput", std::move(body));
  rec["trigger"] = "commission";
  rec["verdict"] =
      verdict::judgeThroughput(rec, verdict::verdictInputsFromConfig(cfg.target, std::nullopt));
  std::fputs(formatTestSummary(rec).c_str(), stdout);
  std::fflush(stdout);
  return rec;
}

// ---- 6. the throughput record and a `commissioned` event into the daemon's own journal
// (they share its journal_id and seq space), then published in seq order with QoS 1,
// waiting for PUBACK. Sets rec["id"], *journal_line and b.line; returns the exit code.
int journalAndPublish(const config::Config& cfg, record::RecordFactory& factory,
                      nlohmann::json& rec, BrokerSession& b, std::string* journal_line_out) {
  const record::ThroughputRecord test = record::parseThroughputRecord(rec);
  const record::Verdict v = test.verdict.value_or(record::Verdict{});
  nlohmann::json body = {
      {"event", "commissioned"},
      {"school_name", cfg.identity.school_name},
      {"region", cfg.identity.region},
      {"county", cfg.identity.county},
      {"carrier", cfg.identity.carrier},
      {"contracted_down_mbps", cfg.target.contracted_down_mbps},
      {"contracted_up_mbps", cfg.target.contracted_up_mbps},
      {"target_mbps", v.target_mbps},
      {"meets_target", v.meets_target ? nlohmann::json(*v.meets_target) : nlohmann::json()},
      {"download_mbps", test.capacity("download").value_or(-1)},
      {"upload_mbps", test.capacity("upload").value_or(-1)},
      {"test_error", rec.contains("error") ? rec["error"] : nlohmann::json()},
      {"server", rec.contains("server") ? rec["server"] : nlohmann::json()},
      {"broker", cfg.mqtt.uri},
      {"config_hash", config::configHash(cfg)}};
  // The daemon's own journal: the commissioning records share its journal_id and seq space.
  const journal::JournalOptions jo = daemon::journalOptionsFromConfig(cfg);
  int exit_code = kExitOk;
  std::vector<journal::StoredRecord> stored;
  std::string& journal_line = *journal_line_out;
  {
    auto j = journal::openFileJournal(jo, SystemClock::instance());
    if (!j) {
      std::fprintf(stderr, "uplinkprobe commission: journal %s: %s\n  fix: %s\n", jo.dir.c_str(),
                   j.error().message.c_str(),
                   j.error().kind == ErrorKind::kJournalLocked
                       ? "another uplinkprobe holds it; stop it: systemctl stop uplinkprobe"
                       : "run as root (sudo), or point [storage] dir at a writable directory");
      exit_code = kExitError;
    } else {
      const uint64_t delivered_before = (*j)->deliveredSeq();
      const uint64_t last_before = (*j)->lastSeq();
      for (auto r : {rec, factory.make("event", body)}) {
        if (r["kind"] == "event") r["throughput_id"] = stored.empty() ? "" : rec.value("id", "");
        auto s = (*j)->append(std::move(r));
        if (!s) {
          std::fprintf(stderr, "uplinkprobe commission: journal: %s\n", s.error().message.c_str());
          exit_code = kExitError;
          break;
        }
        if (stored.empty()) rec["id"] = nlohmann::json::parse(s->json).value("id", "");
        stored.push_back(*s);
      }
      if (!stored.empty())
        journal_line = jo.dir + " seq " + std::to_string(stored.front().seq) + "-" +
                       std::to_string(stored.back().seq);
      // ---- publish, in seq order, waiting for PUBACK ----
      if (b.publisher && b.state.state == BrokerState::kConnected && !stored.empty()) {
        size_t acked = 0;
        bool refused = false;
        for (const auto& s : stored) {
          b.publisher->publish(
              publish::topicFor(cfg.mqtt.topic_prefix, cfg.identity.school_id,
                                cfg.identity.device_id, publish::topicKindFor(s.kind)),
              s.json, 1, false, [&](bool ok) {
                if (ok)
                  ++acked;
                else
                  refused = true;
              });
        }
        b.loop.runUntil(
            [&] {
              return acked == stored.size() || refused || b.state.state != BrokerState::kConnected;
            },
            std::chrono::duration_cast<std::chrono::milliseconds>(kPublishTimeout));
        if (acked == stored.size()) {
          b.line += tr(", records delivered (PUBACK)");
          // Only when nothing older is still owed to the broker may the pointer move.
          if (delivered_before == last_before) (*j)->markDelivered(stored.back().seq);
        } else {
          b.line += tr(", records NOT acknowledged (the service will resend them)");
          std::fprintf(stderr,
                       "uplinkprobe commission: the broker did not acknowledge the records\n"
                       "  fix: check that user \"%s\" may publish to %s/#\n",
                       cfg.mqtt.username.c_str(), cfg.mqtt.topic_prefix.c_str());
          exit_code = kExitError;
        }
      }
      if (auto st = (*j)->flush(); !st) exit_code = kExitError;
    }
  }
  return exit_code;
}

// Steps 4-6. connect: the MQTT settings, made (password file read) before privileges were
// dropped.
MeasureOutcome measureJournalPublish(const config::Config& cfg,
                                     const publish::ConnectSettings& connect) {
  MeasureOutcome out;
  BrokerSession broker;
  if (int code = connectBroker(cfg, connect, broker); code != kExitOk) return out.stopWith(code);
  record::RecordFactory factory({cfg.identity.device_id, cfg.identity.school_id},
                                SystemClock::instance());
  out.rec = firstTest(cfg, factory);
  out.exit_code = exitCodeForRecord(out.rec);
  if (int code = journalAndPublish(cfg, factory, out.rec, broker, &out.journal_line);
      code != kExitOk)
    out.exit_code = code;
  out.broker_line = broker.line;
  return out;
}

// The account the network-facing steps run as when commission runs as root.
struct ServiceAccount {
  std::string name;
  uid_t uid;
  gid_t gid;
};

std::optional<ServiceAccount> serviceAccount(const std::string& name) {
  if (::geteuid() != 0) return std::nullopt;
  const passwd* pw = ::getpwnam(name.c_str());
  if (pw == nullptr || pw->pw_uid == 0) return std::nullopt;
  return ServiceAccount{name, pw->pw_uid, pw->pw_gid};
}

// [storage] dir as systemd's StateDirectory= would leave it: created (0750) and owned by the
// service account when missing. An existing directory is left as it is.
Status prepareStateDir(const std::string& dir, const ServiceAccount& account) {
  std::error_code ec;
  const fs::path p(dir);
  if (fs::exists(fs::symlink_status(p, ec))) return Status::Ok();
  if (p.has_parent_path()) fs::create_directories(p.parent_path(), ec);
  if (::mkdir(dir.c_str(), 0750) != 0 && errno != EEXIST) {
    return makeError(ErrorKind::kIo, "cannot create " + dir + ": " + std::strerror(errno));
  }
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return makeError(ErrorKind::kIo, "cannot open " + dir + ": " + std::strerror(errno));
  const bool ok = ::fchown(fd, account.uid, account.gid) == 0;
  const int err = errno;
  ::close(fd);
  if (!ok)
    return makeError(ErrorKind::kIo,
                     "cannot give " + dir + " to " + account.name + ": " + std::strerror(err));
  return Status::Ok();
}

// Runs work() in a child that has dropped to account (supplementary groups, then gid, then
// uid, all three ids of each; verified), and hands its outcome back over a pipe. Root keeps
// only what comes after: the receipt and systemctl. A child that dies is an error outcome.
MeasureOutcome runAsAccount(const ServiceAccount& account,
                            const std::function<MeasureOutcome()>& work) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    std::fprintf(stderr, "uplinkprobe commission: pipe: %s\n", std::strerror(errno));
    return MeasureOutcome().stopWith(kExitError);
  }
  std::fflush(stdout);
  std::fflush(stderr);
  const pid_t pid = ::fork();
  if (pid < 0) {
    std::fprintf(stderr, "uplinkprobe commission: fork: %s\n", std::strerror(errno));
    ::close(fds[0]);
    ::close(fds[1]);
    return MeasureOutcome().stopWith(kExitError);
  }
  if (pid == 0) {
    ::close(fds[0]);
    if (::initgroups(account.name.c_str(), account.gid) != 0 ||
        ::setresgid(account.gid, account.gid, account.gid) != 0 ||
        ::setresuid(account.uid, account.uid, account.uid) != 0 || ::getuid() != account.uid ||
        ::geteuid() != account.uid || ::getegid() != account.gid || ::setuid(0) == 0) {
      std::fprintf(stderr, "uplinkprobe commission: cannot drop to user %s: %s\n",
                   account.name.c_str(), std::strerror(errno));
      std::fflush(stderr);
      ::_exit(kExitError);
    }
    const std::string text = work().toJson().dump();
    std::fflush(stdout);
    std::fflush(stderr);
    std::size_t off = 0;
    while (off < text.size()) {
      ssize_t n = ::write(fds[1], text.data() + off, text.size() - off);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) ::_exit(kExitError);
      off += static_cast<std::size_t>(n);
    }
    ::_exit(0);
  }
  ::close(fds[1]);
  constexpr std::size_t kMaxOutcomeBytes = 4 << 20;
  std::string text;
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(fds[0], buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;  // Ctrl-C: the child cancels its test and ends
    if (n <= 0) break;
    text.append(buf, static_cast<std::size_t>(n));
    if (text.size() > kMaxOutcomeBytes) break;
  }
  ::close(fds[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  auto outcome = text.size() <= kMaxOutcomeBytes ? MeasureOutcome::fromJson(text) : std::nullopt;
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || !outcome) {
    std::fprintf(stderr, "uplinkprobe commission: the test/journal/publish step as user %s %s\n",
                 account.name.c_str(),
                 WIFSIGNALED(status)
                     ? ("died of signal " + std::to_string(WTERMSIG(status))).c_str()
                     : "failed");
    return MeasureOutcome().stopWith(kExitError);
  }
  return *outcome;
}

namespace {

// ---- 1. settings: the config as it is, then flags and answers ----
struct Current {
  std::string original;  // the file's text
  config::Config cfg;
  std::optional<config::Config> example;
};

std::optional<Current> readCurrentConfig(const std::string& path) {
  auto original = readFile(path);
  if (!original) {
    complainWithFix(personMessage(original.error().message),
                    fmt::format(fmt::runtime(tr("install the uplinkprobe package (it ships {}) or "
                                                "pass --config F; `uplinkprobe example-config > "
                                                "F` makes one")),
                                kDefaultConfig));
    return std::nullopt;
  }
  auto current = config::loadConfigString(*original, path, config::Purpose::kTest);
  if (!current) {
    std::fputs(wrapMessage(personMessage(current.error().message)).c_str(), stderr);
    std::fputs(wrapMessage("  " + std::string(tr("fix:")) + " " +
                           fmt::format(fmt::runtime(tr("correct that line, or start again from "
                                                       "the annotated default: uplinkprobe "
                                                       "example-config > {}")),
                                       path))
                   .c_str(),
               stderr);
    return std::nullopt;
  }
  Current c{*original, *current, std::nullopt};
  if (auto ex =
          config::loadConfigString(config::exampleConfig(), "example", config::Purpose::kTest))
    c.example = *ex;
  return c;
}

// --trust-key FILE: checked (an Ed25519 public key), referenced by absolute path, never
// copied. The whole new list, or a usage error.
Result<std::vector<std::string>> trustedKeysWith(const std::string& key_file,
                                                 const config::Config& current) {
  const std::string abs = fs::absolute(fs::path(key_file)).lexically_normal().string();
  auto pem = record::readSmallFile(abs);
  auto key = pem ? record::PublicKey::fromPem(*pem) : Result<record::PublicKey>(pem.error());
  if (!key)
    return makeError(ErrorKind::kUsage, "--trust-key " + key_file + ": " + key.error().message);
  auto keys = current.control.trusted_keys;
  if (std::find(keys.begin(), keys.end(), abs) == keys.end()) keys.push_back(abs);
  std::printf("control: trusting command key %s (%s)\n", key->keyId().c_str(), abs.c_str());
  return keys;
}

// ---- 2. broker password: from --password-file or asked; saved next to the config as
// mqtt.password (root:uplinkprobe 0640, or 0600). Returns the [mqtt] password_file edit
// (nullopt = unchanged), or the exit code on failure.
struct PasswordStep {
  std::optional<std::string> password_file;
  int exit_code = kExitOk;
};

PasswordStep passwordStep(const ParsedArgs& a, bool interactive, const std::string& username,
                          const std::string& config_path) {
  const std::string config_dir = fs::absolute(fs::path(config_path)).parent_path().string();
  const std::string secret_path = (fs::path(config_dir) / "mqtt.password").string();
  std::optional<std::string> password;
  if (auto pf = a.get("--password-file")) {
    std::vector<std::string> warnings;
    auto p = publish::readPasswordFile(*pf, &warnings);
    if (!p) {
      std::fprintf(stderr,
                   "uplinkprobe commission: --password-file: %s\n  fix: put the broker password "
                   "alone in a file readable by root, e.g. (umask 077; cat > /root/mqtt.pw)\n",
                   p.error().message.c_str());
      return {std::nullopt, kExitUsage};
    }
    password = *p;
  } else if (interactive && !username.empty()) {
    std::fprintf(stderr, "Broker password for \"%s\" (not shown; Enter = keep the current): ",
                 username.c_str());
    std::fflush(stderr);
    std::string error;
    auto p = readAnswer(false, &error);
    if (!p) {
      usage(error.empty() ? "input ended (Ctrl-D); nothing was changed" : error);
      return {std::nullopt, kExitUsage};
    }
    if (!p->empty()) password = *p;
  }
  if (password) {
    gid_t gid = static_cast<gid_t>(-1);
    mode_t mode = 0600;
    if (const group* g = ::getgrnam("uplinkprobe"); g != nullptr && ::geteuid() == 0) {
      gid = g->gr_gid;
      mode = 0640;  // root:uplinkprobe: the service user reads it, nobody else
    }
    if (auto st = writeFileAtomic(secret_path, *password + "\n", mode, gid); !st) {
      std::fprintf(stderr, "uplinkprobe commission: %s\n  fix: run as root (sudo)\n",
                   st.error().message.c_str());
      return {std::nullopt, kExitError};
    }
    return {secret_path, kExitOk};
  }
  if (username.empty()) return {std::string(), kExitOk};
  return {std::nullopt, kExitOk};
}

// ---- 3. config: validated before writing, the previous version kept as <config>.bak ----
std::optional<config::Config> validateAndSave(const std::string& path, const std::string& original,
                                              const std::string& text, int* exit_code) {
  auto cfg = config::loadConfigString(text, path, config::Purpose::kRun);
  if (!cfg) {
    std::fputs(wrapMessage("uplinkprobe commission: " +
                           fmt::format(fmt::runtime(tr("the new settings are not valid: {}")),
                                       personMessage(cfg.error().message)))
                   .c_str(),
               stderr);
    *exit_code = kExitBadConfig;
    return std::nullopt;
  }
  cfg->source_path = path;
  struct stat cst {};
  const mode_t cmode = ::stat(path.c_str(), &cst) == 0 ? (cst.st_mode & 07777) : 0644;
  if (text != original) {
    for (const auto& [file, data] :
         {std::pair<std::string, const std::string*>{path + ".bak", &original}, {path, &text}}) {
      if (auto st = writeFileAtomic(file, *data, cmode); !st) {
        std::fprintf(stderr, "uplinkprobe commission: %s\n  fix: run as root (sudo)\n",
                     st.error().message.c_str());
        *exit_code = kExitError;
        return std::nullopt;
      }
    }
  }
  std::fputs(
      wrapLine(tr("config:"),
               fmt::format(fmt::runtime(tr("{} OK (previous version in {}.bak)")), path, path), 9)
          .c_str(),
      stdout);
  std::fflush(stdout);
  return std::move(*cfg);
}

// A running probe would test at the same time, hold the journal and the client id.
void stopRunningService() {
  if (!serviceActive()) return;
  std::fputs(
      wrapLine(tr("service:"),
               fmt::format(fmt::runtime(tr("stopping {} for the commissioning test")), kService), 9)
          .c_str(),
      stdout);
  if (std::system("systemctl stop uplinkprobe.service") != 0)
    std::fprintf(stderr, "uplinkprobe commission: could not stop %s; results may be low\n",
                 kService);
}

// ---- 4.-6. broker, test, journal and publish, as the service account when root ----
// The broker password is read here, as root (it may be readable by root only); everything
// that talks to the network (broker, test server) or writes the state directory runs as
// the service account when we are root, so a hostile network peer or a planted file in
// the state directory meets the same privileges as in the daemon (issue 15).
MeasureOutcome measureStep(const config::Config& cfg, const std::string& run_as,
                           bool run_as_given) {
  publish::ConnectSettings connect;
  if (!cfg.mqtt.uri.empty()) {
    auto settings = publish::makeConnectSettings(cfg.mqtt, cfg.identity.device_id);
    if (!settings) {
      std::fprintf(stderr, "uplinkprobe commission: [mqtt]: %s\n",
                   settings.error().message.c_str());
      return MeasureOutcome().stopWith(kExitBadConfig);
    }
    connect = std::move(*settings);
  }
  const journal::JournalOptions jo = daemon::journalOptionsFromConfig(cfg);
  if (auto account = serviceAccount(run_as)) {
    if (auto st = prepareStateDir(jo.dir, *account); !st) {
      std::fprintf(stderr, "uplinkprobe commission: [storage] dir: %s\n",
                   st.error().message.c_str());
      return MeasureOutcome().stopWith(kExitError);
    }
    std::printf("steps:   broker, test and journal run as user %s\n", run_as.c_str());
    return runAsAccount(*account, [&] { return measureJournalPublish(cfg, connect); });
  }
  if (::geteuid() == 0 && run_as_given) {
    std::fprintf(stderr, "uplinkprobe commission: --run-as %s: no such user\n", run_as.c_str());
    return MeasureOutcome().stopWith(kExitUsage);
  }
  MeasureOutcome outcome = measureJournalPublish(cfg, connect);
  matchOwnerOfDir(jo.dir);
  return outcome;
}

// ---- 7. the service (re)started when systemd runs; what happened, for the receipt ----
std::string serviceStep(bool no_start, const std::string& path, int* exit_code) {
  if (no_start) return tr("not started (--no-start): systemctl restart uplinkprobe");
  if (systemdRunning()) {
    const bool ok = std::system("systemctl restart uplinkprobe.service") == 0;
    if (!ok) *exit_code = kExitError;
    return ok ? tr("uplinkprobe.service running with the new config")
              : tr("FAILED to start: see journalctl -u uplinkprobe");
  }
  return fmt::format(
      fmt::runtime(tr("systemd is not running here: start `uplinkprobe run --config {}`")), path);
}

// ---- 7. the receipt: printed, and saved (sealed with its id and digest) when journaled ----
// Values from the config and the test server's or the network's words: no control
// characters reach the terminal.
void receiptStep(const ReceiptInput& receipt, const std::string& state_dir, int* exit_code) {
  const std::string id = receipt.record.value("id", "");
  const auto colon = id.rfind(':');
  const uint64_t seq =
      colon == std::string::npos ? 0 : std::strtoull(id.c_str() + colon + 1, nullptr, 10);
  if (receipt.journal_line.empty() || seq == 0) {
    // Not journaled: there is no id to seal it with; printed only.
    std::fputs(terminalSafe(formatReceipt(receipt)).c_str(), stdout);
    std::fputs(wrapLine(tr("saved:"), tr("no (the journal was not written)"), 9).c_str(), stdout);
    return;
  }
  // What is printed is what is saved: the same sealed text (the id and sha256 lines end it).
  const SealedReceipt sealed = sealReceipt(receipt, id);
  std::fputs(terminalSafe(sealed.text).c_str(), stdout);
  std::fflush(stdout);
  if (auto st = saveReceipt(state_dir, seq, sealed.text, sealed.html); !st) {
    std::fputs(wrapMessage("uplinkprobe commission: " + st.error().message).c_str(), stderr);
    if (*exit_code == kExitOk || *exit_code == kExitBelowTarget) *exit_code = kExitError;
    return;
  }
  matchOwnerOfDir(state_dir);  // the service account owns what is in its state directory
  std::fputs(
      wrapLine(tr("saved:"),
               fmt::format(fmt::runtime(tr("{} and .html (print again: uplinkprobe "
                                           "receipt {})")),
                           (fs::path(state_dir) / receiptFileName(seq, false)).string(), seq),
               9)
          .c_str(),
      stdout);
}

}  // namespace

int commissionCommand(const Args& args) {
  std::set<std::string> options = {"--config", "--password-file", "--trust-key", "--run-as"};
  for (const auto& f : commissionFields()) options.insert(f.flag);
  auto parsed = parseArgs(args, {"--yes", "--no-start", "--help"}, options);
  if (!parsed) return usage(parsed.error().message);
  const auto& a = *parsed;
  if (a.has("--help")) {
    std::fputs(kUsage, stdout);
    return kExitOk;
  }
  const std::string path = a.getOr("--config", kDefaultConfig);
  const bool interactive = !a.has("--yes") && ::isatty(STDIN_FILENO) && ::isatty(STDERR_FILENO);

  // ---- 1. settings ----
  auto current = readCurrentConfig(path);
  if (!current) return kExitBadConfig;
  if (interactive)
    std::fprintf(stderr, "uplinkprobe commission: %s\n",
                 tr("press Enter to keep the value in [brackets]."));
  auto values = resolveSettings(
      a, current->cfg, current->example ? &*current->example : nullptr, interactive, ask,
      [](const std::string& why) { std::fprintf(stderr, "  %s\n", why.c_str()); });
  if (!values) return usage(values.error().message);
  ConfigEdits edits{*values, std::nullopt, std::nullopt};
  if (auto key_file = a.get("--trust-key")) {
    auto keys = trustedKeysWith(*key_file, current->cfg);
    if (!keys) return usage(keys.error().message);
    edits.trusted_keys = *keys;
  }
  auto text = editConfigText(current->original, edits);
  if (!text) {
    std::fprintf(stderr, "uplinkprobe commission: %s: %s\n", path.c_str(),
                 text.error().message.c_str());
    return kExitBadConfig;
  }

  // ---- 2. broker password ----
  const auto password = passwordStep(a, interactive, edits.values["username"], path);
  if (password.exit_code != kExitOk) return password.exit_code;
  if (password.password_file) {
    text = editConfigText(*text, {{}, std::nullopt, password.password_file});
    if (!text) {
      std::fprintf(stderr, "uplinkprobe commission: %s: %s\n", path.c_str(),
                   text.error().message.c_str());
      return kExitBadConfig;
    }
  }

  // ---- 3. config ----
  int exit_code = kExitOk;
  auto cfg = validateAndSave(path, current->original, *text, &exit_code);
  if (!cfg) return exit_code;
  useTimeZone(cfg->schedule.timezone);  // the receipt shows the school's local time

  struct sigaction sa {};
  sa.sa_handler = onInterrupt;
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  stopRunningService();

  // ---- 4.-6. broker, first test, journal and publish ----
  MeasureOutcome outcome =
      measureStep(*cfg, a.getOr("--run-as", "uplinkprobe"), a.get("--run-as").has_value());
  if (outcome.stop) return outcome.exit_code;
  exit_code = outcome.exit_code;

  // ---- 7. service and receipt ----
  const std::string service_line = serviceStep(a.has("--no-start"), path, &exit_code);
  receiptStep(
      {&*cfg, outcome.rec, kAgentVersion, outcome.broker_line, outcome.journal_line, service_line},
      daemon::journalOptionsFromConfig(*cfg).dir, &exit_code);
  return exit_code;
}

}  // namespace uplinkprobe::cli
