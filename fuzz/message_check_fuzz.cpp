// libFuzzer harness for the collector's hostile-message check (collector/ingest/
// message_check): topic + payload as an agent or an attacker could publish them.
// Invariants: no crash/UB; a refused message's head is valid UTF-8 and bounded; an accepted
// one is a JSON object whose kind/school_id/device_id equal the topic's.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "collector/ingest/message_check.h"
#include "collector/ingest/mqtt_codec.h"

using namespace uplinkprobe::collector;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  const auto nl = in.find('\n');
  const std::string_view topic = nl == std::string_view::npos ? in : in.substr(0, nl);
  const std::string_view payload = nl == std::string_view::npos ? "" : in.substr(nl + 1);
  CheckLimits limits;
  limits.max_payload_bytes = 2048;
  limits.head_bytes = 64;
  const auto r = checkMessage("up/v1", topic, payload, nullptr, limits);
  if (const auto* f = std::get_if<Refused>(&r)) {
    if (!mqtt::isValidUtf8(f->head) || f->head.size() > 4 * limits.head_bytes) std::abort();
  } else if (const auto* a = std::get_if<Accepted>(&r)) {
    if (!a->record.is_object() || a->record.at("kind") != a->parts.kind ||
        a->record.at("school_id") != a->parts.school_id ||
        a->record.at("device_id") != a->parts.device_id) {
      std::abort();
    }
  }
  return 0;
}
