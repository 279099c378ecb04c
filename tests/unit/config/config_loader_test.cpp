#include "agent/config/config_loader.h"

#include <gtest/gtest.h>

#include "agent/config/schema.h"

namespace uplinkprobe::config {
namespace {

const char* kGood = R"(
[identity]
device_id = "dev-1"
school_id = "220102-0001"
[target]
floor_down_mbps = 100
contracted_down_mbps = 200
[[servers]]
name = "a"
url = "http://127.0.0.1:8080/"
[[servers]]
name = "b"
kind = "http"
download_url = "http://127.0.0.1:8081/big.bin"
upload_url = "http://127.0.0.1:8081/up"
[mqtt]
uri = "tcp://127.0.0.1:1883"
)";

TEST(ConfigLoader, LoadsValidConfig) {
  auto c = loadConfigString(kGood, "t.toml", Purpose::kRun);
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->identity.device_id, "dev-1");
  ASSERT_EQ(c->servers.size(), 2u);
  EXPECT_EQ(c->servers[1].kind, "http");
  EXPECT_DOUBLE_EQ(c->target.effectiveDownMbps(), 200);
  EXPECT_EQ(c->throughput.streams_max, 16);  // default kept
}

TEST(ConfigLoader, UnknownKeyNamesFileLineAndKey) {
  auto c =
      loadConfigString("[mqtt]\nuri = \"tcp://x:1\"\nurl = \"typo\"\n", "f.toml", Purpose::kTest);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().message, "f.toml line 3: [mqtt]: unknown key \"url\"");
}

TEST(ConfigLoader, WrongTypeIsAnError) {
  auto c = loadConfigString("[throughput]\nmax_seconds = \"eight\"\n", "f.toml", Purpose::kTest);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().message, "f.toml line 2: [throughput] max_seconds: expected a number");
}

TEST(ConfigLoader, OutOfRangeIsAnError) {
  auto c = loadConfigString("[throughput]\nstreams_max = 1000\n", "f.toml", Purpose::kTest);
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message.find("must be between 1 and 32"), std::string::npos);
}

TEST(ConfigLoader, SemanticChecksReportTheFix) {
  auto c = loadConfigString("[mqtt]\nuri = \"http://broker\"\n", "f.toml", Purpose::kTest);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().message, "f.toml line 2: [mqtt] uri: expected tcp:// or ssl://");
  c = loadConfigString("[identity]\ndevice_id = \"a/b\"\n", "f.toml", Purpose::kTest);
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message.find("MQTT topics"), std::string::npos);
  c = loadConfigString("[schedule]\nwindows = [\"17:00-08:00\"]\n", "f.toml", Purpose::kTest);
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message.find("start must be before end"), std::string::npos);
}

TEST(ConfigLoader, UnknownSectionAndSyntaxErrors) {
  auto c = loadConfigString("[mqt]\nuri = \"tcp://x:1\"\n", "f.toml", Purpose::kTest);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().message, "f.toml line 1: unknown section [mqt]");
  c = loadConfigString("[mqtt\n", "f.toml", Purpose::kTest);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().message.rfind("f.toml line 1:", 0), 0u) << c.error().message;
}

TEST(ConfigLoader, RunNeedsIdentityAndServers) {
  auto c =
      loadConfigString("[[servers]]\nurl = \"http://127.0.0.1:1/\"\n", "f.toml", Purpose::kRun);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().message, "f.toml: [identity] device_id: is required");
  c = loadConfigString("[[servers]]\nkind = \"http\"\n", "f.toml", Purpose::kTest);
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message.find("needs download_url and upload_url"), std::string::npos);
}

// [target] method (issue 17): "tcp" by default; "udp" and "both" need a udpst server, and
// the message says what to add; any other value names the key and the allowed values.
TEST(ConfigLoader, TargetMethod) {
  auto c = loadConfigString(kGood, "t.toml", Purpose::kRun);
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->target.method, "tcp");

  const std::string with_udpst =
      "[[servers]]\nname = \"u\"\nkind = \"udpst\"\nurl = \"udpst://127.0.0.1:24601\"\n";
  for (const char* m : {"tcp", "udp", "both"}) {
    const std::string text =
        "[identity]\ndevice_id = \"d\"\nschool_id = \"s\"\n[target]\n"
        "method = \"" +
        std::string(m) + "\"\n" + with_udpst;
    auto ok = loadConfigString(text, "t.toml", Purpose::kRun);
    ASSERT_TRUE(ok.ok()) << m << ": " << ok.error().message;
    EXPECT_EQ(ok->target.method, m);
  }

  c = loadConfigString("[target]\nmethod = \"quic\"\n", "f.toml", Purpose::kTest);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().message,
            "f.toml line 2: [target] method: \"quic\": expected \"tcp\", \"udp\" or \"both\"");
  c = loadConfigString("[target]\nmethod = \"\"\n", "f.toml", Purpose::kTest);
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message.find("[target] method"), std::string::npos) << c.error().message;

  // UDP without a udpst server: refused for run/check-config, with what to add.
  const std::string no_udpst =
      "[identity]\ndevice_id = \"d\"\nschool_id = \"s\"\n[target]\n"
      "method = \"both\"\n[[servers]]\nname = \"a\"\n"
      "url = \"http://127.0.0.1:8080/\"\n";
  c = loadConfigString(no_udpst, "f.toml", Purpose::kRun);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().message.rfind("f.toml line 5: [target] method: \"both\" needs a UDP server: "
                                    "add a [[servers]] entry with kind = \"udpst\"",
                                    0),
            0u)
      << c.error().message;
  // `uplinkprobe test` may name the server with --server udpst://….
  EXPECT_TRUE(loadConfigString(no_udpst, "f.toml", Purpose::kTest).ok());
}

TEST(ConfigLoader, MissingFileIsClear) {
  auto c = loadConfigFile("/nonexistent/uplinkprobe.toml", Purpose::kRun);
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message.find("cannot open"), std::string::npos);
}

TEST(ConfigSchema, GeneratedExampleLoadsAndCoversEveryKey) {
  std::string ex = exampleConfig();
  auto c = loadConfigString(ex, "example.toml", Purpose::kRun);
  ASSERT_TRUE(c.ok()) << c.error().message;
  for (const auto& k : schema())
    EXPECT_NE(ex.find("\n" + std::string(k.key) + " = "), std::string::npos) << k.key;
}

}  // namespace
}  // namespace uplinkprobe::config
