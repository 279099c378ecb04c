#include "collector/notify/stale_watcher.h"

#include <gtest/gtest.h>

namespace uplinkprobe::collector::notify {
namespace {

SchoolLedgerRow row(const std::string& id, SchoolState s) {
  SchoolLedgerRow r;
  r.school_id = id;
  r.name = "学校" + id;
  r.city = "长春市";
  r.county = "南关区";
  r.state = s;
  r.last_seen_ms = 1796083200000;  // 2026-12-01T00:00:00Z
  return r;
}

TEST(StaleWatcher, AnnouncesLiveToStaleOnceAfterTheBaseline) {
  StaleWatcher w(24);
  // Baseline: B is already stale at start, not announced.
  EXPECT_TRUE(w.update({row("A", SchoolState::kLive), row("B", SchoolState::kStale),
                        row("C", SchoolState::kNever)},
                       1796169600000)
                  .empty());
  auto n = w.update(
      {row("A", SchoolState::kStale), row("B", SchoolState::kStale), row("C", SchoolState::kStale)},
      1796173200000);
  ASSERT_EQ(n.size(), 1u);  // only A was live before; C was never heard
  EXPECT_EQ(n[0].event, Event::kSchoolStale);
  EXPECT_EQ(n[0].school_id, "A");
  EXPECT_EQ(n[0].school_name, "学校A");
  EXPECT_EQ(n[0].last_seen, "2026-12-01T00:00:00.000Z");
  EXPECT_EQ(n[0].ts, "2026-12-02T01:00:00.000Z");
  EXPECT_EQ(n[0].stale_after_hours, 24);
  EXPECT_TRUE(w.update({row("A", SchoolState::kStale)}, 1796176800000).empty());  // once
  EXPECT_TRUE(w.update({row("A", SchoolState::kLive)}, 1796180400000).empty());
  EXPECT_EQ(w.update({row("A", SchoolState::kStale)}, 1796184000000).size(), 1u);  // again
}

TEST(StaleWatcher, KeepsRegistryFactsForAlerts) {
  StaleWatcher w(24);
  EXPECT_FALSE(w.facts("A"));
  w.update({row("A", SchoolState::kLive)}, 0);
  ASSERT_TRUE(w.facts("A"));
  EXPECT_EQ(w.facts("A")->name, "学校A");
  EXPECT_EQ(w.facts("A")->county, "南关区");
}

}  // namespace
}  // namespace uplinkprobe::collector::notify
