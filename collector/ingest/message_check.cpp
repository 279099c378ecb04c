#include "collector/ingest/message_check.h"

#include <array>
#include <cstdio>

#include "collector/ingest/mqtt_codec.h"

namespace uplinkprobe::collector {
namespace {

constexpr std::array<std::string_view, 9> kKinds = {
    "status", "throughput", "outage", "availability", "power", "daily", "alert", "event", "gap"};
constexpr int kMaxJsonDepth = 32;  // records nest 3 levels; the validator caps at 64

// Nesting depth of a JSON text, outside strings. Bounds the parser and the validator before
// either sees a pathological "[[[[…" payload.
int jsonDepth(std::string_view s) {
  int depth = 0, max_depth = 0;
  bool in_string = false, escape = false;
  for (char c : s) {
    if (in_string) {
      if (escape) {
        escape = false;
      } else if (c == '\\') {
        escape = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      max_depth = std::max(max_depth, ++depth);
    } else if (c == '}' || c == ']') {
      --depth;
    }
  }
  return max_depth;
}

Refused refuse(RejectReason r, std::string detail, std::string_view payload,
               const CheckLimits& limits) {
  return Refused{r, std::move(detail), safeHead(payload, limits.head_bytes)};
}

const std::string* stringField(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_string()) return nullptr;
  return it->get_ptr<const std::string*>();
}

}  // namespace

TopicClass parseTopic(std::string_view prefix, std::string_view topic, TopicParts& out) {
  if (topic.size() <= prefix.size() + 1 || topic.substr(0, prefix.size()) != prefix ||
      topic[prefix.size()] != '/') {
    return TopicClass::kBadTopic;
  }
  std::string_view rest = topic.substr(prefix.size() + 1);
  std::array<std::string_view, 5> parts{};
  std::size_t n = 0;
  while (true) {
    const auto slash = rest.find('/');
    if (n == parts.size()) return TopicClass::kBadTopic;
    parts[n++] = rest.substr(0, slash);
    if (slash == std::string_view::npos) break;
    rest = rest.substr(slash + 1);
  }
  if (n < 3 || parts[0].empty() || parts[1].empty()) return TopicClass::kBadTopic;
  out.school_id.assign(parts[0]);
  out.device_id.assign(parts[1]);
  if (n == 3 && parts[2] == "cmd") return TopicClass::kCommand;
  if (n == 4 && parts[2] == "alert" && parts[3] == "state") {
    out.kind = "alert_state";
    return TopicClass::kRecord;
  }
  if (n != 3) return TopicClass::kUnknownKind;
  for (auto k : kKinds) {
    if (parts[2] == k) {
      out.kind.assign(k);
      return TopicClass::kRecord;
    }
  }
  return TopicClass::kUnknownKind;
}

std::string safeHead(std::string_view payload, std::size_t max) {
  std::string out;
  const std::string_view p = payload.substr(0, max);
  std::size_t i = 0;
  while (i < p.size()) {
    const auto c = static_cast<unsigned char>(p[i]);
    std::size_t len = c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
    if (i + len > p.size()) {
      // A sequence cut by the limit (payload longer than max): drop it. Anything else that
      // does not fit is malformed and escaped below.
      if (payload.size() > max && mqtt::isValidUtf8(payload.substr(i, len), true)) break;
      len = 1;
    }
    const std::string_view seq = p.substr(i, len);
    if (c != 0 && mqtt::isValidUtf8(seq)) {
      out.append(seq);
      i += len;
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02X", c);
      out += buf;
      ++i;
    }
  }
  return out;
}

CheckResult checkMessage(std::string_view prefix, std::string_view topic, std::string_view payload,
                         const SchemaCheck& schema, const CheckLimits& limits) {
  TopicParts parts;
  switch (parseTopic(prefix, topic, parts)) {
    case TopicClass::kCommand:
      return Ignored{};
    case TopicClass::kBadTopic:
      return refuse(RejectReason::kBadTopic, "topic is not {prefix}/{school}/{device}/{kind}",
                    payload, limits);
    case TopicClass::kUnknownKind:
      return refuse(RejectReason::kUnknownKind, "unknown kind in topic", payload, limits);
    case TopicClass::kRecord:
      break;
  }
  if (payload.size() > limits.max_payload_bytes) {
    return refuse(
        RejectReason::kTooLarge,
        std::to_string(payload.size()) + " bytes > " + std::to_string(limits.max_payload_bytes),
        payload, limits);
  }
  if (!mqtt::isValidUtf8(payload)) {
    return refuse(RejectReason::kUtf8, "payload is not valid UTF-8", payload, limits);
  }
  if (jsonDepth(payload) > kMaxJsonDepth) {
    return refuse(RejectReason::kJson, "JSON nested deeper than " + std::to_string(kMaxJsonDepth),
                  payload, limits);
  }
  nlohmann::json doc = nlohmann::json::parse(payload, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return refuse(RejectReason::kJson, "not JSON", payload, limits);
  if (!doc.is_object()) return refuse(RejectReason::kJson, "not a JSON object", payload, limits);
  if (schema) {
    if (auto err = schema(parts.kind, doc)) {
      return refuse(RejectReason::kSchema, *err, payload, limits);
    }
  }
  const std::string* kind = stringField(doc, "kind");
  const std::string* school = stringField(doc, "school_id");
  const std::string* device = stringField(doc, "device_id");
  if (kind == nullptr || *kind != parts.kind) {
    return refuse(RejectReason::kTopicMismatch, "payload kind differs from the topic's", payload,
                  limits);
  }
  if (device == nullptr || *device != parts.device_id) {
    return refuse(RejectReason::kTopicMismatch, "payload device_id differs from the topic's",
                  payload, limits);
  }
  if (school == nullptr || *school != parts.school_id) {
    return refuse(RejectReason::kTopicMismatch, "payload school_id differs from the topic's",
                  payload, limits);
  }
  return Accepted{std::move(parts), std::move(doc)};
}

}  // namespace uplinkprobe::collector
