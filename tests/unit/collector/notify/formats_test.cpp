#include "collector/notify/formats.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <ctime>
#include <nlohmann/json.hpp>

#include "collector/notify/notifier.h"

namespace uplinkprobe::collector::notify {
namespace {

class Formats : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* tz = std::getenv("TZ");
    if (tz) old_tz_ = tz;
    had_tz_ = tz != nullptr;
    setenv("TZ", "Asia/Shanghai", 1);
    tzset();
  }
  void TearDown() override {
    if (had_tz_) {
      setenv("TZ", old_tz_.c_str(), 1);
    } else {
      unsetenv("TZ");
    }
    tzset();
  }
  std::string old_tz_;
  bool had_tz_ = false;
};

Notification opened() {
  Notification n;
  n.event = Event::kAlertOpened;
  n.school_id = "22010200001";
  n.school_name = "长春市第一实验小学";
  n.city = "长春市";
  n.county = "朝阳区";
  n.device_id = "cc-001";
  n.alert_type = "throughput";
  n.record_id = "cc-001:0123456789abcdef:42";
  n.ts = "2026-12-02T01:53:27.123Z";
  n.since = "2026-12-01T23:00:00Z";
  n.measured_mbps = 61.25;
  n.target_mbps = 100;
  return n;
}

TEST_F(Formats, WeComMarkdownInChinese) {
  auto j = nlohmann::json::parse(formatBody(Format::kWeCom, opened()));
  EXPECT_EQ(j["msgtype"], "markdown");
  ASSERT_EQ(j.size(), 2u);
  std::string content = j["markdown"]["content"];
  EXPECT_EQ(content,
            "### 【告警】长春市第一实验小学 带宽不达标\n"
            "- 学校：长春市第一实验小学（22010200001）\n"
            "- 地区：长春市 朝阳区\n"
            "- 设备：cc-001\n"
            "- 实测：61.2 Mbps，目标 100.0 Mbps\n"
            "- 开始：2026-12-02 07:00:00 +08:00\n"
            "- 时间：2026-12-02 09:53:27 +08:00\n"
            "- 记录：cc-001:0123456789abcdef:42\n");
}

TEST_F(Formats, DingTalkHasTitleAndText) {
  Notification n = opened();
  n.event = Event::kAlertClosed;
  auto j = nlohmann::json::parse(formatBody(Format::kDingTalk, n));
  EXPECT_EQ(j["msgtype"], "markdown");
  EXPECT_EQ(j["markdown"]["title"], "【恢复】长春市第一实验小学 带宽不达标已解除");
  EXPECT_EQ(j["markdown"]["text"].get<std::string>().rfind("### 【恢复】", 0), 0u);
}

TEST_F(Formats, JsonCarriesFieldsAndText) {
  auto j = nlohmann::json::parse(formatBody(Format::kJson, opened()));
  EXPECT_EQ(j["event"], "alert_opened");
  EXPECT_EQ(j["school"]["school_id"], "22010200001");
  EXPECT_EQ(j["school"]["county"], "朝阳区");
  EXPECT_EQ(j["alert"]["type"], "throughput");
  EXPECT_EQ(j["alert"]["measured_mbps"], 61.25);
  EXPECT_EQ(j["ts"], "2026-12-02T01:53:27.123Z");
  EXPECT_EQ(j["title"], "【告警】长春市第一实验小学 带宽不达标");

  Notification s;
  s.event = Event::kSchoolStale;
  s.school_id = "22010200002";
  s.last_seen = "2026-12-01T00:00:00Z";
  s.stale_after_hours = 24;
  s.ts = "2026-12-02T00:00:00Z";
  j = nlohmann::json::parse(formatBody(Format::kJson, s));
  EXPECT_EQ(j["event"], "school_stale");
  EXPECT_EQ(j["title"], "【离线】22010200002 超过 24 小时未上报");
  EXPECT_EQ(j["last_seen"], "2026-12-01T00:00:00Z");
  EXPECT_FALSE(j.contains("alert"));
  EXPECT_NE(j["text"].get<std::string>().find("- 最后上报：2026-12-01 08:00:00 +08:00\n"),
            std::string::npos);
}

