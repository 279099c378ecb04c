// NotifyService end to end on a real SQLite database and a loopback webhook receiver: an
// alert record handed over by ingest arrives as a WeCom body carrying the registry's school
// name (learnt by the stale check from the ledger).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "collector/notify/notify_service.h"
#include "collector/store/schema.h"
#include "tests/support/collector_db.h"
#include "tests/support/collector_records.h"
#include "tests/support/http_receiver.h"

namespace uplinkprobe::collector::notify {
namespace {

using namespace uplinkprobe::testing;

TEST(NotifyService, AlertRecordBecomesARobotMessageWithTheSchoolName) {
  auto db = openTestDatabase("sqlite");
  ASSERT_TRUE(db);
  ASSERT_TRUE(migrateStore(*db));
  ASSERT_TRUE(
      db->execute("INSERT INTO schools (school_id, name, province, city, county, "
                  "updated_ms) VALUES ('S1', '南湖小学', '吉林省', '长春市', '南关区', 0)"));
  HttpReceiver rx;
  NotifyServiceOptions o;
  NotifyTarget t;
  t.name = "ops";
  t.url = rx.url("/cgi-bin/webhook/send?key=k");
  t.format = Format::kWeCom;
  o.targets = {t};
  o.check_interval = std::chrono::hours(1);
  NotifyService service(o, std::move(db));
  service.start();  // runs the first stale check at once (baseline, learns the registry)

  auto rec = envelope("alert", "S1", "D1", "j1", 9, utcMs(2026, 12, 2, 1, 53));
  rec["alert"] = "breach_opened";
  rec["type"] = "throughput";
  ASSERT_TRUE(service.checkStale().ok());
  EXPECT_EQ(service.onStored(
                {valid(rec),
                 valid(throughputRecord("S1", "D1", "j1", 10, utcMs(2026, 12, 2, 2, 0), 150, 30))}),
            1u);
  ASSERT_TRUE(rx.waitFor(1));
  auto body = nlohmann::json::parse(rx.requests()[0].body);
  EXPECT_EQ(body["msgtype"], "markdown");
  std::string content = body["markdown"]["content"];
  EXPECT_EQ(content.rfind("### 【告警】南湖小学 带宽不达标\n", 0), 0u) << content;
  EXPECT_NE(content.find("- 地区：长春市 南关区\n"), std::string::npos);
  EXPECT_EQ(rx.requests()[0].target, "/cgi-bin/webhook/send?key=k");
  service.stop();
  EXPECT_EQ(service.notifier().stats().targets[0].sent, 1u);
}

}  // namespace
}  // namespace uplinkprobe::collector::notify
