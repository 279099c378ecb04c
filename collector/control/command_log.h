// The audit log of remote commands (issue 12): every command the collector signs is written
// with who issued it, when, the verb, its arguments and its target BEFORE it is published —
// a crash after publishing still leaves the row — together with the devices it was sent to.
// The outcome per device is not copied: it is the probe's own answer, the command_done /
// command_refused event record the collector stores like any other record, found again by
// command_id (within the command's lifetime, through the records index by school and kind).
// Tables: command_log and command_devices (store migration 5, collector/store/schema.cpp).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "collector/control/command_issuer.h"
#include "collector/db/database.h"
#include "common/result.h"
#include "record/command_envelope.h"

namespace uplinkprobe::collector::control {

// Writes the command and its devices (sent = 0). `issued_by`: who pressed the button or ran
// the command (the web user, or the Unix account of `uplinkprobe-collector command`).
// `issued_ms`: the issuer's clock in ms (the envelope's issued_at has whole seconds only, and
// the log is ordered by it).
Status logIssued(db::Database& db, const record::CommandEnvelope& env, const std::string& issued_by,
                 const std::vector<DeviceAddress>& devices, int64_t issued_ms);
// The broker acknowledged the command for `device_id`.
Status logSent(db::Database& db, const std::string& command_id, const std::string& device_id);

struct DeviceOutcome {
  std::string device_id;
  std::string school_id;
  bool sent = false;
  std::string outcome;  // "command_done" | "command_refused" | "" (no answer stored yet)
  std::string reason;   // refusal reason
  std::optional<int64_t> answered_ms;
};

struct LoggedCommand {
  std::string command_id;
  int64_t issued_ms = 0;
  int64_t expires_ms = 0;
  std::string issued_by, key_id, verb, args, target;
  std::vector<DeviceOutcome> devices;
};

// The newest `limit` commands (1..1000), newest first, each with every device's outcome;
// with a school id, only commands sent to a device of that school.
Result<std::vector<LoggedCommand>> listCommands(db::Database& db, int limit,
                                                const std::string& school_id = "");

}  // namespace uplinkprobe::collector::control
