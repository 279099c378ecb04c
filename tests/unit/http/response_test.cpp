#include "http/response.h"

#include <gtest/gtest.h>

#include "http/listen_address.h"

namespace uplinkprobe::http {
namespace {

TEST(Response, MakeResponseAnnouncesLengthAndConnection) {
  auto r = makeResponse(200, "application/json", "{}", false, "X-A: 1\r\n");
  EXPECT_EQ(r.head,
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-A: 1\r\n"
            "Content-Length: 2\r\nConnection: keep-alive\r\n\r\n");
  EXPECT_EQ(r.body, "{}");
  EXPECT_FALSE(r.close);
}

TEST(Response, HeadOnlyKeepsLengthDropsBody) {
  auto r = makeResponse(404, "text/plain", "nope", true, {}, true);
  EXPECT_EQ(r.head.rfind("HTTP/1.1 404 Not Found\r\n", 0), 0u);
  EXPECT_NE(r.head.find("Content-Length: 4\r\nConnection: close\r\n\r\n"), std::string::npos);
  EXPECT_TRUE(r.body.empty());
  EXPECT_TRUE(r.close);
}

TEST(Response, ErrorResponseIsNoStoreText) {
  auto r = errorResponse(400, "bad", true);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body, "bad\n");
  EXPECT_NE(r.head.find("Cache-Control: no-store"), std::string::npos);
  EXPECT_STREQ(reasonPhrase(429), "Too Many Requests");
}

TEST(ListenAddress, ParsesAndKnowsLoopback) {
  auto a = parseListenAddress("127.0.0.1:8088");
  ASSERT_TRUE(a.ok());
  EXPECT_TRUE(a->isLoopback());
  EXPECT_TRUE(parseListenAddress("[::1]:0")->isLoopback());
  EXPECT_TRUE(parseListenAddress("127.1.2.3:80")->isLoopback());
  EXPECT_FALSE(parseListenAddress("0.0.0.0:8088")->isLoopback());
  EXPECT_FALSE(parseListenAddress("[::]:8088")->isLoopback());
  EXPECT_FALSE(parseListenAddress("10.0.0.1:8088")->isLoopback());
  auto bad = parseListenAddress("localhost:80");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().kind, ErrorKind::kAddress);
  EXPECT_EQ(bad.error().message.rfind("localhost:80: ", 0), 0u) << bad.error().message;
}

}  // namespace
}  // namespace uplinkprobe::http
