#include "collector/notify/notifier.h"

#include <gtest/gtest.h>

#include <deque>

namespace uplinkprobe::collector::notify {
namespace {

using namespace std::chrono_literals;

class FakeTransport : public WebhookTransport {
 public:
  Result<WebhookReply> post(const std::string& url, const std::string& body, const std::string&,
                            std::chrono::seconds) override {
    posts.push_back({url, body});
    if (replies.empty()) return WebhookReply{200, "{}"};
    auto r = replies.front();
    replies.pop_front();
    if (r.status == 0) return makeError(ErrorKind::kConnect, "refused");
    return r;
  }
  struct Post {
    std::string url, body;
  };
  std::vector<Post> posts;
  std::deque<WebhookReply> replies;
};

NotifyTarget target(std::string name, Format f = Format::kJson, int per_min = 20) {
  NotifyTarget t;
  t.name = std::move(name);
  t.url = "http://127.0.0.1:9/" + t.name;
  t.format = f;
  t.max_per_minute = per_min;
  return t;
}

Notification alert(std::string id = "s1") {
  Notification n;
  n.school_id = std::move(id);
  n.alert_type = "throughput";
  n.ts = "2026-12-02T01:00:00Z";
  return n;
}

NotifierOptions noJitter() {
  NotifierOptions o;
  o.jitter = 0;
  o.retry_base = 1000ms;
  o.retry_cap = 4000ms;
  o.max_attempts = 4;
  return o;
}

TEST(Notifier, RateLimitWaitsForTokensWithManualClock) {
  ManualClock clock;
  FakeTransport tx;
  Notifier n({target("wecom", Format::kWeCom, 2)}, tx, clock, noJitter());
  for (int i = 0; i < 5; ++i) EXPECT_EQ(n.submit(alert("s" + std::to_string(i))), 1u);
  auto next = n.pump();
  EXPECT_EQ(tx.posts.size(), 2u);  // the burst
  ASSERT_TRUE(next);
  EXPECT_NEAR(std::chrono::duration<double>(*next - clock.steadyNow()).count(), 30.0, 0.01);
  clock.advance(29s);
  n.pump();
  EXPECT_EQ(tx.posts.size(), 2u);
  clock.advance(1s + 2ms);
  n.pump();
  EXPECT_EQ(tx.posts.size(), 3u);
  clock.advance(60s);
  EXPECT_FALSE(n.pump());
  EXPECT_EQ(tx.posts.size(), 5u);
  EXPECT_EQ(n.stats().targets[0].sent, 5u);
  // Submission order is kept while nothing is retried.
  EXPECT_NE(tx.posts[4].body.find("s4"), std::string::npos);
}

TEST(Notifier, RetriesWithCappedBackoffThenGivesUp) {
  ManualClock clock;
  FakeTransport tx;
  Notifier n({target("hook")}, tx, clock, noJitter());
  tx.replies = {{500, ""}, {0, ""}, {503, ""}, {502, ""}};
  n.submit(alert());
  auto next = n.pump();
  ASSERT_TRUE(next);
  EXPECT_EQ(*next - clock.steadyNow(), 1000ms);
  clock.advance(999ms);
  n.pump();
  EXPECT_EQ(tx.posts.size(), 1u);
  clock.advance(1ms);
  next = n.pump();
  EXPECT_EQ(tx.posts.size(), 2u);
  EXPECT_EQ(*next - clock.steadyNow(), 2000ms);
  clock.advance(2000ms);
  next = n.pump();
  EXPECT_EQ(*next - clock.steadyNow(), 4000ms);
  clock.advance(4000ms);
  EXPECT_FALSE(n.pump());  // 4th attempt failed: max_attempts reached
  EXPECT_EQ(tx.posts.size(), 4u);
  auto s = n.stats();
  EXPECT_EQ(s.targets[0].failed, 1u);
  EXPECT_EQ(s.targets[0].retries, 3u);
  EXPECT_EQ(s.targets[0].sent, 0u);
}

TEST(Notifier, PermanentClientErrorIsNotRetriedButRobotErrcodeIs) {
  ManualClock clock;
  FakeTransport tx;
  Notifier n({target("json"), target("ding", Format::kDingTalk)}, tx, clock, noJitter());
  tx.replies = {{404, ""}, {200, R"({"errcode":130101,"errmsg":"send too fast"})"}};
  EXPECT_EQ(n.submit(alert()), 2u);
  auto next = n.pump();
  auto s = n.stats();
  EXPECT_EQ(s.targets[0].failed, 1u);
  EXPECT_EQ(s.targets[1].failed, 0u);
  ASSERT_TRUE(next);
  clock.advance(1s);
  EXPECT_FALSE(n.pump());
  EXPECT_EQ(n.stats().targets[1].sent, 1u);
}

TEST(Notifier, EventsFilterAndBoundedQueueCountsDrops) {
  ManualClock clock;
  FakeTransport tx;
  NotifyTarget stale_only = target("stale");
  stale_only.events = {Event::kSchoolStale};
  NotifierOptions o = noJitter();
  o.max_queue = 3;
  Notifier n({target("all"), stale_only}, tx, clock, o);
  EXPECT_EQ(n.submit(alert()), 1u);
  Notification s;
  s.event = Event::kSchoolStale;
  EXPECT_EQ(n.submit(s), 2u);
  EXPECT_EQ(n.submit(s), 0u);  // queue full: both dropped
  EXPECT_EQ(n.stats().dropped_queue_full, 2u);
  api::MetricsText m;
  n.writeMetrics(m);
  EXPECT_NE(m.text().find("uplinkprobe_collector_notify_dropped_total{reason=\"queue_full\"} 2\n"),
            std::string::npos)
      << m.text();
  EXPECT_NE(m.text().find("uplinkprobe_collector_notify_queue_length 3\n"), std::string::npos);
  n.stop();
  EXPECT_EQ(n.stats().dropped_shutdown, 3u);
  EXPECT_EQ(n.submit(alert()), 0u);
  EXPECT_TRUE(tx.posts.empty());
}

}  // namespace
}  // namespace uplinkprobe::collector::notify
