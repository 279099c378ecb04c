// libFuzzer harness for the availability DNS response parser: any byte string must parse
// or be rejected with an error — no crash, no out-of-bounds read, no hang (compression
// loops). The first two bytes double as the expected id so matching paths are reached.
#include <cstddef>
#include <cstdint>
#include <span>

#include "agent/availability/dns_message.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace uplinkprobe::availability;
  uint16_t id = size >= 2 ? static_cast<uint16_t>((data[0] << 8) | data[1]) : 0;
  std::span<const uint8_t> packet(data, size);
  for (DnsType type : {DnsType::kA, DnsType::kAAAA}) {
    auto r = parseDnsResponse(packet, id, "www.example.com", type);
    if (r.ok()) {
      // Touch the results so the sanitizers see every byte written.
      size_t total = 0;
      for (const auto& a : r->addresses) total += a.size();
      if (r->addresses.size() > kMaxAnswersKept || total > kMaxAnswersKept * 46) __builtin_trap();
    }
  }
  return 0;
}
