// CommandController and CommandVerifier with a ManualClock, a memory replay store and fake
// actions: each refusal reason, the order of checks, at-most-once across a "restart", the
// rate limit and the bound on refusal events. No sleeps, no network.
#include "agent/control/command_controller.h"

#include <gtest/gtest.h>

#include "common/time_format.h"
#include "tests/support/server_config.h"

namespace uplinkprobe::control {
namespace {

using uplinkprobe::testing::librespeedServer;

using namespace std::chrono_literals;

class MemoryStore final : public ReplayStore {
 public:
  explicit MemoryStore(std::shared_ptr<nlohmann::json> disk) : disk_(std::move(disk)) {}
  Result<ReplayState> load() override {
    if (disk_->is_null()) return ReplayState{};
    return ReplayState::fromJson(*disk_);
  }
  Status save(const ReplayState& s) override {
    ++saves;
    if (fail) return makeError(ErrorKind::kIo, "disk full");
    *disk_ = s.toJson();
    return Status::Ok();
  }
  bool fail = false;
  int saves = 0;

 private:
  std::shared_ptr<nlohmann::json> disk_;
};

class FakeActions final : public CommandActions {
 public:
  const config::Config& currentConfig() const override { return cfg; }
  void execute(const Command& c, const record::CommandEnvelope& env, Finish finish) override {
    executed.push_back(env.command_id);
    if (hold) {
      held = std::move(finish);
      return;
    }
    finish(next ? *next : Outcome::done({{"ok", true}}));
    (void)c;
  }
  void emitAnswer(const record::CommandAnswer& answer) override {
    events.push_back(answer.toJson());
  }
  config::Config cfg;
  std::vector<std::string> executed;
  std::vector<nlohmann::json> events;
  std::optional<Outcome> next;
  bool hold = false;
  Finish held;
};

class ControllerTest : public ::testing::Test {
 protected:
  ControllerTest() {
    actions.cfg.identity = {"dev-1", "sch-1", "School", "Changchun", "Nanguan", "carrier"};
    actions.cfg.servers.push_back(librespeedServer("local", "http://127.0.0.1:8080/"));
    key = *record::PrivateKey::generate();
    other_key = *record::PrivateKey::generate();
    makeController();
  }
  void makeController(int per_hour = 6) {
    auto s = std::make_unique<MemoryStore>(disk);
    store = s.get();
    controller = std::make_unique<CommandController>(
        CommandVerifier({key.publicKey()}, {"dev-1", "sch-1", "Nanguan"}, 300s),
        ControllerRules{per_hour}, std::move(s), actions, clock);
  }
  record::CommandEnvelope command(const std::string& verb = "report_config",
                                  nlohmann::json args = nlohmann::json::object()) {
    record::CommandEnvelope c;
    c.command_id = "cmd-" + std::to_string(++n);
    c.verb = verb;
    c.args = std::move(args);
    c.target = {record::TargetKind::kDevice, "dev-1"};
    c.issued_at = record::formatCommandTime(clock.wallNow());
    c.expires_at = record::formatCommandTime(clock.wallNow() + 1h);
    c.issuer_seq = ++seq;
    return c;
  }
  std::string sign(record::CommandEnvelope c, const record::PrivateKey* k = nullptr) {
    EXPECT_TRUE(record::signCommand(c, k ? *k : key));
    return *record::serializeCommand(c);
  }
  // Sends one payload and returns the single event it produced.
  nlohmann::json send(const std::string& payload) {
    const size_t before = actions.events.size();
    controller->onMessage(payload);
    EXPECT_EQ(actions.events.size(), before + 1) << "exactly one event per command";
    return actions.events.empty() ? nlohmann::json() : actions.events.back();
  }
  void expectRefused(const std::string& payload, const std::string& reason) {
    const size_t ran = actions.executed.size();
    auto ev = send(payload);
    EXPECT_EQ(ev.value("event", ""), "command_refused") << ev.dump();
    EXPECT_EQ(ev.value("reason", ""), reason) << ev.dump();
    EXPECT_EQ(actions.executed.size(), ran) << "a refused command must not run";
  }

