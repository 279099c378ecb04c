// checkMessage: the collector's judgement of one MQTT message. Every message is hostile:
// size cap, topic shape and known kind, UTF-8, JSON object, the kind's JSON Schema, and the
// topic's school/device/kind equal to the payload's. Pure (no I/O, no clock), so it is
// unit-tested with strings; the schema check is injected (record::SchemaSet in the service).
#pragma once

#include <cstddef>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "collector/ingest/ingest_metrics.h"

namespace uplinkprobe::collector {

// Kinds a collector accepts on {prefix}/{school}/{device}/{kind}. `alert/state` is the one
// two-level kind; its record kind (and schema) is `alert_state`.
struct TopicParts {
  std::string school_id;
  std::string device_id;
  std::string kind;  // record kind: "throughput", …, "alert_state"
};

enum class TopicClass { kRecord, kCommand, kBadTopic, kUnknownKind };
// Parses `topic` under `prefix` (no trailing slash). kCommand: …/cmd, the collector's own
// signed commands to devices (not evidence, ignored).
TopicClass parseTopic(std::string_view prefix, std::string_view topic, TopicParts& out);

// Returns nullopt when valid, else the validator's message.
using SchemaCheck =
    std::function<std::optional<std::string>(std::string_view kind, const nlohmann::json& doc)>;

struct CheckLimits {
  std::size_t max_payload_bytes = 64 * 1024;
  std::size_t head_bytes = 512;  // how much of a refused payload is kept
};

struct Accepted {
  TopicParts parts;
  nlohmann::json record;
};
struct Refused {
  RejectReason reason;
  std::string detail;  // for the log: "/seq: expected integer, got string (type)"
  std::string head;    // first ≤ head_bytes of the payload, as valid UTF-8 (bad bytes as \xNN)
};
struct Ignored {};

using CheckResult = std::variant<Accepted, Refused, Ignored>;

CheckResult checkMessage(std::string_view prefix, std::string_view topic, std::string_view payload,
                         const SchemaCheck& schema, const CheckLimits& limits);

// The first ≤ max bytes of `payload` as valid UTF-8: bytes that are not part of a
// well-formed sequence become "\xNN" (so the text fits a PostgreSQL text column); a
// sequence cut by the limit is dropped.
std::string safeHead(std::string_view payload, std::size_t max);

}  // namespace uplinkprobe::collector
