// `uplinkprobe records` lines: the school's local time with its offset, from UTC records.
#include "agent/cli/record_line.h"

#include <gtest/gtest.h>

#include <cstdlib>

#include "common/time_format.h"

namespace uplinkprobe::cli {
namespace {

TEST(RecordLine, ShowsLocalTimeWithTheZone) {
  useTimeZone("Asia/Shanghai");
  const std::string outage =
      R"({"kind":"outage","seq":7,"id":"d:0123456789abcdef:7","ts":"2026-12-02T01:53:27.123Z",)"
      R"("start":"2026-12-01T23:50:00.000Z","end":"2026-12-02T00:00:00.000Z","duration_s":600,)"
      R"("class":"dns"})";
  // Long descriptions continue under the description column: nothing passes 80 columns.
  EXPECT_EQ(formatRecordLine(outage),
            "     7 2026-12-02 09:53:27 +08:00 outage       dns outage 10 min from\n"
            "                                               2026-12-02 07:50:00 +08:00");
  unsetenv("TZ");
  tzset();
}

TEST(RecordLine, OneVerdictVocabularyAndACleanStopIsNotADownAgent) {
  const std::string below =
      R"({"kind":"throughput","seq":8,"ts":"2026-12-02T01:53:27.123Z","error":null,)"
      R"("download":{"ip_capacity_mbps":10344.5},"upload":null,)"
      R"("verdict":{"meets_target":false,"counted":true}})";
  const std::string line = formatRecordLine(below);
  EXPECT_NE(line.find("down 10.3 Gbps up — BELOW TARGET"), std::string::npos) << line;
  const std::string stop =
      R"({"kind":"power","seq":9,"ts":"2026-12-02T01:53:27.123Z","cause":"agent_down",)"
      R"("clean_shutdown":true,"duration_s":67,"start":"2026-12-02T01:52:20.000Z",)"
      R"("end":"2026-12-02T01:53:27.000Z"})";
  EXPECT_NE(formatRecordLine(stop).find("agent stopped cleanly"), std::string::npos);
}

// A method "udp" record (issue 17) shows its UDP IP capacity, not TCP's null directions.
TEST(RecordLine, AlertsSayTheirChangeTypeAndCauseAndAGapItsRange) {
  const std::string outage_alert =
      R"({"kind":"alert","seq":12,"ts":"2026-12-02T01:53:27.123Z","alert":"breach_opened",)"
      R"("type":"availability","cause":"long_outage","evidence":[],"since":null})";
  const std::string line = formatRecordLine(outage_alert);  // wrapped at 80 columns
  EXPECT_NE(line.find("breach_opened availability"), std::string::npos) << line;
  EXPECT_NE(line.find("long_outage"), std::string::npos) << line;
  const std::string state =
      R"({"kind":"alert_state","seq":13,"ts":"2026-12-02T01:53:27.123Z","open":true,)"
      R"("breaches":[{"type":"throughput","opened_alert_id":null,"since":null,"evidence":[]}]})";
  EXPECT_NE(formatRecordLine(state).find("throughput"), std::string::npos);
  const std::string gap =
      R"({"kind":"gap","seq":14,"ts":"2026-12-02T01:53:27.123Z","first_seq":3,"last_seq":5,)"
      R"("count":3,"reason":"torn_tail"})";
  EXPECT_NE(formatRecordLine(gap).find("3-5 (torn_tail)"), std::string::npos)
      << formatRecordLine(gap);
}

TEST(RecordLine, UdpRecordsShowTheirIpCapacity) {
  const std::string udp =
      R"({"kind":"throughput","seq":10,"ts":"2026-12-02T01:53:27.123Z","error":null,)"
      R"("method":"udp","download":null,"upload":null,)"
      R"("udp":{"download":{"ip_capacity_mbps":48.5},"upload":{"ip_capacity_mbps":9.5}},)"
      R"("verdict":{"meets_target":true,"counted":true}})";
  const std::string line = formatRecordLine(udp);
  EXPECT_NE(line.find("down 48.5 Mbps up 9.50 Mbps"), std::string::npos) << line;
}

}  // namespace
}  // namespace uplinkprobe::cli
