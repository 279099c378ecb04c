#include "agent/availability/round_classifier.h"

namespace uplinkprobe::availability {

const char* probeKindName(ProbeKind kind) {
  switch (kind) {
    case ProbeKind::kGateway:
      return "gateway";
    case ProbeKind::kTcp:
      return "tcp";
    case ProbeKind::kDns:
      return "dns";
    case ProbeKind::kIcmp:
      return "icmp";
  }
  return "?";
}

const char* outageClassName(OutageClass c) {
  switch (c) {
    case OutageClass::kNone:
      return "none";
    case OutageClass::kDns:
      return "dns";
    case OutageClass::kUpstream:
      return "upstream";
    case OutageClass::kLocal:
      return "local";
  }
  return "none";
}

OutageClass outageClassFromName(const std::string& name) {
  if (name == "dns") return OutageClass::kDns;
  if (name == "upstream") return OutageClass::kUpstream;
  if (name == "local") return OutageClass::kLocal;
  return OutageClass::kNone;
}

RoundVerdict classifyRound(const RoundResult& round) {
  bool have_gateway = false, gateway_answered = false;
  bool have_tcp = false, tcp_ok = false;
  bool have_dns = false, dns_ok = false;
  for (const ProbeResult& p : round.probes) {
    switch (p.kind) {
      case ProbeKind::kGateway:
      case ProbeKind::kIcmp:
        have_gateway = true;
        gateway_answered |= p.reachable;
        break;
      case ProbeKind::kTcp:
        have_tcp = true;
        tcp_ok |= p.reachable;
        break;
      case ProbeKind::kDns:
        have_dns = true;
        dns_ok |= p.ok;
        break;
    }
  }
  if (!have_dns) dns_ok = true;
  bool outside_ok = have_tcp ? tcp_ok : dns_ok;
  if (outside_ok && dns_ok) return {true, OutageClass::kNone};

  bool gateway_alive = !have_gateway || gateway_answered || tcp_ok;
  if (!gateway_alive) return {false, OutageClass::kLocal};
  if (!outside_ok) return {false, OutageClass::kUpstream};
  return {false, OutageClass::kDns};
}

}  // namespace uplinkprobe::availability
