#include "agent/daemon/daemon.h"

#include <spdlog/spdlog.h>

#include <unistd.h>
#include <asio.hpp>
#include <cstdlib>

#include <filesystem>
#include <fstream>
#include <optional>
#include <vector>

#include "agent/availability/availability_monitor.h"
#include "agent/config/config_loader.h"
#include "agent/control/command_controller.h"
#include "agent/control/config_change.h"
#include "agent/daemon/config_validation.h"
#include "agent/daemon/measure_options.h"
#include "agent/daemon/reload_plan.h"
#include "agent/daemon/state_file.h"
#include "agent/daemon/status_file.h"
#include "agent/daemon/status_snapshot.h"
#include "agent/daemon/test_planner.h"
#include "agent/daemon/throughput_runner.h"
#include "agent/journal/heartbeat.h"
#include "agent/publish/delivery_pump.h"
#include "agent/publish/paho_publisher.h"
#include "agent/publish/topic.h"
#include "agent/verdict/alert_engine.h"
#include "agent/verdict/daily_producer.h"
#include "agent/verdict/throughput_verdict.h"
#include "common/exit_codes.h"
#include "common/time_format.h"
#include "common/version.h"
#include "platform/boot_id.h"
#include "platform/clock_sync.h"
#include "platform/default_route.h"
#include "platform/netdev_counters.h"
#include "platform/service_notify.h"
#include "record/record_factory.h"
#include "record/throughput_record.h"

namespace uplinkprobe::daemon {
namespace {

constexpr auto kCrossTrafficSample = std::chrono::seconds(2);
constexpr auto kHeartbeatTick = std::chrono::seconds(30);
constexpr size_t kJournalScanBatch = 500;
constexpr auto kDeliveryTick = std::chrono::milliseconds(200);
constexpr auto kDisconnectTimeout = std::chrono::seconds(3);
constexpr auto kAlertTick = std::chrono::seconds(30);

ScheduleRules scheduleRules(const config::Config& c) {
  ScheduleRules r;
  r.tests_per_day = c.schedule.tests_per_day;
  for (const auto& w : c.schedule.windows)
    if (auto parsed = parseWindow(w)) r.windows.push_back(*parsed);
  r.interval = std::chrono::seconds(c.schedule.interval_s);
  r.min_spacing = std::chrono::minutes(c.schedule.min_spacing_minutes);
  r.splay_percent = c.schedule.splay_percent;
  r.device_id = c.identity.device_id;
  return r;
}

GateRules gateRules(const config::Config& c) {
  GateRules g;
  g.defer_if_cross_traffic_mbps = c.schedule.defer_if_cross_traffic_mbps;
  // Lab schedules (interval_s) retry sooner than the production 5 minutes.
  if (c.schedule.interval_s > 0)
    g.retry_delay = std::chrono::seconds(std::max(5, std::min(300, c.schedule.interval_s / 2)));
  return g;
}

std::string wanInterface(const config::Config& c) {
  if (!c.throughput.wan_interface.empty()) return c.throughput.wan_interface;
  if (!c.throughput.interface.empty()) return c.throughput.interface;
  if (auto r = platform::defaultRoute(4)) return r->interface;
  if (auto r = platform::defaultRoute(6)) return r->interface;
  return "";
}

PlannerRules plannerRules(const config::Config& c) {
  return {scheduleRules(c), gateRules(c), c.schedule.monthly_budget_gb};
}

}  // namespace

struct Daemon::Impl {
  std::string config_path;
  config::Config cfg;
  asio::io_context io;
  asio::signal_set signals{io};
  asio::steady_timer test_timer{io};
  asio::steady_timer heartbeat_timer{io};
  asio::steady_timer watchdog_timer{io};
  asio::steady_timer delivery_timer{io};
  asio::steady_timer shutdown_timer{io};
  SteadyTime shutdown_deadline{};
  const Clock& clock = SystemClock::instance();

  std::unique_ptr<journal::Journal> journal;
  std::unique_ptr<journal::Heartbeat> heartbeat;
  std::unique_ptr<record::RecordFactory> factory;
  std::unique_ptr<availability::AvailabilityMonitor> monitor;
  std::unique_ptr<ThroughputRunner> runner;
  std::vector<JournaledListener> listeners;
  std::unique_ptr<publish::Publisher> publisher;
  std::unique_ptr<publish::DeliveryPump> pump;
  std::string started_at;
  // Alerts and daily summaries (issue 5): state derived from the journal, see alert_engine.h.
  std::unique_ptr<verdict::AlertEngine> alerts;
  verdict::DailyProducer dailies;
  asio::steady_timer alert_timer{io};

