#include "http/request_head_parser.h"

#include <gtest/gtest.h>

#include <string>

namespace uplinkprobe::http {
namespace {

using State = HeadParseResult::State;

HeadParseResult parseAll(std::string_view input, ParseLimits limits = {}) {
  RequestHeadParser p(limits);
  return p.parse(input);
}

TEST(RequestHeadParser, ParsesSimpleGet) {
  auto r = parseAll("GET /garbage.php?ckSize=8&r=0.5 HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_EQ(r.state, State::kComplete) << r.error_message;
  EXPECT_EQ(r.request.method, "GET");
  EXPECT_EQ(r.request.path, "/garbage.php");
  EXPECT_EQ(r.request.query, "ckSize=8&r=0.5");
  EXPECT_EQ(r.request.version_minor, 1);
  EXPECT_TRUE(r.request.keep_alive);
  EXPECT_FALSE(r.request.hasBody());
  ASSERT_NE(r.request.header("HOST"), nullptr);
  EXPECT_EQ(*r.request.header("host"), "x");
}

TEST(RequestHeadParser, HeadSizeExcludesFollowingBytes) {
  std::string head = "POST /empty HTTP/1.1\r\nContent-Length: 5\r\n\r\n";
  auto r = parseAll(head + "hello" + "GET / HTTP/1.1\r\n\r\n");
  ASSERT_EQ(r.state, State::kComplete);
  EXPECT_EQ(r.head_size, head.size());
  EXPECT_EQ(r.request.content_length, 5u);
  EXPECT_TRUE(r.request.hasBody());
}

TEST(RequestHeadParser, IncompleteUntilBlankLineAcrossManyFeeds) {
  std::string req = "GET /healthz HTTP/1.1\r\nHost: a\r\nX-Y: z\r\n\r\n";
  RequestHeadParser p;
  std::string buf;
  for (std::size_t i = 0; i + 1 < req.size(); ++i) {
    buf += req[i];
    auto r = p.parse(buf);
    ASSERT_EQ(r.state, State::kIncomplete) << "at byte " << i << ": " << r.error_message;
  }
  buf += req.back();
  auto r = p.parse(buf);
  ASSERT_EQ(r.state, State::kComplete);
  EXPECT_EQ(r.head_size, req.size());
  EXPECT_EQ(r.request.headers.size(), 2u);
}

TEST(RequestHeadParser, SkipsLeadingEmptyLines) {
  auto r = parseAll("\r\n\r\nGET / HTTP/1.1\r\n\r\n");
  ASSERT_EQ(r.state, State::kComplete);
  EXPECT_EQ(r.head_size, 4u + 18u);
  EXPECT_EQ(parseAll(std::string(20, '\r') + "GET / HTTP/1.1\r\n\r\n").state, State::kError);
}

TEST(RequestHeadParser, KeepAliveRules) {
  EXPECT_FALSE(parseAll("GET / HTTP/1.1\r\nConnection: close\r\n\r\n").request.keep_alive);
  EXPECT_FALSE(parseAll("GET / HTTP/1.1\r\nConnection: foo, Close\r\n\r\n").request.keep_alive);
  EXPECT_FALSE(parseAll("GET / HTTP/1.0\r\n\r\n").request.keep_alive);
  auto r10ka = parseAll("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
  EXPECT_TRUE(r10ka.request.keep_alive);
  EXPECT_EQ(r10ka.request.version_minor, 0);
}

TEST(RequestHeadParser, ChunkedAndExpect) {
  auto r = parseAll(
      "POST /empty HTTP/1.1\r\nTransfer-Encoding: chunked\r\nExpect: 100-continue\r\n\r\n");
  ASSERT_EQ(r.state, State::kComplete);
  EXPECT_TRUE(r.request.chunked);
  EXPECT_TRUE(r.request.expect_continue);
  EXPECT_TRUE(r.request.hasBody());
}

TEST(RequestHeadParser, AbsoluteFormAndAsterisk) {
  auto r = parseAll("GET http://example.org:8080/getIP?x=1 HTTP/1.1\r\n\r\n");
  ASSERT_EQ(r.state, State::kComplete);
  EXPECT_EQ(r.request.path, "/getIP");
  EXPECT_EQ(r.request.query, "x=1");
  EXPECT_EQ(parseAll("OPTIONS * HTTP/1.1\r\n\r\n").request.path, "*");
  EXPECT_EQ(parseAll("GET * HTTP/1.1\r\n\r\n").error_status, 400);
}

struct BadCase {
  const char* name;
  std::string input;
  int status;
};

class RequestHeadParserRejects : public testing::TestWithParam<BadCase> {};

TEST_P(RequestHeadParserRejects, WithStatus) {
  auto r = parseAll(GetParam().input);
  ASSERT_EQ(r.state, State::kError) << GetParam().name;
  EXPECT_EQ(r.error_status, GetParam().status) << GetParam().name << ": " << r.error_message;
  EXPECT_FALSE(r.error_message.empty());
}

INSTANTIATE_TEST_SUITE_P(
    Malformed, RequestHeadParserRejects,
    testing::Values(
        BadCase{"garbage", "GARBAGE\r\n\r\n", 400},
        BadCase{"two spaces", "GET  / HTTP/1.1\r\n\r\n", 400},
        BadCase{"space in target", "GET /a b HTTP/1.1\r\n\r\n", 400},
        BadCase{"relative target", "GET garbage HTTP/1.1\r\n\r\n", 400},
        BadCase{"bad method", "G(T / HTTP/1.1\r\n\r\n", 400},
        BadCase{"bad version", "GET / HTTP/1.x\r\n\r\n", 400},
        BadCase{"lowercase version", "GET / http/1.1\r\n\r\n", 400},
        BadCase{"http2", "GET / HTTP/2.0\r\n\r\n", 505},
        BadCase{"bare LF request line", "GET / HTTP/1.1\nHost: x\n\n", 400},
        BadCase{"bare LF in header", "GET / HTTP/1.1\r\nA: b\nC: d\r\n\r\n", 400},
        BadCase{"no colon", "GET / HTTP/1.1\r\nHost\r\n\r\n", 400},
        BadCase{"space before colon", "GET / HTTP/1.1\r\nHost : x\r\n\r\n", 400},
        BadCase{"obs-fold", "GET / HTTP/1.1\r\nA: b\r\n c\r\n\r\n", 400},
        BadCase{"control char", std::string("GET / HTTP/1.1\r\nA: b\x01\r\n\r\n"), 400},
        BadCase{"nul in target", std::string("GET /\0 HTTP/1.1\r\n\r\n", 20), 400},
        BadCase{"negative length", "POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n", 400},
        BadCase{"hex length", "POST / HTTP/1.1\r\nContent-Length: 0x10\r\n\r\n", 400},
        BadCase{"huge length", "POST / HTTP/1.1\r\nContent-Length: 99999999999999999999\r\n\r\n",
                400},
        BadCase{"conflicting lengths",
                "POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", 400},
        BadCase{"length list", "POST / HTTP/1.1\r\nContent-Length: 1, 1\r\n\r\n", 400},
        BadCase{"length and chunked",
                "POST / HTTP/1.1\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n", 400},
        BadCase{"gzip coding", "POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 501},
        BadCase{"chunked twice", "POST / HTTP/1.1\r\nTransfer-Encoding: chunked, chunked\r\n\r\n",
                501},
        BadCase{"chunked in 1.0", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", 400}),
    [](const testing::TestParamInfo<BadCase>& info) {
      std::string n = info.param.name;
      for (auto& c : n) {
        if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
      }
      return n;
    });

TEST(RequestHeadParser, OversizedHeadIs431BeforeItEnds) {
  ParseLimits limits;
  std::string req = "GET / HTTP/1.1\r\n";
  while (req.size() <= limits.max_header_bytes) req += "X-Pad: " + std::string(100, 'a') + "\r\n";
  auto r = parseAll(req, limits);  // no blank line yet: must not wait for one
  ASSERT_EQ(r.state, State::kError);
  EXPECT_EQ(r.error_status, 431);
}

TEST(RequestHeadParser, HeadJustUnderLimitIsAccepted) {
  ParseLimits limits;
  std::string req = "GET / HTTP/1.1\r\nX-Pad: ";
  req += std::string(limits.max_header_bytes - req.size() - 4, 'a');
  req += "\r\n\r\n";
  ASSERT_EQ(req.size(), limits.max_header_bytes);
  auto r = parseAll(req, limits);
  EXPECT_EQ(r.state, State::kComplete) << r.error_message;
}

TEST(RequestHeadParser, TooManyHeadersIs431) {
  ParseLimits limits;
  limits.max_header_count = 3;
  auto r = parseAll("GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\n\r\n", limits);
  EXPECT_EQ(r.error_status, 431);
}

TEST(RequestHeadParser, LongRequestLineIs414WithoutLineEnd) {
  ParseLimits limits;
  std::string req = "GET /" + std::string(limits.max_request_line + 10, 'a');
  auto r = parseAll(req, limits);
  ASSERT_EQ(r.state, State::kError);
  EXPECT_EQ(r.error_status, 414);
}

TEST(RequestHeadParser, ResetAllowsNextRequest) {
  RequestHeadParser p;
  std::string two = "GET /a HTTP/1.1\r\n\r\nGET /b HTTP/1.1\r\n\r\n";
  auto r1 = p.parse(two);
  ASSERT_EQ(r1.state, State::kComplete);
  p.reset();
  auto r2 = p.parse(std::string_view(two).substr(r1.head_size));
  ASSERT_EQ(r2.state, State::kComplete);
  EXPECT_EQ(r2.request.path, "/b");
}

}  // namespace
}  // namespace uplinkprobe::http
