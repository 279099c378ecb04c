#include <gtest/gtest.h>

#include "collector/api/api_server.h"

namespace uplinkprobe::collector::api {
namespace {

TEST(ApiServerPolicy, LoopbackOnlyUnlessAllowed) {
  ApiServerOptions o;
  o.listen = {*http::parseListenAddress("127.0.0.1:8088"), *http::parseListenAddress("[::1]:8088")};
  EXPECT_TRUE(checkListenPolicy(o).ok());
  o.listen.push_back(*http::parseListenAddress("0.0.0.0:8088"));
  auto st = checkListenPolicy(o);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().kind, ErrorKind::kConfig);
  EXPECT_NE(st.error().message.find("0.0.0.0:8088"), std::string::npos);
  EXPECT_NE(st.error().message.find("allow_remote = true"), std::string::npos);
  o.access_control = true;  // logins in front: still plain HTTP, still refused
  st = checkListenPolicy(o);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message.find("plain HTTP"), std::string::npos);
  o.allow_remote = true;
  EXPECT_TRUE(checkListenPolicy(o).ok());
}

}  // namespace
}  // namespace uplinkprobe::collector::api
