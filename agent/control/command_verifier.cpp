#include "agent/control/command_verifier.h"

#include <algorithm>

namespace uplinkprobe::control {

std::string_view refusalName(Refusal r) {
  switch (r) {
    case Refusal::kMalformed:
      return "malformed";
    case Refusal::kUnsigned:
      return "unsigned";
    case Refusal::kUnknownKey:
      return "unknown_key";
    case Refusal::kBadSignature:
      return "bad_signature";
    case Refusal::kWrongDevice:
      return "wrong_device";
    case Refusal::kNotYetValid:
      return "not_yet_valid";
    case Refusal::kExpired:
      return "expired";
    case Refusal::kReplayed:
      return "replayed";
    case Refusal::kUnknownVerb:
      return "unknown_verb";
    case Refusal::kInvalidArguments:
      return "invalid_arguments";
    case Refusal::kRateLimited:
      return "rate_limited";
    case Refusal::kBusy:
      return "busy";
    case Refusal::kBudgetExhausted:
      return "budget_exhausted";
    case Refusal::kFailed:
      return "failed";
  }
  return "failed";
}

bool beforeAuthentication(Refusal r) {
  return r == Refusal::kMalformed || r == Refusal::kUnsigned || r == Refusal::kUnknownKey ||
         r == Refusal::kBadSignature;
}

CommandVerifier::CommandVerifier(std::vector<record::PublicKey> trusted, DeviceScope scope,
                                 std::chrono::seconds max_clock_skew)
    : trusted_(std::move(trusted)), scope_(std::move(scope)), skew_(max_clock_skew) {}

bool CommandVerifier::targetsUs(const record::CommandTarget& t) const {
  switch (t.kind) {
    case record::TargetKind::kDevice:
      return t.value == scope_.device_id;
    case record::TargetKind::kSchool:
      return t.value == scope_.school_id;
    case record::TargetKind::kCounty:
      return !scope_.county.empty() && t.value == scope_.county;
  }
  return false;
}

Verdict CommandVerifier::verify(std::string_view payload, WallTime now,
                                const ReplayState& replay) const {
  Verdict v;
  auto refuse = [&](Refusal r, std::string detail) {
    v.refusal = r;
    v.detail = std::move(detail);
    return v;
  };
  auto parsed = record::parseCommand(payload);
  if (!parsed) return refuse(Refusal::kMalformed, parsed.error().message);
  v.command = std::move(*parsed);
  const auto& c = *v.command;
  if (c.signature.empty()) return refuse(Refusal::kUnsigned, "the command carries no signature");
  const record::PublicKey* key = nullptr;
  for (const auto& k : trusted_)
    if (k.keyId() == c.key_id) key = &k;
  if (key == nullptr)
    return refuse(Refusal::kUnknownKey, "key " + c.key_id + " is not in [control] trusted_keys");
  if (!record::verifyCommandSignature(c, *key))
    return refuse(Refusal::kBadSignature, "the signature does not verify under key " + c.key_id);
  if (!targetsUs(c.target))
    return refuse(Refusal::kWrongDevice, "addressed to " +
                                             std::string(record::targetMember(c.target.kind)) +
                                             " \"" + c.target.value + "\"");
  // parseCommand() guarantees both parse.
  const WallTime issued = *record::parseCommandTime(c.issued_at);
  const WallTime expires = *record::parseCommandTime(c.expires_at);
  if (issued > now + skew_)
    return refuse(Refusal::kNotYetValid,
                  "issued_at " + c.issued_at + " is in the future (is this probe's clock right?)");
  if (expires + skew_ <= now) return refuse(Refusal::kExpired, "expired at " + c.expires_at);
  if (!replay.fresh(c.key_id, c.issuer_seq))
    return refuse(Refusal::kReplayed, "issuer_seq " + std::to_string(c.issuer_seq) +
                                          " is not above " +
                                          std::to_string(replay.highWater(c.key_id)));
  return v;
}

bool RateWindow::tryAcquire(SteadyTime now) {
  admitted_.erase(std::remove_if(admitted_.begin(), admitted_.end(),
                                 [&](SteadyTime t) { return now - t >= window_; }),
                  admitted_.end());
  if (static_cast<int>(admitted_.size()) >= max_) return false;
  admitted_.push_back(now);
  return true;
}

}  // namespace uplinkprobe::control
