// daemon::validate(): the one validation path of check-config, run and reload (issue 9).
#include "agent/daemon/config_validation.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "agent/config/config_loader.h"
#include "agent/config/schema.h"
#include "tests/support/temp_dir.h"

namespace uplinkprobe::daemon {
namespace {

using uplinkprobe::testing::TempDir;

namespace fs = std::filesystem;

class ConfigValidation : public ::testing::Test {
 protected:
  config::Config load(const std::string& extra) {
    const std::string text =
        "[identity]\ndevice_id = \"dev-1\"\nschool_id = \"school-1\"\n"
        "[[servers]]\nurl = \"http://127.0.0.1:9/\"\n"
        "[storage]\ndir = \"" +
        (dir_ / "state").string() + "\"\n" + extra;
    auto c = config::loadConfigString(text, "f.toml", config::Purpose::kRun);
    EXPECT_TRUE(c.ok()) << c.error().message;
    return c.ok() ? *c : config::Config{};
  }
  TempDir dir_{"upvalidate-"};
};

TEST_F(ConfigValidation, AcceptsAGoodConfig) {
  auto v = validate(load("[availability]\ndns_servers = [\"127.0.0.1\"]\n"));
  EXPECT_TRUE(v.ok()) << v.summary();
}

TEST_F(ConfigValidation, NamesFileLineAndKeyAndListsEveryProblem) {
  // Lines 1-7: identity, servers, storage.
  auto v =
      validate(load("[availability]\n"                       // line 8
                    "dns_servers = [\"ns.example\"]\n"       // line 9
                    "gateway = \"router.lan\"\n"             // line 10
                    "[mqtt]\n"                               // line 11
                    "uri = \"tcp://127.0.0.1\"\n"            // line 12
                    "username = \"u\"\n"                     // line 13
                    "password_file = \"/nonexistent/pw\"\n"  // line 14
                    ));
  ASSERT_EQ(v.errors.size(), 2u) << v.summary();  // availability stops at its first problem
  EXPECT_EQ(v.errors[0].rfind("f.toml line 9: [availability] dns_servers: 'ns.example'", 0), 0u)
      << v.errors[0];
  EXPECT_EQ(v.errors[1].rfind("f.toml line 14: [mqtt] password_file", 0), 0u) << v.errors[1];
}

TEST_F(ConfigValidation, PeriodRelationsAndDnsName) {
  auto v =
      validate(load("[availability]\ndns_servers = [\"127.0.0.1\"]\ninterval_s = 600\n"
                    "report_period_s = 300\n"));
  ASSERT_FALSE(v.ok());
  EXPECT_NE(v.summary().find("line 11: [availability] report_period_s: must be at least"),
            std::string::npos)
      << v.summary();
  v = validate(load("[availability]\ndns_servers = [\"127.0.0.1\"]\ndns_name = \"a..b\"\n"));
  EXPECT_NE(v.summary().find("line 10: [availability] dns_name"), std::string::npos) << v.summary();
}

TEST_F(ConfigValidation, RefusesTheExampleIdentityPointingToCommission) {
  auto ex =
      config::loadConfigString(config::exampleConfig(), "example.toml", config::Purpose::kRun);
  ASSERT_TRUE(ex.ok());
  ex->storage.dir = (dir_ / "state").string();
  ex->availability.dns_servers = {"127.0.0.1"};
  ex->mqtt.uri = "";
  auto v = validate(*ex);
  ASSERT_FALSE(v.ok());
  EXPECT_NE(v.errors[0].find("[identity] device_id"), std::string::npos) << v.errors[0];
  EXPECT_NE(v.errors[0].find("uplinkprobe commission"), std::string::npos) << v.errors[0];
}

// [target] method "udp"/"both": the UDP server's key is read as the daemon reads it at each
// slot, so a missing key file or a key_id it does not hold is refused now instead of being
// journaled as a failed test at every slot. A TCP target leaves the entry to
// `uplinkprobe test --method udp`, run by whoever reads the file then.
TEST_F(ConfigValidation, TheScheduledUdpServersKeyIsReadAsTheDaemonReadsIt) {
  const std::string keys = (dir_ / "udpst.keys").string();
  std::ofstream(keys) << "3,labkey\n";
  const std::string missing = (dir_ / "missing.keys").string();
  auto udp = [&](const std::string& method, const std::string& file, int id) {
    return load("[target]\nmethod = \"" + method +
                "\"\n[[servers]]\nname = \"u\"\nkind = \"udpst\"\n"
                "url = \"udpst://127.0.0.1:24601\"\nkey_file = \"" +
                file + "\"\nkey_id = " + std::to_string(id) + "\n");
  };
  auto v = validate(udp("both", keys, 3));
  EXPECT_TRUE(v.ok()) << v.summary();
  v = validate(udp("udp", keys, 4));
  ASSERT_EQ(v.errors.size(), 1u) << v.summary();
  EXPECT_NE(v.errors[0].find("[[servers]] #2 key_id: " + keys + ": no key with id 4"),
            std::string::npos)
      << v.errors[0];
  v = validate(udp("udp", missing, 3));
  ASSERT_EQ(v.errors.size(), 1u) << v.summary();
  EXPECT_NE(v.errors[0].find("[[servers]] #2 key_file: \"" + missing + "\""), std::string::npos)
      << v.errors[0];
  EXPECT_TRUE(validate(udp("tcp", missing, 3)).ok());
  // A byte ceiling that cannot hold the shortest UDP test (5 s at 1.2 × the 100 Mbit/s floor
  // = 79 MB) is refused at the key that needs raising, not at every scheduled slot.
  v =
      validate(load("[target]\nmethod = \"udp\"\n[throughput]\nmax_mb_per_direction = 20\n"
                    "max_mb_ceiling = 20\n[[servers]]\nname = \"u\"\nkind = \"udpst\"\n"
                    "url = \"udpst://127.0.0.1:24601\"\n"));
  ASSERT_EQ(v.errors.size(), 1u) << v.summary();
  EXPECT_NE(v.errors[0].find("[throughput] max_mb_ceiling"), std::string::npos) << v.errors[0];
  EXPECT_NE(v.errors[0].find("at least 79"), std::string::npos) << v.errors[0];
}

TEST_F(ConfigValidation, FilesMustExistAndStorageMustBeCreatable) {
  std::ofstream(dir_ / "afile") << "x";
  auto v =
      validate(load("[availability]\ndns_servers = [\"127.0.0.1\"]\n[throughput]\nca_file = \"" +
                    (dir_ / "missing.pem").string() + "\"\n"));
  EXPECT_NE(v.summary().find("[throughput] ca_file"), std::string::npos) << v.summary();
  auto c = load("[availability]\ndns_servers = [\"127.0.0.1\"]\n");
  c.storage.dir = (dir_ / "afile" / "journal").string();
  v = validate(c);
  EXPECT_NE(v.summary().find("[storage] dir: cannot be created"), std::string::npos) << v.summary();
  c.storage.dir = (dir_ / "new" / "deeper").string();
  EXPECT_TRUE(validate(c).ok()) << validate(c).summary();
}

}  // namespace
}  // namespace uplinkprobe::daemon
