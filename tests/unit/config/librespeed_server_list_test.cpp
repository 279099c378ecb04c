// [[servers]] from a LibreSpeed server list (servers_file) and LibreSpeed's own path keys.
#include "agent/config/librespeed_server_list.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "agent/config/config_loader.h"
#include "tests/support/temp_dir.h"

namespace uplinkprobe::config {
namespace {

using uplinkprobe::testing::TempDir;

namespace fs = std::filesystem;

// The two entries of librespeed-cli's README ("Use a custom backend server list") plus the
// protocol-relative form of LibreSpeed's own server-list.json, with its sponsor fields.
const char* kList = R"([
  {"id": 1, "name": "PHP Backend", "server": "https://example.com/",
   "dlURL": "garbage.php", "ulURL": "empty.php", "pingURL": "empty.php", "getIpURL": "getIP.php"},
  {"id": 2, "name": "Go Backend", "server": "http://example.com/speedtest/",
   "dlURL": "garbage", "ulURL": "empty", "pingURL": "empty", "getIpURL": "getIP"},
  {"name": "Amsterdam, Netherlands", "server": "//ams.speedtest.example.net/backend", "id": 51,
   "dlURL": "garbage.php", "ulURL": "empty.php", "pingURL": "empty.php",
   "getIpURL": "getIP.php", "sponsorName": "Example", "sponsorURL": "https://example.net/"}
])";

TEST(LibrespeedServerList, ReadsTheFormatOfItsWebUiAndCli) {
  auto l = parseLibrespeedServerList(kList, "servers.json");
  ASSERT_TRUE(l.ok()) << l.error().message;
  ASSERT_EQ(l->size(), 3u);
  EXPECT_EQ((*l)[0].name, "PHP Backend");
  EXPECT_EQ((*l)[0].kind, "librespeed");
  EXPECT_EQ((*l)[0].url, "https://example.com/");
  EXPECT_EQ((*l)[0].dl_url, "garbage.php");
  EXPECT_EQ((*l)[1].getip_url, "getIP");
  EXPECT_EQ((*l)[1].url, "http://example.com/speedtest/");
  // No scheme: http, as librespeed-cli does without --secure.
  EXPECT_EQ((*l)[2].url, "http://ams.speedtest.example.net/backend");
  EXPECT_EQ((*l)[2].from_file, "servers.json");
}

