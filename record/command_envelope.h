// The signed remote-command envelope (issue 12, docs/control.md): what the collector signs
// and the agent verifies. Shared by both programs so that there is exactly one definition of
// the wire form and of the canonical bytes.
//
// Wire form (one MQTT payload, UTF-8 JSON object, at most kMaxCommandBytes):
//   {"schema":"uplinkprobe-command/1","command_id":"…","verb":"run_test","args":{…},
//    "target":{"device_id":"…"} | {"school_id":"…"} | {"county":"…"},
//    "issued_at":"2026-12-02T01:53:27Z","expires_at":"…","issuer_seq":42,
//    "key_id":"0123456789abcdef","signature":"<base64 of 64 bytes>"}
// Canonical bytes (what is signed): the same object WITHOUT "signature", serialised as
// RFC 8785 (JCS) restricted to integers: members sorted by name, no whitespace, strings
// with only `"` `\` and U+0000..U+001F escaped (\b \f \n \r \t, else \u00xx lowercase),
// everything else literal UTF-8; numbers are integers in [-(2^53-1), 2^53-1]; a float
// anywhere makes the command malformed. That is also exactly Python's
//   json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
// for such objects (member names are ASCII).
//
// What is verified is what is acted on: parseCommand() keeps the parsed values and the
// verifier re-serialises THEM; no field outside the signed object exists.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "common/clock.h"
#include "common/result.h"
#include "record/ed25519.h"

namespace uplinkprobe::record {

inline constexpr const char* kCommandSchema = "uplinkprobe-command/1";
inline constexpr size_t kMaxCommandBytes = 16 * 1024;
// expires_at - issued_at may not exceed this.
inline constexpr std::chrono::hours kMaxCommandLifetime{24};

enum class TargetKind { kDevice, kSchool, kCounty };

struct CommandTarget {
  TargetKind kind = TargetKind::kDevice;
  std::string value;
};
// "device_id", "school_id", "county": the member name in "target".
std::string_view targetMember(TargetKind kind);

struct CommandEnvelope {
  std::string command_id;  // 1-64 of [A-Za-z0-9._:-], unique per issuer
  std::string verb;        // 1-32 of [a-z_]; the agent decides whether it knows it
  nlohmann::json args = nlohmann::json::object();  // object; the verb defines its members
  CommandTarget target;
  std::string issued_at;    // RFC 3339 UTC: YYYY-MM-DDTHH:MM:SS[.f{1,9}]Z
  std::string expires_at;   // same form; later than issued_at by at most kMaxCommandLifetime
  uint64_t issuer_seq = 0;  // 1..2^53-1, strictly increasing per key (the replay counter)
  std::string key_id;       // 16 lowercase hex: keyIdOf(the signer's public key)
  std::string signature;    // raw 64 bytes; empty = unsigned (never valid)
};

// RFC 8785 (integers only) serialisation of any JSON value; errors (kind "malformed") for
// floats, integers beyond 2^53-1 in magnitude, invalid UTF-8 and nesting deeper than 8.
Result<std::string> canonicalJson(const nlohmann::json& value);

// The object that is signed (wire form without "signature").
nlohmann::json signedObject(const CommandEnvelope& c);
// canonicalJson(signedObject(c)).
Result<std::string> canonicalBytes(const CommandEnvelope& c);

// The wire payload (canonical form of the signed object plus "signature" in base64).
Result<std::string> serializeCommand(const CommandEnvelope& c);

// Parses and checks the FORM only (kind "malformed": size, JSON, unknown or missing members,
// types, patterns, time format, lifetime). A missing "signature" is not an error here
// (signature stays empty: the verifier answers "unsigned"). Authenticity is not checked.
Result<CommandEnvelope> parseCommand(std::string_view payload);

// Sets key_id and signature.
Status signCommand(CommandEnvelope& c, const PrivateKey& key);
// True when `signature` is key's valid signature of canonicalBytes(c).
bool verifyCommandSignature(const CommandEnvelope& c, const PublicKey& key);

// Parses the envelope's time form (UTC only).
std::optional<WallTime> parseCommandTime(const std::string& s);
// Formats whole seconds, UTC, "Z".
std::string formatCommandTime(WallTime t);

}  // namespace uplinkprobe::record
