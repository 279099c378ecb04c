// Issuing one signed remote command, shared by `uplinkprobe-collector command` and the web
// UI's "test now": resolve the target to the devices the collector has seen, sign with the
// key file (issuer counter persisted beside it), write the audit rows BEFORE publishing
// (command_log.h), publish QoS 1 to each device's cmd topic and record each PUBACK.
// Blocking and bounded: connect ≤ 10 s, each PUBACK ≤ 10 s.
#pragma once

#include <mqtt/async_client.h>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "collector/config/config.h"
#include "collector/control/command_issuer.h"
#include "collector/db/database.h"
#include "common/clock.h"
#include "common/result.h"
#include "record/command_envelope.h"
#include "record/ed25519.h"

namespace uplinkprobe::collector::control {

// A connected client for the collector's broker ([mqtt]: credentials from password_file,
// TLS when the URI is ssl:// or mqtts://, verified against ca_file). Kind "mqtt" or "config".
Result<std::unique_ptr<mqtt::async_client>> connectBroker(const config::MqttConfig& m,
                                                          const std::string& client_id);

struct IssueRequest {
  std::string verb;
  nlohmann::json args = nlohmann::json::object();
  record::CommandTarget target;
  int expires_minutes = 15;
  std::string issued_by;  // for the audit log: "NAME via cli", "NAME via web"
};

struct Issued {
  record::CommandEnvelope envelope;
  std::vector<DeviceAddress> devices;
  std::vector<std::string> acknowledged;  // device ids whose publish the broker acknowledged
  std::vector<std::string> problems;      // one line per device that was not
};

// Signs `request` for `devices` (resolveTarget() of request.target, which the caller needs
// anyway: the CLI subscribes to their answers before publishing) with `key`, the key read
// from `key_path` (the issuer counter is kept beside it), writes the audit rows, publishes
// and records each PUBACK. Error kinds: "target" (no device), "key", "db", "usage"
// (arguments that cannot be signed, e.g. a float). Per-device publish failures are in
// Issued::problems.
Result<Issued> issueCommand(db::Database& db, mqtt::async_client& client,
                            const std::string& topic_prefix, const record::PrivateKey& key,
                            const std::string& key_path, std::vector<DeviceAddress> devices,
                            IssueRequest request, WallTime now);

}  // namespace uplinkprobe::collector::control