  // Scheduled tests: the decisions are TestPlanner's (test_planner.h); here only timers.
  std::unique_ptr<TestPlanner> planner;
  bool stopping = false;
  // The tests of the running slot still to start, and when the slot started.
  std::vector<std::string> slot_rest;
  WallTime slot_started{};

  // `uplinkprobe status` (status_file.h): what the loop knows, written to status.json.
  asio::steady_timer status_timer{io};
  std::unique_ptr<StatusWriter> status_writer;
  nlohmann::json last_test_summary;  // null until a throughput record is known
  std::optional<WallTime> next_test_at;
  bool broker_connected = false;
  std::string broker_since;

  uint64_t storageBytes() const {
    std::error_code ec;
    uint64_t total = 0;
    int budget = 10000;  // bounded: the journal keeps a few dozen segment files
    for (auto it = std::filesystem::directory_iterator(cfg.storage.dir, ec);
         !ec && it != std::filesystem::directory_iterator() && budget-- > 0; it.increment(ec)) {
      std::error_code e2;
      if (it->is_regular_file(e2)) total += it->file_size(e2);
    }
    return total;
  }

  nlohmann::json statusJson(bool running) {
    StatusSnapshot snap;
    snap.running = running;
    snap.now = clock.wallNow();
    const bool connected = publisher && publisher->connected();
    if (connected != broker_connected || broker_since.empty()) {
      broker_connected = connected;
      broker_since = formatRfc3339Utc(snap.now);
    }
    snap.broker_connected = connected;
    snap.broker_since = broker_since;
    snap.pid = static_cast<int64_t>(::getpid());
    snap.started_at = started_at;
    snap.config_path = config_path;
    snap.config_hash = config::configHash(cfg);
    snap.cfg = &cfg;
    snap.last_seq = journal->lastSeq();
    snap.delivered_seq = journal->deliveredSeq();
    if (snap.last_seq > snap.delivered_seq) {
      auto one = journal->read(snap.delivered_seq, 1);
      if (!one.empty()) {
        auto j = nlohmann::json::parse(one.front().json, nullptr, false);
        if (j.is_object() && j.contains("ts")) snap.oldest_waiting_ts = j["ts"];
      }
    }
    snap.storage_bytes = storageBytes();
    snap.last_test = last_test_summary;
    snap.next_test = next_test_at;
    if (alerts) snap.alert_state = alerts->state();
    const auto sync = platform::clockSyncState();
    snap.clock_synced = sync.synced;
    snap.clock_source = sync.source;
    return daemon::statusJson(snap);
  }

  void writeStatus(bool running, bool force) {
    if (!status_writer) return;
    status_writer->update(statusJson(running), clock.wallNow(), clock.steadyNow(), force);
  }

  void armStatus() {
    status_timer.expires_after(kStatusCheck);
    status_timer.async_wait([this](const asio::error_code& ec) {
      if (ec || stopping) return;
      writeStatus(true, false);
      armStatus();
    });
  }

  std::string statePath(const char* name) const {
    return (std::filesystem::path(cfg.storage.dir) / name).string();
  }

  // Envelope → journal → listeners. A record the journal refuses is logged with its body:
  // the journal already reports losses in a gap record, this is the last-resort trace.
  std::optional<journal::StoredRecord> emit(const std::string& kind, nlohmann::json body) {
    auto rec = factory->make(kind, std::move(body));
    auto stored = journal->append(rec);
    if (!stored) {
      spdlog::error("journal refused a {} record ({}): {}", kind, stored.error().message,
                    rec.dump());
      return std::nullopt;
    }
    spdlog::info("record {} seq {}{}", kind, stored->seq, stored->durable ? "" : " (memory only)");
    const auto parsed = nlohmann::json::parse(stored->json, nullptr, false);
    for (auto& l : listeners) l(*stored, parsed);
    return *stored;
  }

  void event(const std::string& name, nlohmann::json fields = nlohmann::json::object()) {
    fields["event"] = name;
    emit("event", std::move(fields));
  }

  // ---- startup ----------------------------------------------------------------------------
  Status openJournal() {
    auto j = journal::openFileJournal(journalOptionsFromConfig(cfg), clock);
    if (!j) return j.error();
    journal = std::move(*j);
    return Status::Ok();
  }

