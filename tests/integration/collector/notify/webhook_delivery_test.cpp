// Notifications over real HTTP: libcurl against a loopback receiver. Scheduling runs on a
// ManualClock (pump() is called directly), so retries and the rate limit need no sleeping;
// only the network round trips are real.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "collector/notify/notifier.h"
#include "tests/support/http_receiver.h"

namespace uplinkprobe::collector::notify {
namespace {

using namespace std::chrono_literals;
using uplinkprobe::testing::HttpReceiver;

Notification alert(const std::string& school) {
  Notification n;
  n.event = Event::kAlertOpened;
  n.school_id = school;
  n.school_name = "测试小学" + school;
  n.city = "长春市";
  n.county = "朝阳区";
  n.alert_type = "throughput";
  n.ts = "2026-12-02T01:53:27Z";
  return n;
}

NotifierOptions options() {
  NotifierOptions o;
  o.jitter = 0;
  o.retry_base = 2000ms;
  o.wall_ms = [] { return std::int64_t{1700000000000}; };
  return o;
}

NotifyTarget target(const HttpReceiver& rx, const std::string& path, Format f) {
  NotifyTarget t;
  t.name = std::string(formatName(f));
  t.url = rx.url(path);
  t.format = f;
  return t;
}

TEST(WebhookDelivery, BodiesOfEveryFormatArriveAsJsonPosts) {
  HttpReceiver rx;
  ManualClock clock;
  CurlWebhookTransport tx;
  NotifyTarget ding = target(rx, "/robot/send?access_token=t", Format::kDingTalk);
  ding.secret = "SECtest";
  Notifier n({target(rx, "/json", Format::kJson), target(rx, "/wecom", Format::kWeCom), ding}, tx,
             clock, options());
  ASSERT_EQ(n.submit(alert("22010200001")), 3u);
  EXPECT_FALSE(n.pump());
  ASSERT_TRUE(rx.waitFor(3));
  auto reqs = rx.requests();
  ASSERT_EQ(reqs.size(), 3u);
  for (const auto& r : reqs) {
    EXPECT_EQ(r.method, "POST");
    EXPECT_NE(r.head.find("Content-Type: application/json; charset=utf-8"), std::string::npos);
  }
  auto json = nlohmann::json::parse(reqs[0].body);
  EXPECT_EQ(reqs[0].target, "/json");
  EXPECT_EQ(json["event"], "alert_opened");
  EXPECT_EQ(json["school"]["name"], "测试小学22010200001");

  auto wecom = nlohmann::json::parse(reqs[1].body);
  EXPECT_EQ(wecom["msgtype"], "markdown");
  EXPECT_EQ(wecom["markdown"]["content"].get<std::string>().rfind(
                "### 【告警】测试小学22010200001 带宽不达标\n", 0),
            0u);

  auto dt = nlohmann::json::parse(reqs[2].body);
  EXPECT_EQ(dt["markdown"]["title"], "【告警】测试小学22010200001 带宽不达标");
  EXPECT_EQ(reqs[2].target,
            "/robot/send?access_token=t&timestamp=1700000000000"
            "&sign=aZLLrriXgn05YbwaGR7knYsLeJADjr9NwLaNNKpxh4g%3D");
  auto s = n.stats();
  for (const auto& t : s.targets) EXPECT_EQ(t.sent, 1u);
}

TEST(WebhookDelivery, RetriedAfterA500) {
  HttpReceiver rx;
  rx.script({{500, "oops"}, {200, "{}"}});
  ManualClock clock;
  CurlWebhookTransport tx;
  Notifier n({target(rx, "/hook", Format::kJson)}, tx, clock, options());
  n.submit(alert("s1"));
  auto next = n.pump();
  ASSERT_TRUE(rx.waitFor(1));
  ASSERT_TRUE(next);
  EXPECT_EQ(*next - clock.steadyNow(), 2000ms);
  EXPECT_EQ(n.stats().targets[0].sent, 0u);
  clock.advance(2s);
  EXPECT_FALSE(n.pump());
  ASSERT_TRUE(rx.waitFor(2));
  auto reqs = rx.requests();
  EXPECT_EQ(reqs[0].body, reqs[1].body);  // the same bytes, re-sent
  auto s = n.stats();
  EXPECT_EQ(s.targets[0].sent, 1u);
  EXPECT_EQ(s.targets[0].retries, 1u);
}

TEST(WebhookDelivery, RobotErrcodeIsRetriedAndRateLimitHolds) {
  HttpReceiver rx;
  rx.script({{200, R"({"errcode":45009,"errmsg":"api freq out of limit"})"}});
  ManualClock clock;
  CurlWebhookTransport tx;
  NotifyTarget wecom = target(rx, "/wecom", Format::kWeCom);
  wecom.max_per_minute = 3;
  Notifier n({wecom}, tx, clock, options());
  for (int i = 0; i < 6; ++i) n.submit(alert("s" + std::to_string(i)));
  n.pump();  // burst of 3: the first is refused (errcode), two are posted
  ASSERT_TRUE(rx.waitFor(3));
  EXPECT_EQ(n.stats().targets[0].sent, 2u);
  clock.advance(2s);  // retry is due, but the bucket is empty until 20 s
  n.pump();
  EXPECT_EQ(rx.requests().size(), 3u);
  clock.advance(18s + 2ms);
  n.pump();
  ASSERT_TRUE(rx.waitFor(4));
  EXPECT_EQ(rx.requests().size(), 4u);
  clock.advance(60s);
  EXPECT_FALSE(n.pump());
  ASSERT_TRUE(rx.waitFor(7));
  EXPECT_EQ(n.stats().targets[0].sent, 6u);
  EXPECT_EQ(n.stats().targets[0].retries, 1u);
}

TEST(WebhookDelivery, BackgroundThreadDeliversWithoutBlockingSubmit) {
  HttpReceiver rx;
  CurlWebhookTransport tx;
  Notifier n({target(rx, "/hook", Format::kJson)}, tx, SystemClock::instance(), options());
  n.start();
  auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < 5; ++i) n.submit(alert("s" + std::to_string(i)));
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 100ms);
  ASSERT_TRUE(rx.waitFor(5));
  n.stop();
  EXPECT_EQ(n.stats().targets[0].sent, 5u);
}

TEST(WebhookDelivery, UnreachableTargetIsAnErrorNotAHang) {
  ManualClock clock;
  CurlWebhookTransport tx;
  // A TLS endpoint that is not there: connection refused, counted as a retry.
  auto r = tx.post("https://127.0.0.1:1/", "{}", "", 5s);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::kConnect);
}

}  // namespace
}  // namespace uplinkprobe::collector::notify
