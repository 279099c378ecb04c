// libFuzzer harness for the collector's MQTT 5 decoder (collector/ingest/mqtt_codec): the
// byte stream a hostile broker could send, fed whole and trickled.
// Invariants: no crash/UB (ASan+UBSan); trickled decoding yields the same packets and the
// same error as whole decoding; the reader never buffers more than the packet size limit
// plus what one append brought; a decoded PUBLISH has a valid UTF-8 topic without wildcards,
// QoS 0 or 1, and a packet id exactly when QoS 1.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "collector/ingest/mqtt_codec.h"

using namespace uplinkprobe::collector::mqtt;

namespace {

constexpr std::uint32_t kMax = 4096;

struct Outcome {
  std::vector<std::string> packets;  // a summary per packet
  int error = -1;
};

std::string summary(const Packet& p) {
  if (const auto* pub = std::get_if<Publish>(&p)) {
    if (pub->qos > 1 || (pub->qos == 1) != (pub->packet_id != 0) || pub->topic.empty() ||
        !isValidUtf8(pub->topic) || pub->topic.find_first_of("+#") != std::string::npos) {
      std::abort();
    }
    return "P" + std::to_string(pub->qos) + pub->topic + "|" + std::to_string(pub->packet_id) +
           "|" + pub->payload;
  }
  return "T" + std::to_string(p.index());
}

Outcome run(const std::uint8_t* data, std::size_t size, std::size_t step) {
  Outcome o;
  FrameReader r(kMax);
  for (std::size_t off = 0; off < size; off += step) {
    const std::size_t n = std::min(step, size - off);
    r.append(reinterpret_cast<const char*>(data + off), n);
    while (true) {
      Packet p;
      DecodeError e;
      const auto s = r.next(p, e);
      if (s == FrameReader::Status::kNeedMore) break;
      if (s == FrameReader::Status::kError) {
        o.error = e.reason_code;
        return o;
      }
      o.packets.push_back(summary(p));
    }
    if (r.buffered() > kMax + n) std::abort();
  }
  return o;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::size_t step = 1 + data[0] % 97;
  const Outcome whole = run(data + 1, size - 1, size);
  const Outcome trickled = run(data + 1, size - 1, step);
  if (whole.packets != trickled.packets || whole.error != trickled.error) std::abort();
  return 0;
}