  // The month's test bytes and the last test come from the journal (no side file to disagree).
  void restorePlanner() {
    planner = std::make_unique<TestPlanner>(plannerRules(cfg));
    uint64_t since = 0;
    for (int guard = 0; guard < 100000; ++guard) {  // bounded: the journal is bounded too
      auto batch = journal->read(since, kJournalScanBatch, "throughput");
      if (batch.empty()) break;
      for (const auto& r : batch) {
        since = r.seq;
        auto j = nlohmann::json::parse(r.json, nullptr, false);
        if (!j.is_object() || !j.contains("ts") || !j["ts"].is_string()) continue;
        auto ts = parseRfc3339(j["ts"].get<std::string>());
        if (ts) planner->restoreTest(*ts, record::parseThroughputRecord(j).bytes_total.value_or(0));
        last_test_summary = daemon::testSummary(j);
      }
    }
  }

  Status startMonitor() {
    monitor = std::make_unique<availability::AvailabilityMonitor>(
        io, availabilityOptions(cfg), clock, [this](nlohmann::json body) {
          const std::string kind = body.value("kind", "event");
          const bool outage_change =
              kind == "outage" || body.value("event", "") == "outage_started";
          emit(kind, std::move(body));
          if (outage_change) persistMonitorState();
        });
    if (auto saved = readStateFile(statePath("availability_state.json"))) {
      if (auto st = monitor->restoreState(*saved); !st)
        spdlog::warn("ignoring saved availability state: {}", st.error().message);
    }
    return monitor->start();
  }

  void persistMonitorState() {
    if (!monitor) return;
    if (auto st = writeStateFile(statePath("availability_state.json"), monitor->persistentState());
        !st)
      spdlog::warn("cannot save availability state: {}", st.error().message);
  }

  // ---- throughput schedule --------------------------------------------------------------
  void armTestTimer() {
    if (stopping) return;
    follow(planner->next(clock.wallNow()));
  }

  // Carries out one planner Step: journal its event, then wait, sample or run.
  void follow(Step step) {
    if (step.event) event(step.event->name, std::move(step.event->fields));
    switch (step.action) {
      case Step::Action::kNone:
        next_test_at.reset();
        spdlog::info("no throughput tests scheduled (tests_per_day = 0)");
        return;
      case Step::Action::kWaitUntil: {
        const WallTime now = clock.wallNow();
        const auto delay =
            std::max(std::chrono::milliseconds(0),
                     std::chrono::duration_cast<std::chrono::milliseconds>(step.at - now));
        spdlog::info("next throughput test at {}", formatLocalDisplay(step.at));
        next_test_at = now + delay;
        test_timer.expires_after(delay);
        test_timer.async_wait([this](const asio::error_code& ec) {
          if (!ec && !stopping) follow(planner->onDue(clock.wallNow()));
        });
        return;
      }
      case Step::Action::kSampleCrossTraffic:
        sampleCrossTraffic();
        return;
      case Step::Action::kRun:
        startScheduledTest();
        return;
    }
  }

  // Samples the WAN while we are idle: all traffic now is someone else's.
  void sampleCrossTraffic() {
    // Looked up now, not at start: the default route can move (a WAN that came up late).
    const std::string wan = wanInterface(cfg);
    auto before = wan.empty() ? std::nullopt : platform::readNetdevCounters(wan);
    const SteadyTime t0 = clock.steadyNow();
    test_timer.expires_after(kCrossTrafficSample);
    test_timer.async_wait([this, wan, before, t0](const asio::error_code& ec) {
      if (ec || stopping) return;
      double cross = -1;
      auto after = wan.empty() ? std::nullopt : platform::readNetdevCounters(wan);
      const double secs = toSeconds(clock.steadyNow() - t0);
      if (before && after && secs > 0) {
        const uint64_t rx = after->rx_bytes - std::min(after->rx_bytes, before->rx_bytes);
        const uint64_t tx = after->tx_bytes - std::min(after->tx_bytes, before->tx_bytes);
        cross = static_cast<double>(std::max(rx, tx)) * 8 / secs / 1e6;
      }
      if (cross >= 0) spdlog::info("WAN {} carried {:.1f} Mbps of other traffic", wan, cross);
      follow(planner->onCrossTraffic(clock.wallNow(), cross, wan));
    });
  }

