// The messages other modules make in English and the CLI shows a person (message_words.h):
// each real message below — made by the config loader, the schema, the daemon's config
// validation, the measurement engine's curl classifier and the argument parser, not copied —
// must match a pattern, so a reworded message fails here instead of silently showing up in
// English inside a Chinese screen. In English the text is returned unchanged. (The Chinese
// rendering itself, through the compiled catalog, is checked by output_width_test.)
#include "agent/cli/message_words.h"

#include <gtest/gtest.h>

#include <cerrno>

#include "agent/cli/arg_parser.h"
#include "agent/cli/i18n.h"
#include "agent/config/config_loader.h"
#include "agent/config/schema.h"
#include "agent/daemon/config_validation.h"
#include "agent/measure/curl_common.h"

namespace uplinkprobe::cli {
namespace {

std::string loadError(const std::string& toml, config::Purpose p = config::Purpose::kTest) {
  auto c = config::loadConfigString(toml, "/etc/uplinkprobe/uplinkprobe.toml", p);
  EXPECT_FALSE(c) << toml;
  return c ? "" : c.error().message;
}

TEST(MessageWords, EveryConfigLoaderMessageHasAPattern) {
  initLanguage(Language::kEnglish);
  for (const std::string toml : {
           "[target]\nfloor_down_mbps = \"fast\"\n",
           "[identity]\nbogus = 1\n",
           "[bogus]\nx = 1\n",
           "[throughput]\nmax_seconds = 1000\n",
           "[schedule]\nwindows = [\"8-17\"]\n",
           "[schedule]\nwindows = [\"08:00-25:00\"]\n",
           "[schedule]\nwindows = [\"17:00-08:00\"]\n",
           "[schedule]\ntimezone = \"Mars/Olympus\"\n",
           "[availability]\ntcp_targets = [\"nohost\"]\n",
           "[availability]\ntcp_targets = [\"h:70000\"]\n",
           "[mqtt]\nuri = \"http://x\"\n",
           "[mqtt]\nusername = \"u\"\n",
           "[mqtt]\ncert_file = \"/c.pem\"\n",
           "[identity]\ndevice_id = \"a b\"\n",
           "[[servers]]\nname = \"s\"\nkind = \"http\"\n",
           "[[servers]]\nname = \"s\"\nurl = \"ftp://x\"\n",
           "[alert]\nbreach_after = 9\nbreach_window = 3\n",
           "servers = 1\n",
       }) {
    const std::string e = loadError(toml);
    EXPECT_TRUE(messageKnown(e)) << e;
    EXPECT_EQ(personMessage(e), e);  // English: unchanged
  }
  const std::string required = loadError("[identity]\ndevice_id = \"\"\n", config::Purpose::kRun);
  EXPECT_TRUE(messageKnown(required)) << required;
  EXPECT_FALSE(messageKnown("/etc/x.toml line 3: [mqtt] uri: a brand new problem"));
  EXPECT_FALSE(messageKnown("something else entirely"));
}

TEST(MessageWords, ValidationPlaceholdersAndArgumentErrorsHaveAPattern) {
  auto c = config::loadConfigString(config::exampleConfig(), "/etc/uplinkprobe/uplinkprobe.toml",
                                    config::Purpose::kTest);
  ASSERT_TRUE(c);
  const auto v = daemon::validate(*c);
  ASSERT_GE(v.errors.size(), 2u);
  for (const auto& e : v.errors) {
    if (e.find("placeholder") != std::string::npos) {
      EXPECT_TRUE(messageKnown(e)) << e;
    }
  }
  // A UDP target whose byte ceiling cannot hold the shortest test (measure_options.cpp).
  auto udp = config::loadConfigString(
      "[target]\nfloor_down_mbps = 1000\nmethod = \"udp\"\n[[servers]]\nname = \"u\"\n"
      "kind = \"udpst\"\nurl = \"udpst://127.0.0.1:25000\"\n",
      "/etc/uplinkprobe/uplinkprobe.toml", config::Purpose::kTest);
  ASSERT_TRUE(udp) << udp.error().message;
  bool budget_seen = false;
  for (const auto& e : daemon::validate(*udp).errors) {
    if (e.find("max_mb_ceiling") == std::string::npos) continue;
    budget_seen = true;
    EXPECT_TRUE(messageKnown(e)) << e;
  }
  EXPECT_TRUE(budget_seen);
  for (const std::vector<std::string>& argv :
       {std::vector<std::string>{"--bogus"}, {"--config"}, {"--json=1"}, {"stray"}}) {
    auto p = parseArgs(argv, {"--json"}, {"--config"});
    ASSERT_FALSE(p);
    EXPECT_TRUE(messageKnown(p.error().message)) << p.error().message;
  }
}

TEST(MessageWords, TheEnginesConnectionErrorsHaveAPattern) {
  const std::string url = "http://127.0.0.1:9/garbage";
  for (const auto& e : {
           measure::classifyCurlFailure(CURLE_COULDNT_CONNECT, ECONNREFUSED, 0, url, "",
                                        "download"),
           measure::classifyCurlFailure(CURLE_COULDNT_CONNECT, EHOSTUNREACH, 0, url, "", "upload"),
           measure::classifyCurlFailure(CURLE_COULDNT_RESOLVE_HOST, 0, 0, url, "", "download"),
           measure::classifyCurlFailure(CURLE_OPERATION_TIMEDOUT, 0, 0, url, "", "download"),
           measure::classifyCurlFailure(CURLE_HTTP_RETURNED_ERROR, 0, 404, url, "", "download"),
           measure::classifyCurlFailure(CURLE_PEER_FAILED_VERIFICATION, 0, 0, url, "bad cert",
                                        "download"),
           measure::classifyCurlFailure(CURLE_RECV_ERROR, 0, 0, url, "", "upload"),
       })
    EXPECT_TRUE(messageKnown(e.message)) << e.message;
}

}  // namespace
}  // namespace uplinkprobe::cli
