// Classifies one availability round as good or bad, and a bad round's cause.
//
// Rules (pure; the order is the severity order used for an outage's class):
//  - gateway alive  := any gateway/ICMP-to-gateway probe answered, or any outside TCP
//    target answered (outside traffic passes through the gateway, so this guards against a
//    router that silently drops SYNs to its own closed ports). Without any gateway probe
//    in the round (gateway probing disabled) we cannot blame the LAN: never kLocal.
//    (The monitor adds a failed gateway probe "no default route" when there is none.)
//  - outside ok     := any TCP target reachable (accept or RST).
//  - dns ok         := any DNS server gave a useful answer (NOERROR/NXDOMAIN).
//  - good round     := outside ok AND dns ok. With no TCP targets configured, outside ok
//    is dns ok; with no DNS servers, dns ok is true.
//  - bad round class: kLocal if the gateway is not alive; else kUpstream if nothing
//    outside answered (neither TCP nor DNS); else kDns if TCP works and all DNS failed.
//    A round where TCP fails but a DNS server answers (e.g. only the resolver on the LAN
//    works) is kUpstream.
#pragma once

#include <string>

#include "agent/availability/probe_result.h"

namespace uplinkprobe::availability {

enum class OutageClass { kNone = 0, kDns = 1, kUpstream = 2, kLocal = 3 };

// "local", "upstream", "dns" ("none" for a good round).
const char* outageClassName(OutageClass c);
OutageClass outageClassFromName(const std::string& name);

struct RoundVerdict {
  bool good = false;
  OutageClass cls = OutageClass::kNone;  // kNone iff good
};

RoundVerdict classifyRound(const RoundResult& round);

}  // namespace uplinkprobe::availability