  // A slot runs the tests of [target] method (slotMethods(): "both" is TCP, then UDP), one
  // after the other on the runner; each is journaled as it ends.
  void startScheduledTest() {
    slot_started = clock.wallNow();
    slot_rest = slotMethods(cfg.target.method);
    startNextOfSlot();
  }

  void startNextOfSlot() {
    const std::string method = slot_rest.front();
    slot_rest.erase(slot_rest.begin());
    spdlog::info("throughput test starting (method {})", method);
    runner->start(jobFor(method),
                  [this](nlohmann::json body) { onTestDone(slot_started, std::move(body)); });
  }

  // The job of one scheduled test. UDP: the first [[servers]] kind "udpst" (validate() made
  // sure there is one); options that cannot be made now (its key file went missing since
  // the configuration was checked) give a failed method "udp" record, never a silent skip.
  ThroughputRunner::Job jobFor(const std::string& method) {
    if (method != "udp") return tcpJob(throughputOptionsFromConfig(cfg));
    auto options = udpCapacityOptionsFor(cfg, "");
    if (options) return udpJob(std::move(*options));
    nlohmann::json body = udpNotStartedBody(cfg, "", options.error().message);
    spdlog::error("UDP test not started: {}", options.error().message);
    return [body](const Clock&, const std::atomic<bool>*) { return body; };
  }

  // `command_id` set: a remote run_test (trigger "remote"). Returns the journaled record.
  std::optional<journal::StoredRecord> onTestDone(WallTime started, nlohmann::json body,
                                                  const std::string& command_id = "") {
    body["trigger"] = "scheduled";
    if (!command_id.empty()) {
      body["trigger"] = "remote";
      body["command_id"] = command_id;
    }
    const record::ThroughputRecord test = record::parseThroughputRecord(body);
    planner->testDone(started, clock.wallNow(), test.bytes_total.value_or(0));
    body["verdict"] =
        verdict::judgeThroughput(test, verdict::verdictInputsFromConfig(cfg.target, std::nullopt))
            .toJson();
    if (stopping && body.contains("error") && body["error"].is_object() &&
        body["error"].value("kind", "") == errorKindName(ErrorKind::kCancelled))
      body["cancelled_by"] = "shutdown";
    auto stored = emit("throughput", std::move(body));
    if (!slot_rest.empty() && command_id.empty()) {
      // The rest of the slot runs unless the daemon stops or this test used up the budget
      // (the next slot's onDue() says so in a test_skipped event).
      if (!stopping && !planner->budgetExhausted(clock.wallNow())) {
        startNextOfSlot();
        return stored;
      }
      slot_rest.clear();
    }
    armTestTimer();
    return stored;
  }

  // ---- MQTT delivery ----------------------------------------------------------------------
  // A broker that is absent, refuses our credentials or fails TLS never stops measuring:
  // records stay in the journal and the pump retries with capped backoff. Only settings that
  // can never work (unreadable password file, …) disable publishing, loudly.
  void startPublisher() {
    if (cfg.mqtt.uri.empty()) {
      spdlog::warn("[mqtt] uri is empty: records are kept in the journal only");
      return;
    }
    publish::StatusInfo info;
    info.identity = cfg.identity;
    info.agent_version = kAgentVersion;
    info.started_at = started_at;
    info.config_hash = config::configHash(cfg);
    auto pub = publish::makePahoPublisher(
        cfg.mqtt, info, [this](std::function<void()> f) { asio::post(io, std::move(f)); }, clock);
    if (!pub) {
      spdlog::error("MQTT publishing disabled, records are kept in the journal: {}",
                    pub.error().message);
      event("publish_disabled", {{"reason", pub.error().message}});
      return;
    }
    publisher = std::move(*pub);
    if (commands) {
      const std::string topic = publish::topicFor(cfg.mqtt.topic_prefix, cfg.identity.school_id,
                                                  cfg.identity.device_id, "cmd");
      publisher->subscribe(topic, [this](const std::string&, const std::string& payload) {
        if (!stopping) commands->onMessage(payload);
      });
      spdlog::info("remote commands: listening on {} ({} trusted key(s))", topic,
                   cfg.control.trusted_keys.size());
    }
    publish::DeliveryOptions o;
    o.topic_prefix = cfg.mqtt.topic_prefix;
    o.status = info;
    o.replay_per_second = cfg.mqtt.replay_per_second;
    pump = std::make_unique<publish::DeliveryPump>(*journal, *publisher, clock, o);
    listeners.push_back([this](const journal::StoredRecord& r, const nlohmann::json&) {
      pump->onRecordAppended(r);
    });
    armDelivery();
  }

