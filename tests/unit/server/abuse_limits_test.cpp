// The server's answers to "any web page can make every visitor pull gigabytes" (issue 15):
// the origin allow-list, the per-client byte budget and the privacy-aware access log.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "http/request_head_parser.h"
#include "server/access_log.h"
#include "server/client_budget.h"
#include "server/router.h"
#include "tests/support/temp_dir.h"

namespace uplinkprobe::server {
namespace {

using uplinkprobe::testing::TempDir;

using namespace std::chrono_literals;
constexpr std::uint64_t kMiB = 1024 * 1024;

Request req(const std::string& text) {
  http::RequestHeadParser p{http::ParseLimits{}};
  auto r = p.parse(text);
  EXPECT_EQ(r.state, http::HeadParseResult::State::kComplete) << text;
  return r.request;
}

bool hasHeader(const Response& r, const std::string& line) {
  return r.head.find("\r\n" + line + "\r\n") != std::string::npos;
}

TEST(Cors, StarWithoutAListEchoWithOne) {
  auto any = respond(req("GET /getIP HTTP/1.1\r\nOrigin: https://evil.example\r\n\r\n"), {});
  EXPECT_TRUE(hasHeader(any, "Access-Control-Allow-Origin: *")) << "LibreSpeed default kept";

  std::vector<std::string> allowed = {"https://speed.example"};
  RouteContext ctx;
  ctx.cors_origins = &allowed;
  auto ok =
      respond(req("GET /garbage?ckSize=1 HTTP/1.1\r\nOrigin: https://speed.example\r\n\r\n"), ctx);
  EXPECT_EQ(ok.status, 200);
  EXPECT_TRUE(hasHeader(ok, "Access-Control-Allow-Origin: https://speed.example"));
  EXPECT_TRUE(hasHeader(ok, "Vary: Origin"));

  auto evil = respond(
      req("GET /garbage?ckSize=1024 HTTP/1.1\r\nOrigin: https://evil.example\r\n\r\n"), ctx);
  EXPECT_EQ(evil.status, 403);
  EXPECT_EQ(evil.payload_bytes, 0u);
  auto evil_ip = respond(req("GET /getIP HTTP/1.1\r\nOrigin: https://evil.example\r\n\r\n"), ctx);
  EXPECT_EQ(evil_ip.head.find("Access-Control-Allow-Origin"), std::string::npos);
  // Agents and curl send no Origin: served as always.
  EXPECT_EQ(respond(req("GET /garbage?ckSize=1 HTTP/1.1\r\n\r\n"), ctx).status, 200);
}

TEST(ClientBudget, RefusesOverTheWindowAndForgetsAfterIt) {
  ManualClock clock;
  ClientBudget budget(10 * kMiB, 3600s, clock);
  EXPECT_TRUE(budget.charge("192.0.2.1", 6 * kMiB).allowed);
  auto over = budget.charge("192.0.2.1", 6 * kMiB);
  EXPECT_FALSE(over.allowed);
  EXPECT_EQ(over.retry_after, 3600s);
  EXPECT_TRUE(budget.charge("192.0.2.2", 6 * kMiB).allowed) << "another client has its own";
  EXPECT_TRUE(budget.charge("192.0.2.1", 4 * kMiB).allowed) << "what fits still fits";
  clock.advance(3600s);
  EXPECT_TRUE(budget.charge("192.0.2.1", 10 * kMiB).allowed);
  ClientBudget off(0, 3600s, clock);
  EXPECT_TRUE(off.charge("x", 1ull << 40).allowed);
}

class AccessLogTest : public ::testing::Test {
 protected:
  static std::string read(const std::filesystem::path& p) {
    std::ifstream in(p);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  }
  TempDir dir_{"up-access-"};
};

TEST_F(AccessLogTest, HandlerLogsNetworksNotAddressesAndAppliesTheBudget) {
  auto log = AccessLog::open((dir_ / "access.log").string(), 1 << 20);
  ASSERT_TRUE(log.ok());
  ManualClock clock;
  SpeedTestOptions o;
  o.budget_bytes = 8 * kMiB;
  o.access_log = log->get();
  SpeedTestHandler handler(o, clock);
  http::RequestContext ctx;
  ctx.peer_ip = "198.51.100.77";
  auto get = req("GET /garbage.php?ckSize=4&r=secret-token HTTP/1.1\r\nUser-Agent: Kid\r\n\r\n");
  EXPECT_EQ(handler.respond(get, ctx).status, 200);
  EXPECT_EQ(handler.respond(get, ctx).status, 200);
  auto refused = handler.respond(get, ctx);
  EXPECT_EQ(refused.status, 429);
  EXPECT_EQ(refused.payload_bytes, 0u);
  EXPECT_NE(refused.head.find("\r\nRetry-After: 3600\r\n"), std::string::npos) << refused.head;
  http::RequestContext other;
  other.peer_ip = "198.51.101.1";
  EXPECT_EQ(handler.respond(get, other).status, 200);
  // An unknown path is logged as "-", never as the client wrote it.
  handler.respond(req("GET /wp-admin/%1b%5b2J?user=kid HTTP/1.1\r\n\r\n"), ctx);

  const std::string text = read(dir_ / "access.log");
  EXPECT_NE(text.find(" 198.51.100.0/24 GET /garbage.php ckSize=4 200 4194304\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find(" 198.51.100.0/24 GET /garbage.php ckSize=4 429 "), std::string::npos);
  EXPECT_NE(text.find(" 198.51.100.0/24 GET - - 404 "), std::string::npos) << text;
  EXPECT_EQ(text.find("198.51.100.77"), std::string::npos) << "full address logged";
  EXPECT_EQ(text.find("secret-token"), std::string::npos) << "query logged";
  EXPECT_EQ(text.find("Kid"), std::string::npos) << "user agent logged";
  EXPECT_EQ(AccessLog::network("2001:db8:1:2::7"), "2001:db8:1::/48");
  EXPECT_EQ(AccessLog::network("not an ip"), "unknown");
}

TEST_F(AccessLogTest, RotatesAtTheLimitSoAtMostTwoFilesExist) {
  auto log = AccessLog::open((dir_ / "access.log").string(), 1000);
  ASSERT_TRUE(log.ok());
  const std::string line(99, 'x');  // 100 bytes with the newline
  for (int i = 0; i < 35; ++i) (*log)->write(line);
  EXPECT_LE(std::filesystem::file_size(dir_ / "access.log"), 1000u);
  EXPECT_LE(std::filesystem::file_size(dir_ / "access.log.1"), 1000u);
  EXPECT_FALSE(std::filesystem::exists(dir_ / "access.log.2"));
  EXPECT_EQ((*log)->failures(), 0u);
}

}  // namespace
}  // namespace uplinkprobe::server
