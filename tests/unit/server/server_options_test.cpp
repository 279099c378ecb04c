#include "server/server_options.h"

#include <gtest/gtest.h>

#include <vector>

namespace uplinkprobe::server {
namespace {

Result<ServerCommand> parse(std::vector<const char*> args) {
  args.insert(args.begin(), "uplinkprobe-server");
  return parseServerCommand(static_cast<int>(args.size()), args.data());
}

TEST(ServerOptions, Defaults) {
  auto c = parse({});
  ASSERT_TRUE(c.ok());
  ASSERT_EQ(c->options.listen.size(), 1u);
  EXPECT_EQ(c->options.listen[0].text(), "127.0.0.1:8080");
  EXPECT_TRUE(c->options.trusted_proxies.empty());
  EXPECT_EQ(c->options.max_connections_per_address, 64);
}

TEST(ServerOptions, RepeatableListenAndTunables) {
  auto c = parse({"--listen", "[::1]:0", "--listen=0.0.0.0:8081", "--max-connections", "5",
                  "--header-timeout-s=2", "--threads", "3", "--trust-forwarded-for"});
  ASSERT_TRUE(c.ok()) << c.error().message;
  ASSERT_EQ(c->options.listen.size(), 2u);
  EXPECT_EQ(c->options.listen[0].host, "::1");
  EXPECT_EQ(c->options.listen[0].text(), "[::1]:0");
  EXPECT_EQ(c->options.listen[1].port, 8081);
  EXPECT_EQ(c->options.max_connections, 5);
  EXPECT_EQ(c->options.header_timeout_s, 2);
  EXPECT_EQ(c->options.threads, 3);
  EXPECT_EQ(c->options.trusted_proxies, (std::vector<std::string>{"127.0.0.1", "::1"}));
}

TEST(ServerOptions, TrustedProxiesAreCanonical) {
  auto c = parse({"--trusted-proxy", "10.0.0.1", "--trusted-proxy=2001:DB8::0:1",
                  "--max-connections-per-address", "8"});
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->options.trusted_proxies, (std::vector<std::string>{"10.0.0.1", "2001:db8::1"}));
  EXPECT_EQ(httpConfig(c->options).max_connections_per_address, 8);
}

TEST(ServerOptions, HelpAndVersion) {
  EXPECT_EQ(parse({"--help"})->action, ServerCommand::Action::kHelp);
  EXPECT_EQ(parse({"--version"})->action, ServerCommand::Action::kVersion);
}

TEST(ServerOptions, UsageErrorsNameTheProblem) {
  struct Case {
    std::vector<const char*> args;
    const char* needle;
  };
  for (const auto& c : std::vector<Case>{
           {{"--bogus"}, "unknown argument '--bogus'"},
           {{"--listen"}, "--listen needs"},
           {{"--listen", "localhost:80"}, "not an IPv4 address"},
           {{"--listen", "::1:80"}, "expected ADDR:PORT"},
           {{"--listen", "[::1]80"}, "expected [IPv6]:PORT"},
           {{"--listen", "[nope]:80"}, "not an IPv6 address"},
           {{"--listen", "127.0.0.1:65536"}, "port must be"},
           {{"--listen", "127.0.0.1:"}, "port must be"},
           {{"--max-connections", "0"}, "1..100000"},
           {{"--threads", "x"}, "--threads x"},
           {{"--max-upload-mb"}, "needs a number"},
           {{"--trust-forwarded-for=1"}, "takes no value"},
           {{"--trusted-proxy", "10.0.0.0/8"}, "not an IPv4 or IPv6 address"},
           {{"--trusted-proxy"}, "needs an IP address"},
       }) {
    auto r = parse(c.args);
    ASSERT_FALSE(r.ok()) << c.needle;
    EXPECT_EQ(r.error().kind, ErrorKind::kUsage);
    EXPECT_NE(r.error().message.find(c.needle), std::string::npos) << r.error().message;
  }
}

}  // namespace
}  // namespace uplinkprobe::server