  void armDelivery() {
    delivery_timer.expires_after(kDeliveryTick);
    delivery_timer.async_wait([this](const asio::error_code& ec) {
      if (ec || stopping) return;
      pump->tick();
      armDelivery();
    });
  }

  // ---- alerts and daily summaries ----------------------------------------------------------
  // Rebuilt from the journal (never a side file); then fed every journaled record. Alert
  // bodies are journaled from inside the listener, so they follow their cause in seq order.
  void startAlerts() {
    alerts = std::make_unique<verdict::AlertEngine>(verdict::alertRulesFromConfig(cfg.alert));
    auto missing = alerts->rebuild(*journal);
    listeners.push_back([this](const journal::StoredRecord& r, const nlohmann::json& j) {
      if (!j.is_object()) return;
      for (const auto& alert : alerts->onRecord(j)) emit("alert", alert.toJson());
      if (r.kind == "alert") emit("alert_state", alerts->state().toJson());
    });
    for (const auto& alert : missing) emit("alert", alert.toJson());
    // The retained alert/state is an `alert_state` record: journaled, so the delivery pump
    // publishes it (retained) with the same store-and-forward as every record. Sent at start
    // and after every alert, not on every test, to keep the journal small.
    emit("alert_state", alerts->state().toJson());
    onAlertTick();
  }

  void onAlertTick() {
    if (stopping) return;
    for (const auto& alert : alerts->onTick(clock.wallNow())) emit("alert", alert.toJson());
    for (auto& body : dailies.poll(*journal, clock.wallNow(),
                                   verdict::verdictInputsFromConfig(cfg.target, std::nullopt)))
      emit("daily", std::move(body));
    alert_timer.expires_after(kAlertTick);
    alert_timer.async_wait([this](const asio::error_code& ec) {
      if (!ec) onAlertTick();
    });
  }

  // ---- lifecycle --------------------------------------------------------------------------
  void armHeartbeat() {
    // Tick at least twice per heartbeat period; the heartbeat itself writes at most once a
    // period, so a fast tick costs no flash writes.
    heartbeat_timer.expires_after(std::min<std::chrono::milliseconds>(
        kHeartbeatTick, std::chrono::seconds(cfg.storage.heartbeat_s) / 2));
    heartbeat_timer.async_wait([this](const asio::error_code& ec) {
      if (ec || stopping) return;
      if (auto st = heartbeat->tick(); !st) spdlog::warn("heartbeat: {}", st.error().message);
      if (auto st = journal->flush(); !st) spdlog::warn("journal: {}", st.error().message);
      armHeartbeat();
    });
  }

  void armWatchdog(std::chrono::microseconds period) {
    // Half the period, as systemd recommends; sent from the loop itself so a stuck loop
    // (not just a live process) trips the watchdog.
    watchdog_timer.expires_after(period / 2);
    watchdog_timer.async_wait([this, period](const asio::error_code& ec) {
      if (ec || stopping) return;
      platform::notifyService("WATCHDOG=1");
      armWatchdog(period);
    });
  }

  void waitSignals() {
    signals.async_wait([this](const asio::error_code& ec, int sig) {
      if (ec) return;
      if (sig == SIGHUP) {
        (void)reload();
        waitSignals();
        return;
      }
      spdlog::info("signal {}: shutting down", sig);
      shutdown();
    });
  }

  // A reload is all or nothing. The new file is loaded and validated (the same validate()
  // as check-config and start) before anything changes; a refused reload records a
  // config_reload_failed event with the reason and leaves the running configuration — and
  // systemd's state: no RELOADING=1, no READY=1 — untouched. Only an accepted one is
  // announced (RELOADING=1 … config_reloaded, READY=1). Should applying still fail (the
  // monitor refusing options validate() accepted), the old configuration is restored whole.
  Status reload() {
    auto fresh = config::loadConfigFile(config_path, config::Purpose::kRun);
    if (!fresh) return refuseReload(fresh.error().message);
    if (auto v = validate(*fresh); !v.ok()) return refuseReload(v.summary());
    ReloadPlan plan = planReload(cfg, std::move(*fresh));
    const std::vector<std::string>& need_restart = plan.needs_restart;
    platform::notifyService("RELOADING=1");
    config::Config previous = cfg;
    if (auto st = apply(std::move(plan.apply)); !st) {
      spdlog::error("reload could not be applied, restoring the previous configuration: {}",
                    st.error().message);
      if (auto back = apply(std::move(previous)); !back)
        spdlog::critical("availability monitor did not restart: {}", back.error().message);
      event("config_reload_failed",
            {{"reason", st.error().message}, {"config_hash", config::configHash(cfg)}});
      platform::notifyService("READY=1");  // ends the reload systemd was told about
      return st.error();
    }
    nlohmann::json ev = {{"config_hash", config::configHash(cfg)}};
    if (!need_restart.empty()) {
      ev["needs_restart"] = need_restart;
      spdlog::warn("changes to [{}] take effect after a restart",
                   fmt::format("{}", fmt::join(need_restart, ", ")));
    }
    event("config_reloaded", std::move(ev));
    platform::notifyService("READY=1");
    return Status::Ok();
  }

