// The issuing side of signed remote commands (docs/control.md): signing keys, the issuer's
// replay counter, verb arguments from the command line, and which devices a target reaches.
// The envelope format itself lives in record/command_envelope.h (shared with the agent).
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "collector/db/database.h"
#include "common/clock.h"
#include "common/result.h"
#include "record/command_envelope.h"

namespace uplinkprobe::collector::control {

struct KeyFiles {
  std::string private_path;  // DIR/command-key.pem, 0600
  std::string public_path;   // DIR/command-key.pub, 0644: give this to probes
  std::string key_id;
};

// A fresh Ed25519 key pair in `dir` (created 0700 if missing). Never overwrites a key.
Result<KeyFiles> generateKeyFiles(const std::string& dir);

// Reads a private key file; refuses one that group or others may read (kind "key").
Result<record::PrivateKey> loadSigningKey(const std::string& path);

// The next issuer_seq for the key at `private_key_path`, persisted (atomically) in
// "<private_key_path>.seq" BEFORE it is used: max(last + 1, Unix time in ms). The time term
// keeps numbers increasing even if the counter file is lost or two copies of the key exist
// on machines with correct clocks.
Result<uint64_t> nextIssuerSeq(const std::string& private_key_path, WallTime now);

// Verb arguments from "name=value" words: digits → integer, "windows" → list split at ','
// (only windows is a list), "true"/"false" →
// boolean, anything else → string. Error kind "usage".
Result<nlohmann::json> parseVerbArgs(const std::vector<std::string>& words);

struct DeviceAddress {
  std::string device_id;
  std::string school_id;
};
// The devices a target reaches, from the devices the collector has seen (devices table) and
// the school registry (schools.county). A device never seen cannot be addressed.
Result<std::vector<DeviceAddress>> resolveTarget(db::Database& db,
                                                 const record::CommandTarget& target);

// {prefix}/{school_id}/{device_id}/cmd; ids that would break the topic are refused.
Result<std::string> commandTopic(const std::string& prefix, const DeviceAddress& d);

}  // namespace uplinkprobe::collector::control
