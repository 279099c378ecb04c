// checkMessage: every hostile case lands in its reason; valid records pass; cmd topics are
// ignored. The schema check is a fake here (the real SchemaSet has its own tests).
#include "collector/ingest/message_check.h"

#include <gtest/gtest.h>

using namespace uplinkprobe::collector;

namespace {

const std::string kPrefix = "uplinkprobe/v1";

std::string record(const std::string& kind = "throughput", const std::string& school = "s1",
                   const std::string& device = "d1") {
  return R"({"schema":"uplinkprobe/1","kind":")" + kind + R"(","school_id":")" + school +
         R"(","device_id":")" + device +
         R"(","journal_id":"0123456789abcdef","seq":1,"id":"d1:0123456789abcdef:1","ts":"2026-12-02T01:00:00Z"})";
}

SchemaCheck fakeSchema() {
  return [](std::string_view kind, const nlohmann::json& j) -> std::optional<std::string> {
    if (!j.contains("seq") && kind != "status") return std::string("/: missing seq (required)");
    return std::nullopt;
  };
}

CheckResult check(const std::string& topic, const std::string& payload, CheckLimits l = {}) {
  return checkMessage(kPrefix, topic, payload, fakeSchema(), l);
}

RejectReason reasonOf(const CheckResult& r) {
  const auto* f = std::get_if<Refused>(&r);
  if (f == nullptr) {
    ADD_FAILURE() << "not refused";
    return RejectReason::kJson;
  }
  return f->reason;
}

}  // namespace

TEST(MessageCheck, AcceptsARecordAndParsesTheTopic) {
  const auto r = check(kPrefix + "/s1/d1/throughput", record());
  const auto* a = std::get_if<Accepted>(&r);
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->parts.school_id, "s1");
  EXPECT_EQ(a->parts.device_id, "d1");
  EXPECT_EQ(a->parts.kind, "throughput");
  EXPECT_EQ(a->record["seq"], 1);
}

TEST(MessageCheck, AlertStateIsTwoLevels) {
  const auto r = check(kPrefix + "/s1/d1/alert/state", record("alert_state"));
  ASSERT_TRUE(std::holds_alternative<Accepted>(r));
  EXPECT_EQ(std::get<Accepted>(r).parts.kind, "alert_state");
  EXPECT_EQ(reasonOf(check(kPrefix + "/s1/d1/alert/other", record("alert"))),
            RejectReason::kUnknownKind);
}

TEST(MessageCheck, CommandsAreIgnored) {
  EXPECT_TRUE(std::holds_alternative<Ignored>(check(kPrefix + "/s1/d1/cmd", "{}")));
}

TEST(MessageCheck, HostileMessagesGetTheirReason) {
  CheckLimits small;
  small.max_payload_bytes = 100;
  EXPECT_EQ(reasonOf(check(kPrefix + "/s1/d1/throughput", record() + std::string(200, ' '), small)),
            RejectReason::kTooLarge);
  EXPECT_EQ(reasonOf(check(kPrefix + "/s1/d1/throughput", "{\"a\":\"\xC3\x28\"}")),
            RejectReason::kUtf8);
  EXPECT_EQ(reasonOf(check(kPrefix + "/s1/d1/throughput", "{not json")), RejectReason::kJson);
  EXPECT_EQ(reasonOf(check(kPrefix + "/s1/d1/throughput", "[1,2]")), RejectReason::kJson);
  EXPECT_EQ(
      reasonOf(check(kPrefix + "/s1/d1/throughput", std::string(100, '[') + std::string(100, ']'))),
      RejectReason::kJson);
  EXPECT_EQ(reasonOf(check(kPrefix + "/s1/d1/throughput", R"({"kind":"throughput"})")),
            RejectReason::kSchema);
  EXPECT_EQ(reasonOf(check(kPrefix + "/s2/d1/throughput", record())), RejectReason::kTopicMismatch);
  EXPECT_EQ(reasonOf(check(kPrefix + "/s1/d2/throughput", record())), RejectReason::kTopicMismatch);
  EXPECT_EQ(reasonOf(check(kPrefix + "/s1/d1/outage", record("throughput"))),
            RejectReason::kTopicMismatch);
  EXPECT_EQ(reasonOf(check(kPrefix + "/s1/d1/bogus", record())), RejectReason::kUnknownKind);
  EXPECT_EQ(reasonOf(check(kPrefix + "/s1/throughput", record())), RejectReason::kBadTopic);
  EXPECT_EQ(reasonOf(check("other/v1/s1/d1/throughput", record())), RejectReason::kBadTopic);
  EXPECT_EQ(reasonOf(check(kPrefix + "//d1/throughput", record())), RejectReason::kBadTopic);
  EXPECT_EQ(reasonOf(check(kPrefix + "/a/b/c/d/e/f", record())), RejectReason::kBadTopic);
}

TEST(MessageCheck, RefusedHeadIsBoundedValidUtf8) {
  const auto r = check(kPrefix + "/s1/d1/throughput", std::string("\xFF\xFEok\x00z", 6));
  const auto* f = std::get_if<Refused>(&r);
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->head, "\\xFF\\xFEok\\x00z");
  // A multi-byte character cut by the limit is dropped, not escaped.
  EXPECT_EQ(safeHead("ab\xE5\xAD\xA6", 4), "ab");
  EXPECT_EQ(safeHead("ab\xE5\xAD\xA6", 5), "ab\xE5\xAD\xA6");
  EXPECT_EQ(safeHead(std::string(2000, 'x'), 512).size(), 512u);
}
