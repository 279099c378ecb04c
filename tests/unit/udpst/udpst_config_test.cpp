// [[servers]] kind = "udpst" in the agent's config: url udpst://…, key_file and key_id through
// the schema table, errors with file/line/key; TCP tests skip udpst servers.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "agent/config/config_loader.h"
#include "agent/daemon/measure_options.h"
#include "tests/support/temp_dir.h"

namespace uplinkprobe::config {
namespace {

using uplinkprobe::testing::TempDir;

TEST(UdpstConfig, ServerWithKey) {
  auto c = loadConfigString(
      "[[servers]]\nname = \"lab\"\nkind = \"udpst\"\nurl = \"udpst://198.18.2.2:24601\"\n"
      "key_file = \"/etc/uplinkprobe/udpst.keys\"\nkey_id = 3\n"
      "[[servers]]\nname = \"web\"\nurl = \"http://127.0.0.1:8080/\"\n",
      "t.toml", Purpose::kTest);
  ASSERT_TRUE(c.ok()) << c.error().message;
  ASSERT_EQ(c->servers.size(), 2u);
  EXPECT_EQ(c->servers[0].kind, "udpst");
  EXPECT_EQ(c->servers[0].key_file, "/etc/uplinkprobe/udpst.keys");
  EXPECT_EQ(c->servers[0].key_id, 3);
  auto opts = daemon::throughputOptionsFromConfig(*c);
  ASSERT_EQ(opts.servers.size(), 1u);  // the TCP engine never gets the udpst server
  EXPECT_EQ(opts.servers[0].name, "web");
}

TEST(UdpstConfig, KindAndUrlMustAgree) {
  auto c = loadConfigString("[[servers]]\nname = \"a\"\nkind = \"udpst\"\nurl = \"http://x/\"\n",
                            "t.toml", Purpose::kTest);
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message.find("needs url udpst://HOST[:PORT]"), std::string::npos)
      << c.error().message;
  EXPECT_NE(c.error().message.find("t.toml"), std::string::npos) << c.error().message;
  c = loadConfigString("[[servers]]\nname = \"a\"\nurl = \"udpst://x\"\n", "t.toml",
                       Purpose::kTest);
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message.find("needs kind \"udpst\""), std::string::npos) << c.error().message;
  c = loadConfigString(
      "[[servers]]\nname = \"a\"\nkind = \"udpst\"\nurl = \"udpst://x\"\nkey_id = 300\n", "t.toml",
      Purpose::kTest);
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message.find("key_id"), std::string::npos) << c.error().message;
}

// The tests of a scheduled slot follow [target] method, TCP first for "both".
TEST(UdpstConfig, SlotMethods) {
  EXPECT_EQ(daemon::slotMethods("tcp"), std::vector<std::string>{"tcp"});
  EXPECT_EQ(daemon::slotMethods("udp"), std::vector<std::string>{"udp"});
  EXPECT_EQ(daemon::slotMethods("both"), (std::vector<std::string>{"tcp", "udp"}));
}

// One builder of UDP test options for `uplinkprobe test --method udp` and the daemon: the
// first udpst server, its key read from key_file, maxBandwidth = 1.2 × the targets.
TEST(UdpstConfig, UdpOptionsFromTheFirstUdpstServer) {
  const TempDir dir("udpst-config-");
  const std::string keys = (dir / "udpst.keys").string();
  std::ofstream(keys) << "3,labkey\n9,other\n";
  auto c = loadConfigString(
      "[target]\nfloor_down_mbps = 50\ncontracted_up_mbps = 10\n"
      "[[servers]]\nname = \"web\"\nurl = \"http://127.0.0.1:8080/\"\n"
      "[[servers]]\nname = \"lab\"\nkind = \"udpst\"\nurl = \"udpst://198.18.2.2:25000\"\n"
      "key_file = \"" +
          keys +
          "\"\nkey_id = 9\n"
          "[[servers]]\nname = \"second\"\nkind = \"udpst\"\nurl = \"udpst://198.18.2.3\"\n",
      "t.toml", Purpose::kTest);
  ASSERT_TRUE(c.ok()) << c.error().message;
  auto server = daemon::firstUdpstServer(*c);
  ASSERT_TRUE(server.has_value());
  EXPECT_EQ(server->name, "lab");
  auto o = daemon::udpCapacityOptions(*c, std::nullopt, *server);
  ASSERT_TRUE(o.ok()) << o.error().message;
  EXPECT_EQ(o->server_name, "lab");
  EXPECT_EQ(o->host, "198.18.2.2");
  EXPECT_EQ(o->port, 25000);
  EXPECT_EQ(o->key, std::optional<std::string>("other"));
  EXPECT_EQ(o->key_id, 9);
  EXPECT_EQ(o->max_mbps_down, 60);  // 50 × 1.2
  EXPECT_EQ(o->max_mbps_up, 12);    // 10 × 1.2
  EXPECT_TRUE(o->download && o->upload);
  EXPECT_EQ(o->seconds, 10);  // 60 Mbit/s for 10 s is far inside the 400 MB ceiling
  // --target overrides the download target; no upload contract: the download target.
  c->target.contracted_up_mbps = 0;
  o = daemon::udpCapacityOptions(*c, 100.0, *server);
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(o->max_mbps_down, 120);
  EXPECT_EQ(o->max_mbps_up, 120);
  // The byte ceiling bounds the test time: 120 Mbit/s (+5 % headers) is 15.75 MB/s, so
  // 100 MB hold 6 s; 78 MB cannot hold the shortest test (5 s = 78.75 MB).
  c->throughput.max_mb_ceiling = 100;
  o = daemon::udpCapacityOptions(*c, 100.0, *server);
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(o->seconds, 6);
  c->throughput.max_mb_ceiling = 78;
  o = daemon::udpCapacityOptions(*c, 100.0, *server);
  ASSERT_FALSE(o.ok());
  EXPECT_EQ(o.error().kind, ErrorKind::kBudget);
  EXPECT_NE(o.error().message.find("at least 79"), std::string::npos) << o.error().message;
  c->throughput.max_mb_ceiling = 400;
  // Errors by kind, for the CLI's messages and exit codes.
  server->key_id = 4;
  EXPECT_EQ(daemon::udpCapacityOptions(*c, std::nullopt, *server).error().kind, ErrorKind::kKeyId);
  server->key_file = (dir / "missing").string();
  EXPECT_EQ(daemon::udpCapacityOptions(*c, std::nullopt, *server).error().kind, ErrorKind::kConfig);
  server->url = "http://x/";
  EXPECT_EQ(daemon::udpCapacityOptions(*c, std::nullopt, *server).error().kind, ErrorKind::kUrl);
  // No key file: an unauthenticated test (servers started with --udpst-no-auth).
  daemon::UdpServerChoice open{"open", "udpst://127.0.0.1", "", 0};
  o = daemon::udpCapacityOptions(*c, std::nullopt, open);
  ASSERT_TRUE(o.ok());
  EXPECT_FALSE(o->key.has_value());
  EXPECT_FALSE(daemon::firstUdpstServer(Config{}).has_value());
}

}  // namespace
}  // namespace uplinkprobe::config
