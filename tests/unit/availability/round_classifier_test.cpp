#include "agent/availability/round_classifier.h"

#include <gtest/gtest.h>

namespace uplinkprobe::availability {
namespace {

ProbeResult probe(ProbeKind kind, const std::string& target, bool ok) {
  ProbeResult p;
  p.kind = kind;
  p.target = target;
  p.reachable = ok;
  p.ok = ok;
  p.detail = ok ? "" : "timeout";
  return p;
}

RoundResult round(bool gw, bool tcp1, bool tcp2, bool dns) {
  RoundResult r;
  r.probes = {probe(ProbeKind::kGateway, "gateway:192.168.1.1", gw),
              probe(ProbeKind::kTcp, "tcp:192.0.2.1:443", tcp1),
              probe(ProbeKind::kTcp, "tcp:198.51.100.1:443", tcp2),
              probe(ProbeKind::kDns, "dns:192.0.2.53", dns)};
  return r;
}

TEST(RoundClassifier, GoodNeedsOneTcpTargetAndDns) {
  EXPECT_TRUE(classifyRound(round(true, true, true, true)).good);
  EXPECT_TRUE(classifyRound(round(true, false, true, true)).good);
  EXPECT_FALSE(classifyRound(round(true, true, true, false)).good);
}

TEST(RoundClassifier, Classes) {
  EXPECT_EQ(classifyRound(round(false, false, false, false)).cls, OutageClass::kLocal);
  EXPECT_EQ(classifyRound(round(true, false, false, false)).cls, OutageClass::kUpstream);
  EXPECT_EQ(classifyRound(round(true, true, false, false)).cls, OutageClass::kDns);
  // Resolver on the LAN answers but nothing outside does: upstream, not dns.
  EXPECT_EQ(classifyRound(round(true, false, false, true)).cls, OutageClass::kUpstream);
  EXPECT_EQ(classifyRound(round(true, true, true, true)).cls, OutageClass::kNone);
}

TEST(RoundClassifier, GatewayThatDropsSynsButForwardsIsNotLocal) {
  // Gateway probe timed out but an outside target answered through it: dns, not local.
  EXPECT_EQ(classifyRound(round(false, true, false, false)).cls, OutageClass::kDns);
}

TEST(RoundClassifier, DnsAnswerThatIsServfailIsNotOk) {
  RoundResult r = round(true, true, true, true);
  r.probes[3].ok = false;  // reachable (it answered), but SERVFAIL
  r.probes[3].detail = "SERVFAIL";
  EXPECT_EQ(classifyRound(r).cls, OutageClass::kDns);
}

TEST(RoundClassifier, WithoutGatewayProbeNeverLocal) {
  RoundResult r = round(false, false, false, false);
  r.probes.erase(r.probes.begin());
  EXPECT_EQ(classifyRound(r).cls, OutageClass::kUpstream);
}

TEST(RoundClassifier, NoDnsServersConfiguredMeansTcpDecides) {
  RoundResult r = round(true, true, false, false);
  r.probes.pop_back();
  EXPECT_TRUE(classifyRound(r).good);
}

}  // namespace
}  // namespace uplinkprobe::availability