  ManualClock clock{WallTime{} + std::chrono::seconds(1795000000)};
  std::shared_ptr<nlohmann::json> disk = std::make_shared<nlohmann::json>();
  MemoryStore* store = nullptr;
  FakeActions actions;
  record::PrivateKey key = *record::PrivateKey::generate();
  record::PrivateKey other_key = *record::PrivateKey::generate();
  std::unique_ptr<CommandController> controller;
  int n = 0;
  uint64_t seq = 100;
};

TEST_F(ControllerTest, AValidCommandRunsOnceAndIsAnsweredDone) {
  auto c = command();
  auto ev = send(sign(c));
  EXPECT_EQ(ev["event"], "command_done");
  EXPECT_EQ(ev["command_id"], c.command_id);
  EXPECT_EQ(ev["verb"], "report_config");
  EXPECT_EQ(ev["key_id"], key.publicKey().keyId());
  EXPECT_EQ(ev["issuer_seq"], c.issuer_seq);
  EXPECT_EQ(ev["ok"], true);
  EXPECT_EQ(actions.executed, std::vector<std::string>{c.command_id});
}

TEST_F(ControllerTest, EachRefusalReason) {
  expectRefused("{", "malformed");
  {
    auto j = nlohmann::json::parse(sign(command()));
    j.erase("signature");
    expectRefused(j.dump(), "unsigned");
  }
  expectRefused(sign(command(), &other_key), "unknown_key");
  {  // a valid signature over other values: args changed after signing
    auto c = command("run_test");
    auto j = nlohmann::json::parse(sign(c));
    j["args"]["direction"] = "upload";
    expectRefused(j.dump(), "bad_signature");
  }
  {
    auto c = command();
    c.target.value = "dev-2";
    expectRefused(sign(c), "wrong_device");
    c = command();
    c.target = {record::TargetKind::kSchool, "sch-2"};
    expectRefused(sign(c), "wrong_device");
    c = command();
    c.target = {record::TargetKind::kCounty, "Chaoyang"};
    expectRefused(sign(c), "wrong_device");
  }
  {
    auto c = command();
    c.issued_at = record::formatCommandTime(clock.wallNow() - 2h);
    c.expires_at = record::formatCommandTime(clock.wallNow() - 6min);
    expectRefused(sign(c), "expired");
    c = command();
    c.issued_at = record::formatCommandTime(clock.wallNow() + 6min);
    c.expires_at = record::formatCommandTime(clock.wallNow() + 1h);
    expectRefused(sign(c), "not_yet_valid");
  }
  expectRefused(sign(command("format_disk")), "unknown_verb");
  expectRefused(sign(command("run_test", {{"url", "http://evil.example/"}})), "invalid_arguments");
  expectRefused(sign(command("run_test", {{"server", "http://evil.example/"}})),
                "invalid_arguments");
  expectRefused(sign(command("set_schedule", {{"tests_per_day", 500}})), "invalid_arguments");
  expectRefused(sign(command("set_target", {{"floor_down_mbps", "lots"}})), "invalid_arguments");
  expectRefused(sign(command("reload", {{"path", "/etc/shadow"}})), "invalid_arguments");
}

TEST_F(ControllerTest, ScopesThisDeviceBelongsToAreAccepted) {
  auto c = command();
  c.target = {record::TargetKind::kSchool, "sch-1"};
  EXPECT_EQ(send(sign(c))["event"], "command_done");
  c = command();
  c.target = {record::TargetKind::kCounty, "Nanguan"};
  EXPECT_EQ(send(sign(c))["event"], "command_done");
}

TEST_F(ControllerTest, ClockSkewIsToleratedWithinTheBound) {
  auto c = command();
  c.issued_at = record::formatCommandTime(clock.wallNow() + 4min);
  c.expires_at = record::formatCommandTime(clock.wallNow() + 1h);
  EXPECT_EQ(send(sign(c))["event"], "command_done");
  c = command();
  c.issued_at = record::formatCommandTime(clock.wallNow() - 1h);
  c.expires_at = record::formatCommandTime(clock.wallNow() - 4min);
  EXPECT_EQ(send(sign(c))["event"], "command_done");
}

TEST_F(ControllerTest, ReplayIsRefusedAlsoAfterARestart) {
  auto c = command();
  const std::string payload = sign(c);
  EXPECT_EQ(send(payload)["event"], "command_done");
  expectRefused(payload, "replayed");
  auto older = command();
  older.issuer_seq = c.issuer_seq - 1;  // an older number, never seen, is refused too
  expectRefused(sign(older), "replayed");
  makeController();  // "restart": the mark comes from the store
  expectRefused(payload, "replayed");
  EXPECT_EQ(send(sign(command()))["event"], "command_done");
  EXPECT_EQ(actions.executed.size(), 2u);
}

TEST_F(ControllerTest, TheMarkIsSavedBeforeTheCommandRuns) {
  actions.hold = true;  // the command "runs" and the process dies before it finishes
  auto c = command();
  const std::string payload = sign(c);
  controller->onMessage(payload);
  EXPECT_EQ(actions.executed.size(), 1u);
  EXPECT_TRUE(actions.events.empty());
  EXPECT_EQ((*disk)["high_water"][key.publicKey().keyId()], c.issuer_seq);
  actions.hold = false;
  makeController();  // kill -9 and restart: the broker re-delivers
  expectRefused(payload, "replayed");
  EXPECT_EQ(actions.executed.size(), 1u);
}

TEST_F(ControllerTest, AnUnsavableMarkMeansTheCommandDoesNotRun) {
  store->fail = true;
  expectRefused(sign(command()), "failed");
}

TEST_F(ControllerTest, RefusedAfterAuthenticationStillConsumesTheNumber) {
  auto c = command("format_disk");
  const std::string payload = sign(c);
  expectRefused(payload, "unknown_verb");
  expectRefused(payload, "replayed");
}

TEST_F(ControllerTest, RateLimitPerSlidingHour) {
  makeController(3);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(send(sign(command()))["event"], "command_done");
  auto limited = command();
  const std::string payload = sign(limited);
  expectRefused(payload, "rate_limited");
  clock.advance(59min);
  expectRefused(sign(command()), "rate_limited");
  clock.advance(2min);
  // The rate-limited command consumed its number: it cannot be replayed once there is room.
  expectRefused(payload, "replayed");
  EXPECT_EQ(send(sign(command()))["event"], "command_done");
}

TEST_F(ControllerTest, ActionRefusalsAreAnsweredOnceWithTheirReason) {
  actions.next = Outcome::refused(Refusal::kBusy, "a test is running");
  auto ev = send(sign(command("run_test")));
  EXPECT_EQ(ev["event"], "command_refused");
  EXPECT_EQ(ev["reason"], "busy");
  EXPECT_EQ(ev["detail"], "a test is running");
  actions.next = Outcome::refused(Refusal::kBudgetExhausted, "monthly budget used");
  EXPECT_EQ(send(sign(command("run_test")))["reason"], "budget_exhausted");
}

TEST_F(ControllerTest, LateFinishAnswersOnceOnly) {
  actions.hold = true;
  auto c = command("run_test", {{"direction", "download"}, {"server", "local"}});
  controller->onMessage(sign(c));
  EXPECT_TRUE(actions.events.empty());
  actions.held(Outcome::done({{"record_id", "dev-1:abc:9"}}));
  actions.held(Outcome::done());
  ASSERT_EQ(actions.events.size(), 1u);
  EXPECT_EQ(actions.events[0]["event"], "command_done");
  EXPECT_EQ(actions.events[0]["command_id"], c.command_id);
  EXPECT_EQ(actions.events[0]["record_id"], "dev-1:abc:9");
}

TEST_F(ControllerTest, AFloodOfJunkIsCountedNotJournaled) {
  for (int i = 0; i < kMaxRefusalEventsPerHour + 40; ++i) controller->onMessage("junk");
  EXPECT_EQ(actions.events.size(), static_cast<size_t>(kMaxRefusalEventsPerHour));
  EXPECT_EQ(controller->suppressedRefusals(), 40u);
  clock.advance(61min);
  auto ev = send("junk");
  EXPECT_EQ(ev["suppressed"], 40);
}

TEST(ReplayState, JsonRoundTripAndCorruption) {
  ReplayState s;
  s.advance("aaaaaaaaaaaaaaaa", 5);
  s.advance("aaaaaaaaaaaaaaaa", 3);  // never lowered
  auto back = ReplayState::fromJson(s.toJson());
  ASSERT_TRUE(back);
  EXPECT_EQ(back->highWater("aaaaaaaaaaaaaaaa"), 5u);
  EXPECT_FALSE(
      ReplayState::fromJson(nlohmann::json::parse(R"({"version":1,"high_water":{"a":-1}})")));
  EXPECT_FALSE(ReplayState::fromJson(nlohmann::json::parse("[]")));
}

}  // namespace
}  // namespace uplinkprobe::control