  Status refuseReload(const std::string& reason) {
    spdlog::error("reload refused, keeping the running configuration: {}", reason);
    event("config_reload_failed", {{"reason", reason}, {"config_hash", config::configHash(cfg)}});
    platform::notifyService("STATUS=measuring; last reload refused (see the journal)");
    return makeError(ErrorKind::kConfig, reason);
  }

  // Makes `next` the running configuration: schedule, gate, alert rules (rebuilt from the
  // journal), availability monitor, test timer.
  Status apply(config::Config next) {
    cfg = std::move(next);
    planner->setRules(plannerRules(cfg));
    // New alert thresholds apply to the whole evidence: rebuild from the journal.
    alerts = std::make_unique<verdict::AlertEngine>(verdict::alertRulesFromConfig(cfg.alert));
    for (const auto& alert : alerts->rebuild(*journal)) emit("alert", alert.toJson());
    persistMonitorState();
    monitor->stop();
    Status started = startMonitor();
    if (!runner->busy()) {
      test_timer.cancel();
      armTestTimer();
    }
    return started;
  }

  // ---- remote commands (docs/control.md) --------------------------------------------------
  // Decisions live in agent/control (CommandController); here are only the effects.
  struct ControlActions final : control::CommandActions {
    explicit ControlActions(Impl& impl) : d(impl) {}
    const config::Config& currentConfig() const override { return d.cfg; }
    void execute(const control::Command& c, const record::CommandEnvelope& env,
                 control::Finish finish) override {
      d.executeCommand(c, env, std::move(finish));
    }
    void emitAnswer(const record::CommandAnswer& answer) override {
      d.emit("event", answer.toJson());
    }
    Impl& d;
  };
  std::unique_ptr<ControlActions> control_actions;
  std::unique_ptr<control::CommandController> commands;

  // No trusted key: no controller, no subscription. A key file that cannot be read is a
  // configuration error (exit 78), never a silently disabled control channel.
  Status startControl() {
    if (cfg.control.trusted_keys.empty()) return Status::Ok();
    std::vector<record::PublicKey> keys;
    for (const auto& path : cfg.control.trusted_keys) {
      auto pem = record::readSmallFile(path);
      if (!pem)
        return makeError(ErrorKind::kConfig, "[control] trusted_keys: " + pem.error().message);
      auto key = record::PublicKey::fromPem(*pem);
      if (!key)
        return makeError(ErrorKind::kConfig,
                         "[control] trusted_keys: " + path + ": " + key.error().message);
      spdlog::info("remote commands: trusting key {} ({})", key->keyId(), path);
      keys.push_back(std::move(*key));
    }
    control_actions = std::make_unique<ControlActions>(*this);
    commands = std::make_unique<control::CommandController>(
        control::CommandVerifier(
            std::move(keys), {cfg.identity.device_id, cfg.identity.school_id, cfg.identity.county},
            std::chrono::seconds(cfg.control.max_clock_skew_s)),
        control::ControllerRules{cfg.control.max_commands_per_hour},
        std::make_unique<control::FileReplayStore>(statePath("control_state.json")),
        *control_actions, clock);
    if (const auto& err = commands->loadError())
      spdlog::error("remote commands will be refused: {}", err->message);
    if (cfg.mqtt.uri.empty())
      spdlog::warn("[control] trusted_keys is set but [mqtt] uri is empty: no commands arrive");
    return Status::Ok();
  }

