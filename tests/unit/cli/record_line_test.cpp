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
      R"("start":"2026-12-01T23:50:00.000Z","duration_s":600,"class":"dns"})";
  EXPECT_EQ(formatRecordLine(outage),
            "     7 2026-12-02 09:53:27 +08:00 outage       dns outage 600 s from "
            "2026-12-02 07:50:00 +08:00");
  unsetenv("TZ");
  tzset();
}

}  // namespace
}  // namespace uplinkprobe::cli
