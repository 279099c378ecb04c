// What a reload may change live and what waits for a restart (reload_plan.h).
#include "agent/daemon/reload_plan.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace uplinkprobe::daemon {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

config::Config running() {
  config::Config c;
  c.identity.device_id = "dev-1";
  c.identity.school_id = "220102-001";
  c.identity.school_name = "一中";
  c.storage.dir = "/var/lib/uplinkprobe";
  c.mqtt.uri = "mqtts://broker:8883";
  c.schedule.tests_per_day = 4;
  c.target.contracted_down_mbps = 100;
  return c;
}

TEST(ReloadPlan, ScheduleTargetAndAlertEditsApplyLive) {
  auto next = running();
  next.schedule.tests_per_day = 8;
  next.target.contracted_down_mbps = 200;
  next.alert.breach_after = 5;
  const auto plan = planReload(running(), next);
  EXPECT_THAT(plan.needs_restart, IsEmpty());
  EXPECT_EQ(plan.apply.schedule.tests_per_day, 8);
  EXPECT_EQ(plan.apply.target.contracted_down_mbps, 200);
  EXPECT_EQ(plan.apply.alert.breach_after, 5);
}

TEST(ReloadPlan, StartOnlySectionsKeepTheirRunningValuesAndAreNamed) {
  auto next = running();
  next.identity.device_id = "dev-2";
  next.storage.dir = "/tmp/elsewhere";
  next.mqtt.uri = "mqtt://other:1883";
  next.control.trusted_keys = {"/etc/uplinkprobe/new.pem"};
  next.schedule.tests_per_day = 2;
  const auto plan = planReload(running(), next);
  EXPECT_THAT(plan.needs_restart, ElementsAre("identity", "storage", "mqtt", "control"));
  EXPECT_EQ(plan.apply.identity.device_id, "dev-1");
  EXPECT_EQ(plan.apply.storage.dir, "/var/lib/uplinkprobe");
  EXPECT_EQ(plan.apply.mqtt.uri, "mqtts://broker:8883");
  EXPECT_THAT(plan.apply.control.trusted_keys, IsEmpty());
  EXPECT_EQ(plan.apply.schedule.tests_per_day, 2);  // the rest still applies
}

// [target] method (issue 17) is read at every verdict and every slot: an edit applies live,
// never waits for a restart, and nothing else of the running config moves with it.
TEST(ReloadPlan, TargetMethodAppliesLive) {
  for (const char* m : {"udp", "both", "tcp"}) {
    auto before = running();
    before.target.method = std::string(m) == "tcp" ? "both" : "tcp";
    auto next = before;
    next.target.method = m;
    const auto plan = planReload(before, next);
    EXPECT_THAT(plan.needs_restart, IsEmpty()) << m;
    EXPECT_EQ(plan.apply.target.method, m);
    EXPECT_TRUE(plan.apply.identity == before.identity);
  }
}

// Keys read once at start that the old comparison missed: an edit to them was dropped
// without a word. Every key of a start-only section now counts.
TEST(ReloadPlan, AnyKeyOfAStartOnlySectionIsNamedNotDroppedSilently) {
  struct Case {
    const char* section;
    void (*edit)(config::Config&);
  };
  const Case cases[] = {
      {"identity", [](config::Config& c) { c.identity.school_name = "二中"; }},
      {"identity", [](config::Config& c) { c.identity.county = "南关区"; }},
      {"storage", [](config::Config& c) { c.storage.heartbeat_s = 60; }},
      {"mqtt", [](config::Config& c) { c.mqtt.cert_file = "/etc/uplinkprobe/client.pem"; }},
      {"mqtt", [](config::Config& c) { c.mqtt.topic_prefix = "x/v1"; }},
      {"mqtt", [](config::Config& c) { c.mqtt.replay_per_second = 5; }},
      {"control", [](config::Config& c) { c.control.max_commands_per_hour = 60; }},
  };
  for (const auto& c : cases) {
    auto next = running();
    c.edit(next);
    const auto plan = planReload(running(), next);
    EXPECT_THAT(plan.needs_restart, ElementsAre(c.section)) << c.section;
    EXPECT_TRUE(plan.apply.identity == running().identity);
    EXPECT_TRUE(plan.apply.mqtt == running().mqtt);
  }
}

}  // namespace
}  // namespace uplinkprobe::daemon
