#include "server/router.h"

#include <gtest/gtest.h>

#include "http/request_head_parser.h"
#include "server/garbage_size.h"

namespace uplinkprobe::server {
namespace {

Request req(std::string_view text) {
  http::RequestHeadParser p;
  auto r = p.parse(text);
  EXPECT_EQ(r.state, http::HeadParseResult::State::kComplete) << r.error_message;
  return r.request;
}

bool hasHeader(const Response& r, std::string_view line) {
  return r.head.find(std::string(line) + "\r\n") != std::string::npos;
}

TEST(QueryString, GarbageChunkCountFollowsLibreSpeed) {
  EXPECT_EQ(garbageChunkCount(""), 4u);
  EXPECT_EQ(garbageChunkCount("ckSize=1"), 1u);
  EXPECT_EQ(garbageChunkCount("ckSize=100&r=5"), 100u);
  EXPECT_EQ(garbageChunkCount("ckSize=0"), 4u);
  EXPECT_EQ(garbageChunkCount("ckSize=abc"), 4u);
  EXPECT_EQ(garbageChunkCount("ckSize=-3"), 4u);
  EXPECT_EQ(garbageChunkCount("ckSize=8abc"), 8u);
  EXPECT_EQ(garbageChunkCount("ckSize=1025"), 1024u);
  EXPECT_EQ(garbageChunkCount("ckSize=99999999999999999999999"), 1024u);
}

TEST(Router, GarbageAllPathsExactSizeNoStore) {
  for (auto path : {"/garbage", "/garbage.php", "/backend/garbage.php"}) {
    auto r = respond(req(std::string("GET ") + path + "?ckSize=3&r=0.42 HTTP/1.1\r\n\r\n"), {});
    EXPECT_EQ(r.status, 200) << path;
    EXPECT_EQ(r.payload_bytes, 3u * 1024 * 1024);
    EXPECT_TRUE(r.body.empty());
    EXPECT_TRUE(hasHeader(r, "Content-Length: 3145728")) << r.head;
    EXPECT_TRUE(hasHeader(r, "Content-Encoding: identity"));
    EXPECT_NE(r.head.find("Cache-Control: no-store, no-cache, must-revalidate"), std::string::npos);
    EXPECT_TRUE(hasHeader(r, "Connection: keep-alive"));
  }
}

TEST(Router, HeadGarbageHasLengthButNoPayload) {
  auto r = respond(req("HEAD /garbage HTTP/1.1\r\n\r\n"), {});
  EXPECT_EQ(r.payload_bytes, 0u);
  EXPECT_TRUE(hasHeader(r, "Content-Length: 4194304"));
}

TEST(Router, EmptyAcceptsPostBodyAndGetPing) {
  auto post = req("POST /backend/empty.php HTTP/1.1\r\nContent-Length: 10\r\n\r\n");
  EXPECT_TRUE(acceptsBody(post));
  auto r = respond(post, {});
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(hasHeader(r, "Content-Length: 0"));
  EXPECT_EQ(respond(req("GET /empty.php?r=1 HTTP/1.1\r\n\r\n"), {}).status, 200);
  EXPECT_FALSE(acceptsBody(req("POST /garbage HTTP/1.1\r\nContent-Length: 1\r\n\r\n")));
}

TEST(Router, GetIpJson) {
  RouteContext ctx;
  ctx.peer_ip = "192.0.2.7";
  auto r = respond(req("GET /getIP.php HTTP/1.1\r\n\r\n"), ctx);
  EXPECT_EQ(r.body, R"({"processedString":"192.0.2.7","rawIspInfo":""})");
  EXPECT_TRUE(hasHeader(r, "Content-Type: application/json; charset=utf-8"));
}

TEST(Router, ForwardedForOnlyFromATrustedProxyAndOnlyItsOwnEntry) {
  // The client wrote "203.0.113.9"; the proxy at 10.0.0.1 appended the address it saw.
  auto withXff = req("GET /getIP HTTP/1.1\r\nX-Forwarded-For: 203.0.113.9, 198.51.100.4 \r\n\r\n");
  RouteContext ctx;
  ctx.peer_ip = "10.0.0.1";
  EXPECT_EQ(clientIp(withXff, ctx), "10.0.0.1") << "a peer nobody named is not believed";
  ctx.peer_is_trusted_proxy = true;
  EXPECT_EQ(clientIp(withXff, ctx), "198.51.100.4") << "the right-most entry, never the left";
  auto evil = req("GET /getIP HTTP/1.1\r\nX-Forwarded-For: 1.2.3.4, \"},{\"x\r\n\r\n");
  EXPECT_EQ(clientIp(evil, ctx), "10.0.0.1");
  auto v6 = req("GET /getIP HTTP/1.1\r\nX-Real-IP: 2001:db8::1\r\n\r\n");
  EXPECT_EQ(clientIp(v6, ctx), "2001:db8::1");
  ctx.peer_is_trusted_proxy = false;
  EXPECT_EQ(clientIp(v6, ctx), "10.0.0.1");
}

TEST(Router, HandlerTrustsOnlyTheNamedProxies) {
  SpeedTestOptions o;
  o.trusted_proxies = {"10.0.0.1"};
  SpeedTestHandler handler(o);
  auto r = req("GET /getIP HTTP/1.1\r\nX-Forwarded-For: 198.51.100.4\r\n\r\n");
  http::RequestContext from_proxy;
  from_proxy.peer_ip = "10.0.0.1";
  EXPECT_NE(handler.respond(r, from_proxy).body.find("198.51.100.4"), std::string::npos);
  http::RequestContext from_client;
  from_client.peer_ip = "192.0.2.50";
  EXPECT_NE(handler.respond(r, from_client).body.find("192.0.2.50"), std::string::npos);
  EXPECT_EQ(canonicalIp("::ffff:10.0.0.1"), "10.0.0.1");
  EXPECT_EQ(canonicalIp("2001:DB8:0::1"), "2001:db8::1");
  EXPECT_FALSE(canonicalIp("proxy.example"));
}

TEST(Router, HealthzUnknownAndMethods) {
  auto h = respond(req("GET /healthz HTTP/1.1\r\n\r\n"), {});
  EXPECT_EQ(h.body, "ok\n");
  EXPECT_EQ(respond(req("GET /nope HTTP/1.1\r\n\r\n"), {}).status, 404);
  auto bad = respond(req("DELETE /garbage HTTP/1.1\r\n\r\n"), {});
  EXPECT_EQ(bad.status, 405);
  EXPECT_TRUE(hasHeader(bad, "Allow: GET, HEAD, OPTIONS"));
  EXPECT_EQ(respond(req("POST /getIP HTTP/1.1\r\n\r\n"), {}).status, 405);
}

TEST(Router, OptionsPreflightHasCors) {
  auto r = respond(req("OPTIONS /empty.php HTTP/1.1\r\n\r\n"), {});
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(hasHeader(r, "Access-Control-Allow-Origin: *"));
  EXPECT_TRUE(hasHeader(r, "Allow: GET, HEAD, POST, OPTIONS"));
}

TEST(Router, CloseIsAnnounced) {
  RouteContext ctx;
  ctx.close = true;
  auto r = respond(req("GET /healthz HTTP/1.1\r\n\r\n"), ctx);
  EXPECT_TRUE(r.close);
  EXPECT_TRUE(hasHeader(r, "Connection: close"));
  auto e = http::errorResponse(431, "too big", true);
  EXPECT_EQ(e.head.rfind("HTTP/1.1 431 Request Header Fields Too Large\r\n", 0), 0u);
  EXPECT_TRUE(hasHeader(e, "Connection: close"));
}

}  // namespace
}  // namespace uplinkprobe::server
