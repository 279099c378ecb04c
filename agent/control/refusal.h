// Why a remote command was not carried out: the `reason` of a `command_refused` event
// (docs/control.md lists them; docs/schema/event.json enumerates them).
#pragma once

#include <string_view>

namespace uplinkprobe::control {

enum class Refusal {
  kMalformed,         // not a command envelope (size, JSON, members, types, times, lifetime)
  kUnsigned,          // no signature
  kUnknownKey,        // key_id is not one of [control] trusted_keys
  kBadSignature,      // signature does not verify under that key (tampered or forged)
  kWrongDevice,       // target is another device, school or county
  kNotYetValid,       // issued_at later than now + skew
  kExpired,           // expires_at earlier than now - skew
  kReplayed,          // issuer_seq not above the key's high-water mark
  kUnknownVerb,       // authentic, but not one of the fixed verbs
  kInvalidArguments,  // authentic verb, bad arguments (or the config change does not validate)
  kRateLimited,       // more than [control] max_commands_per_hour
  kBusy,              // run_test while a test is running
  kBudgetExhausted,   // run_test with the monthly data budget used up
  kFailed,            // could not be carried out (I/O); nothing was changed
};

std::string_view refusalName(Refusal r);

// Refusals decided before the sender is known to hold a trusted key.
bool beforeAuthentication(Refusal r);

}  // namespace uplinkprobe::control