TEST(LibrespeedServerList, MissingPathsTakeDefaultsAndIdNamesAnUnnamedEntry) {
  auto l = parseLibrespeedServerList(R"([{"id": 7, "server": "http://h/"}])", "s.json");
  ASSERT_TRUE(l.ok()) << l.error().message;
  EXPECT_EQ((*l)[0].name, "librespeed-7");
  EXPECT_EQ((*l)[0].dl_url, "");  // the engine's default: garbage.php
}

TEST(LibrespeedServerList, RefusalsNameTheFileTheEntryAndTheField) {
  auto msg = [](const std::string& json) {
    auto l = parseLibrespeedServerList(json, "s.json");
    EXPECT_FALSE(l.ok()) << json;
    return l.ok() ? std::string() : l.error().message;
  };
  EXPECT_EQ(msg("{}"),
            "s.json: expected a JSON array of LibreSpeed servers ([{\"name\": …, "
            "\"server\": …}])");
  EXPECT_EQ(msg("[1"), "s.json: not valid JSON");
  EXPECT_EQ(msg("[]"), "s.json: the list is empty");
  EXPECT_EQ(msg(R"([{"name": "a"}])"),
            "s.json: entry 1 (\"a\"): server: is required (the backend's base URL)");
  EXPECT_EQ(msg(R"([{"name": "a", "server": "ftp://x/"}])"),
            "s.json: entry 1 (\"a\"): server: expected http://, https:// or // (\"ftp://x/\")");
  EXPECT_EQ(msg(R"([{"name": "a", "server": "http://x/", "dlURL": 5}])"),
            "s.json: entry 1 (\"a\"): dlURL: expected a string");
  EXPECT_NE(msg(R"([{"server": "http://x/", "ulURL": "http://evil/"}])").find("entry 1: ulURL:"),
            std::string::npos);
  EXPECT_NE(msg(R"([{"server": "http://x/", "pingURL": "../../etc"}])").find("\"..\""),
            std::string::npos);
  std::string many = "[";
  for (int i = 0; i < 17; ++i) many += std::string(i ? "," : "") + R"({"server": "http://x/"})";
  EXPECT_NE(msg(many + "]").find("17 servers: at most 16"), std::string::npos);
}

class ServersFileTest : public ::testing::Test {
 protected:
  void SetUp() override { std::ofstream(dir_ / "servers.json") << kList; }
  TempDir dir_{"uplinkprobe-serverlist-"};
};

TEST_F(ServersFileTest, EntriesJoinTheTomlServersAndRelativePathsAreFromTheConfigDirectory) {
  const std::string toml =
      "[[servers]]\nname = \"own\"\nurl = \"http://127.0.0.1:8080/\"\ndlURL = \"garbage\"\n"
      "[throughput]\nservers_file = \"servers.json\"\n";
  auto c = loadConfigString(toml, (dir_ / "uplinkprobe.toml").string(), Purpose::kTest);
  ASSERT_TRUE(c.ok()) << c.error().message;
  ASSERT_EQ(c->servers.size(), 4u);
  EXPECT_EQ(c->servers[0].name, "own");
  EXPECT_EQ(c->servers[0].dl_url, "garbage");
  EXPECT_EQ(c->servers[3].url, "http://ams.speedtest.example.net/backend");
  // The list's content is part of the effective configuration, so of its hash.
  std::ofstream(dir_ / "servers.json") << R"([{"server": "http://other/"}])";
  auto d = loadConfigString(toml, (dir_ / "uplinkprobe.toml").string(), Purpose::kTest);
  ASSERT_TRUE(d.ok()) << d.error().message;
  EXPECT_NE(configHash(*c), configHash(*d));
}

TEST_F(ServersFileTest, ABadListIsAConfigErrorNamingTheKeyLineAndTheList) {
  std::ofstream(dir_ / "bad.json") << R"([{"name": "x", "server": "gopher://x/"}])";
  auto c = loadConfigString("[throughput]\nmax_seconds = 8\nservers_file = \"bad.json\"\n",
                            (dir_ / "u.toml").string(), Purpose::kTest);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().kind, ErrorKind::kConfig);
  EXPECT_EQ(c.error().message, (dir_ / "u.toml").string() + " line 3: [throughput] servers_file: " +
                                   (dir_ / "bad.json").string() +
                                   ": entry 1 (\"x\"): server: expected http://, https:// or // "
                                   "(\"gopher://x/\")");
  auto missing = loadConfigString("[throughput]\nservers_file = \"none.json\"\n",
                                  (dir_ / "u.toml").string(), Purpose::kTest);
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("line 2: [throughput] servers_file: "), std::string::npos)
      << missing.error().message;
}

TEST(LibrespeedPathKeys, BadValuesAreRefusedWithLineAndKey) {
  auto c =
      loadConfigString("[[servers]]\nurl = \"http://h/\"\npingURL = \"http://other/empty.php\"\n",
                       "f.toml", Purpose::kTest);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().message,
            "f.toml line 3: [[servers]] #1 pingURL: expected a path relative to url, e.g. "
            "\"garbage.php\" or \"backend/garbage\"");
  auto typo = loadConfigString("[[servers]]\nurl = \"http://h/\"\ndlUrl = \"garbage\"\n", "f.toml",
                               Purpose::kTest);
  ASSERT_FALSE(typo.ok());
  EXPECT_NE(typo.error().message.find("line 3"), std::string::npos) << typo.error().message;
  EXPECT_NE(typo.error().message.find("dlUrl"), std::string::npos);
}

}  // namespace
}  // namespace uplinkprobe::config