TEST_F(Formats, HostileTextIsCleanedAndBounded) {
  Notification n = opened();
  n.school_name = "x\n### fake\r\x1b[31m" + std::string(300, 'a');
  std::string md = markdownText(n);
  EXPECT_EQ(md.find('\x1b'), std::string::npos);
  EXPECT_EQ(md.find("\n### fake"), std::string::npos);
  EXPECT_NE(md.find("…"), std::string::npos);
  // Invalid UTF-8 never throws; it is replaced.
  n.school_name = "\xff\xfe";
  EXPECT_NO_THROW(formatBody(Format::kJson, n));
}

TEST(Notification, FromAgentAlertRecords) {
  auto rec = nlohmann::json::parse(R"({"kind":"alert","id":"d:j:7","device_id":"d",
      "school_id":"s","ts":"2026-12-02T01:00:00Z","alert":"breach_opened","type":"availability",
      "since":"2026-12-02T00:40:00Z"})");
  auto n = notificationFromAlertRecord(rec);
  ASSERT_TRUE(n);
  EXPECT_EQ(n->event, Event::kAlertOpened);
  EXPECT_EQ(n->alert_type, "availability");
  EXPECT_EQ(n->record_id, "d:j:7");
  EXPECT_EQ(n->since, "2026-12-02T00:40:00.000Z");  // read as a time, written as agents do
  EXPECT_FALSE(n->measured_mbps);
  rec["alert"] = "breach_closed";
  EXPECT_EQ(notificationFromAlertRecord(rec)->event, Event::kAlertClosed);
  EXPECT_FALSE(notificationFromAlertRecord(nlohmann::json::parse(R"({"alert":"x"})")));
  EXPECT_FALSE(notificationFromAlertRecord(
      nlohmann::json::parse(R"({"kind":"alert","alert":"breach_opened"})")))
      << "an alert without a type is not one";
}

TEST(Notification, AThroughputAlertCarriesTheMedianOfItsEvidenceAndTheTarget) {
  // As the agent writes it (docs/schema/alert.json): measured_mbps is one figure per test.
  auto rec = nlohmann::json::parse(R"({"kind":"alert","id":"d:0123456789abcdef:9",
      "device_id":"d","school_id":"s","ts":"2026-12-02T01:00:00.000Z",
      "alert":"breach_opened","type":"throughput","since":"2026-12-02T00:00:00.000Z",
      "evidence":["d:0123456789abcdef:3","d:0123456789abcdef:5","d:0123456789abcdef:8"],
      "target_mbps":100,"measured_mbps":[61.5,40,88],
      "rule":{"breach_after":3,"breach_window":5,"clear_after":3}})");
  auto n = notificationFromAlertRecord(rec);
  ASSERT_TRUE(n);
  ASSERT_TRUE(n->measured_mbps);
  EXPECT_DOUBLE_EQ(*n->measured_mbps, 61.5);
  ASSERT_TRUE(n->target_mbps);
  EXPECT_DOUBLE_EQ(*n->target_mbps, 100);
  EXPECT_NE(markdownText(*n).find("61.5 Mbps"), std::string::npos) << markdownText(*n);
}

TEST(Notification, DingTalkSignatureMatchesTheRobotsRecipe) {
  NotifyTarget t;
  t.format = Format::kDingTalk;
  t.url = "https://oapi.dingtalk.com/robot/send?access_token=abc";
  t.secret = "SECtest";
  // Reference: printf '1700000000000\nSECtest' | openssl dgst -sha256 -hmac SECtest -binary
  //   | base64   ->  aZLLrriXgn05YbwaGR7knYsLeJADjr9NwLaNNKpxh4g=
  EXPECT_EQ(Notifier::signedUrl(t, 1700000000000),
            "https://oapi.dingtalk.com/robot/send?access_token=abc&timestamp=1700000000000"
            "&sign=aZLLrriXgn05YbwaGR7knYsLeJADjr9NwLaNNKpxh4g%3D");
  t.secret.clear();
  EXPECT_EQ(Notifier::signedUrl(t, 1), t.url);
}

}  // namespace
}  // namespace uplinkprobe::collector::notify
