// Minimal DNS wire format for the availability probe: build one A/AAAA query, parse the
// answer defensively. Pure functions (no I/O), so the parser is unit-tested and fuzzed.
//
// Contract of parseDnsResponse: it reads only inside `packet` (every read bounds-checked),
// follows at most kMaxCompressionJumps compression pointers per name and only backwards
// (RFC 1035 pointers always point to earlier data, so a forward or self pointer is a
// loop or garbage), and never allocates more than the packet size. Anything malformed is
// an Error of kind "dns" with a short reason; it never throws.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "common/result.h"

namespace uplinkprobe::availability {

enum class DnsType : uint16_t { kA = 1, kAAAA = 28 };

// Limits: RFC 1035 names are at most 255 octets; a UDP response without EDNS at most 512
// but we accept up to 4096 (EDNS-capable servers may still answer larger).
inline constexpr size_t kMaxDnsPacket = 4096;
inline constexpr int kMaxCompressionJumps = 16;
inline constexpr size_t kMaxAnswersKept = 16;

// Builds a standard recursive query (RD=1) with one question. `name` is a dotted host
// name ("www.example.com", trailing dot optional); labels 1..63 octets, total <= 253.
Result<std::vector<uint8_t>> buildDnsQuery(uint16_t id, const std::string& name, DnsType type);

struct DnsResponse {
  uint16_t id = 0;
  int rcode = 0;                       // 0 NOERROR, 2 SERVFAIL, 3 NXDOMAIN, 5 REFUSED, ...
  bool truncated = false;              // TC bit: the server answered; the answer list may be short
  int answer_count = 0;                // ANCOUNT as sent
  std::vector<std::string> addresses;  // A/AAAA answers for the question, textual, bounded
};

// Parses `packet` as the response to the query (id, name, type). Errors: shorter than a
// header, QR bit not set, id mismatch, question count != 1 or question not ours,
// malformed/looping names, records running past the end.
Result<DnsResponse> parseDnsResponse(std::span<const uint8_t> packet, uint16_t expected_id,
                                     const std::string& expected_name, DnsType expected_type);

// "NOERROR", "SERVFAIL", "NXDOMAIN", ... or "RCODE<n>".
std::string dnsRcodeName(int rcode);

}  // namespace uplinkprobe::availability