  void executeCommand(const control::Command& c, const record::CommandEnvelope& env,
                      control::Finish finish) {
    using control::Outcome;
    using control::Refusal;
    spdlog::info("remote command {} ({}) from key {}", env.command_id, env.verb, env.key_id);
    if (const auto* t = std::get_if<control::RunTest>(&c)) {
      remoteTest(*t, env.command_id, std::move(finish));
      return;
    }
    if (std::holds_alternative<control::ReportConfig>(c)) {
      finish(Outcome::done(
          {{"config", control::reportableConfig(cfg)}, {"config_hash", config::configHash(cfg)}}));
      return;
    }
    if (!std::holds_alternative<control::Reload>(c)) {
      auto edited = control::applyRemoteEdit(config_path, [&](const std::string& text) {
        if (const auto* s = std::get_if<control::SetSchedule>(&c))
          return control::editConfigText(text, *s);
        return control::editConfigText(text, std::get<control::SetTarget>(c));
      });
      if (!edited) {
        finish(Outcome::refused(edited.error().kind == ErrorKind::kInvalidArguments
                                    ? Refusal::kInvalidArguments
                                    : Refusal::kFailed,
                                edited.error().message));
        return;
      }
    }
    if (auto st = reload(); !st) {
      finish(Outcome::refused(Refusal::kFailed, st.error().message));
      return;
    }
    finish(Outcome::done({{"config_hash", config::configHash(cfg)}}));
  }

  void remoteTest(const control::RunTest& t, const std::string& command_id,
                  control::Finish finish) {
    using control::Outcome;
    using control::Refusal;
    if (runner->busy()) {
      finish(Outcome::refused(Refusal::kBusy, "a throughput test is running"));
      return;
    }
    const WallTime now = clock.wallNow();
    if (planner->budgetExhausted(now)) {
      finish(Outcome::refused(Refusal::kBudgetExhausted,
                              "the monthly data budget of " +
                                  std::to_string(cfg.schedule.monthly_budget_gb) +
                                  " GB is used up"));
      return;
    }
    ThroughputRunner::Job job;
    if (t.udp) {
      // parseVerb() checked that the named server (else some [[servers]] entry) is udpst.
      auto options = udpCapacityOptionsFor(cfg, t.server);
      if (!options) {
        finish(Outcome::refused(Refusal::kFailed, options.error().message));
        return;
      }
      options->download = t.download;
      options->upload = t.upload;
      job = udpJob(std::move(*options));
    } else {
      auto options = throughputOptionsFromConfig(cfg);
      options.download = t.download;
      options.upload = t.upload;
      if (!t.server.empty())
        std::erase_if(options.servers, [&](const auto& s) { return s.name != t.server; });
      job = tcpJob(std::move(options));
    }
    // A remote test runs now: no window, no cross-traffic deferral. A scheduled test that was
    // due (or sampling cross traffic) is re-planned when this one ends (onTestDone).
    test_timer.cancel();
    const bool started =
        runner->start(std::move(job), [this, now, command_id, finish](nlohmann::json body) {
          auto stored = onTestDone(now, std::move(body), command_id);
          if (!stored) {
            finish(Outcome::refused(Refusal::kFailed, "the journal refused the result"));
            return;
          }
          const record::ThroughputRecord rec =
              record::parseThroughputRecord(nlohmann::json::parse(stored->json, nullptr, false));
          nlohmann::json f = {{"record_id", rec.id}};
          if (rec.verdict)
            f["meets_target"] = rec.verdict->meets_target
                                    ? nlohmann::json(*rec.verdict->meets_target)
                                    : nlohmann::json();
          finish(Outcome::done(std::move(f)));
        });
    if (!started) finish(Outcome::refused(Refusal::kBusy, "a throughput test is running"));
  }

  void shutdown() {
    if (stopping) return;
    stopping = true;
    platform::notifyService("STOPPING=1");
    runner->cancel();
    test_timer.cancel();
    heartbeat_timer.cancel();
    watchdog_timer.cancel();
    alert_timer.cancel();
    status_timer.cancel();
    signals.cancel();
    if (monitor) {
      monitor->flushPeriod();  // the last partial availability period is evidence too
      persistMonitorState();
      monitor->stop();
    }
    // A test in flight is cancelled within ~100 ms; let its (cancelled) record land, then
    // stop the loop. Bounded: the loop stops after 3 s even if the engine misbehaves.
    shutdown_deadline = clock.steadyNow() + std::chrono::seconds(3);
    pollShutdown();
  }

