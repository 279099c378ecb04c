#include <gtest/gtest.h>

#include "collector/config/config_loader.h"
#include "collector/config/schema.h"

namespace uplinkprobe::collector::config {
namespace {

TEST(CollectorConfig, DefaultsWhenEmpty) {
  auto c = loadConfigString("", "empty.toml");
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->http.listen, "127.0.0.1:8088");
  EXPECT_FALSE(c->http.allow_remote);
  EXPECT_EQ(c->database.url, "sqlite:///var/lib/uplinkprobe-collector/ledger.db");
  EXPECT_EQ(c->database.sqlite_synchronous, "normal");
  EXPECT_DOUBLE_EQ(c->ledger.target_mbps, 100);
  EXPECT_EQ(c->ledger.stale_after_hours, 24);
  EXPECT_EQ(c->schoolHoursWindows(), std::vector<std::string>{"Mon-Fri 08:00-17:00"});
}

TEST(CollectorConfig, ExampleConfigLoadsAndSendsNothing) {
  auto c = loadConfigString(exampleConfig(), "example");
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_TRUE(c->notify.empty());
  for (const auto& k : schema())
    EXPECT_NE(exampleConfig().find(std::string(k.key) + " = "), std::string::npos) << k.key;
}

TEST(CollectorConfig, ErrorsNameFileLineAndKey) {
  auto unknown = loadConfigString("[ledger]\ntarget_mbps = 100\ntraget = 3\n", "c.toml");
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().kind, ErrorKind::kConfig);
  EXPECT_NE(unknown.error().message.find("c.toml line 3"), std::string::npos)
      << unknown.error().message;
  EXPECT_NE(unknown.error().message.find("traget"), std::string::npos);

  auto range = loadConfigString("\n[ledger]\ntarget_mbps = 0\n", "c.toml");
  ASSERT_FALSE(range);
  EXPECT_NE(range.error().message.find("c.toml line 3: [ledger] target_mbps"), std::string::npos)
      << range.error().message;

  auto hours = loadConfigString("[ledger]\nschool_hours = \"Mon-Fri 17:00-08:00\"\n", "c.toml");
  ASSERT_FALSE(hours);
  EXPECT_NE(hours.error().message.find("school_hours"), std::string::npos);

  auto url = loadConfigString("[database]\nurl = \"mysql://x\"\n", "c.toml");
  ASSERT_FALSE(url);
  EXPECT_NE(url.error().message.find("[database] url"), std::string::npos);

  auto sync = loadConfigString("[database]\nsqlite_synchronous = \"off\"\n", "c.toml");
  ASSERT_FALSE(sync);

  auto notify = loadConfigString("[[notify]]\nformat = \"wecom\"\n", "c.toml");
  ASSERT_FALSE(notify);
  EXPECT_NE(notify.error().message.find("url is required"), std::string::npos);

  auto event =
      loadConfigString("[[notify]]\nurl = \"https://x/\"\nevents = [\"boom\"]\n", "c.toml");
  ASSERT_FALSE(event);
  EXPECT_NE(event.error().message.find("[[notify]] #1 events"), std::string::npos)
      << event.error().message;

  auto type = loadConfigString("[http]\nallow_remote = \"yes\"\n", "c.toml");
  ASSERT_FALSE(type);
  EXPECT_NE(type.error().message.find("expected true or false"), std::string::npos);
}

TEST(CollectorConfig, NotifyTargetsAndSchoolHoursList) {
  auto c = loadConfigString(
      "[ledger]\nschool_hours = \"Mon-Fri 08:00-17:00, Sat 08:00-12:00\"\n"
      "[[notify]]\nurl = \"https://a/\"\nformat = \"dingtalk\"\n"
      "[[notify]]\nname = \"ops\"\nurl = \"http://b/\"\nevents = [\"school_stale\"]\n",
      "c.toml");
  ASSERT_TRUE(c) << c.error().message;
  ASSERT_EQ(c->notify.size(), 2u);
  EXPECT_EQ(c->notify[0].name, "notify1");
  EXPECT_EQ(c->notify[0].format, "dingtalk");
  EXPECT_EQ(c->notify[1].events, std::vector<std::string>{"school_stale"});
  EXPECT_EQ(c->schoolHoursWindows().size(), 2u);
}

}  // namespace
}  // namespace uplinkprobe::collector::config