  void pollShutdown() {
    if (!runner->busy() || clock.steadyNow() >= shutdown_deadline) {
      finish();
      return;
    }
    shutdown_timer.expires_after(std::chrono::milliseconds(50));
    shutdown_timer.async_wait([this](const asio::error_code& ec) {
      if (!ec) pollShutdown();
    });
  }

  void finish() {
    delivery_timer.cancel();
    if (publisher) {
      // Give in-flight records a moment to be acknowledged, then say "offline" ourselves so
      // the broker's Last Will is not needed. Unacknowledged records stay in the journal.
      publisher->disconnect(kDisconnectTimeout);
    }
    if (auto st = heartbeat->markCleanShutdown(); !st)
      spdlog::warn("heartbeat: {}", st.error().message);
    if (auto st = journal->flush(); !st) spdlog::warn("journal flush: {}", st.error().message);
    next_test_at.reset();
    writeStatus(false, true);
    io.stop();
  }
};

Daemon::Daemon(std::string config_path, config::Config config) : impl_(std::make_unique<Impl>()) {
  impl_->config_path = std::move(config_path);
  impl_->cfg = std::move(config);
}

Daemon::~Daemon() = default;

int Daemon::run() {
  auto& d = *impl_;
  if (!d.cfg.schedule.timezone.empty()) {
    // Windows, daily summaries and log lines follow the school's time zone; records are UTC.
    useTimeZone(d.cfg.schedule.timezone);
  }
  if (auto st = d.openJournal(); !st) {
    spdlog::critical("cannot open the journal in {}: {}", d.cfg.storage.dir, st.error().message);
    return kExitError;
  }
  d.started_at = formatRfc3339Utc(d.clock.wallNow());
  d.factory = std::make_unique<record::RecordFactory>(
      record::Identity{d.cfg.identity.device_id, d.cfg.identity.school_id}, d.clock);
  d.heartbeat = std::make_unique<journal::Heartbeat>(
      journal::HeartbeatOptions{d.statePath("heartbeat.json"),
                                std::chrono::seconds(d.cfg.storage.heartbeat_s)},
      d.clock, platform::bootId());
  // The publisher starts before the first records so they flow as soon as it connects;
  // the pump also replays everything journaled but not yet acknowledged.
  if (auto st = d.startControl(); !st) {
    spdlog::critical("{}", st.error().message);
    return kExitBadConfig;
  }
  d.startPublisher();
  auto hb = d.heartbeat->start();
  if (!hb.write.ok()) spdlog::warn("heartbeat: {}", hb.write.error().message);
  d.event("agent_started", {{"config_hash", config::configHash(d.cfg)},
                            {"last_seq_before_start", d.journal->lastSeq()}});
  if (hb.power) {
    auto body = hb.power->toJson();
    body.erase("kind");
    d.emit("power", std::move(body));
  }
  d.restorePlanner();
  d.startAlerts();
  d.runner = std::make_unique<ThroughputRunner>(d.io, d.clock);
  if (auto st = d.startMonitor(); !st) {
    spdlog::critical("availability monitor: {}", st.error().message);
    return kExitBadConfig;
  }
  d.signals.add(SIGTERM);
  d.signals.add(SIGINT);
  d.signals.add(SIGHUP);
  d.waitSignals();
  d.armTestTimer();
  d.armHeartbeat();
  d.listeners.push_back([&d](const journal::StoredRecord& r, const nlohmann::json& j) {
    if (r.kind != "throughput") return;
    if (j.is_object()) d.last_test_summary = daemon::testSummary(j);
    d.writeStatus(true, false);
  });
  d.status_writer = std::make_unique<StatusWriter>(d.statePath(kStatusFileName));
  d.writeStatus(true, true);
  d.armStatus();
  if (auto wd = platform::watchdogInterval()) d.armWatchdog(*wd);
  platform::notifyService("READY=1\nSTATUS=measuring");
  spdlog::info("uplinkprobe {} running: device {}, school {}, journal {} id {} (last seq {})",
               kAgentVersion, d.cfg.identity.device_id, d.cfg.identity.school_id, d.cfg.storage.dir,
               d.journal->journalId(), d.journal->lastSeq());
  d.io.run();
  d.runner.reset();  // joins the worker (already cancelled)
  d.pump.reset();
  d.publisher.reset();
  spdlog::info("stopped cleanly");
  return kExitOk;
}

}  // namespace uplinkprobe::daemon
