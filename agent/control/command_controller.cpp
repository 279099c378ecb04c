#include "agent/control/command_controller.h"

namespace uplinkprobe::control {

CommandController::CommandController(CommandVerifier verifier, ControllerRules rules,
                                     std::unique_ptr<ReplayStore> store, CommandActions& actions,
                                     const Clock& clock)
    : verifier_(std::move(verifier)),
      rules_(rules),
      store_(std::move(store)),
      actions_(actions),
      clock_(clock),
      commands_(rules.max_commands_per_hour, std::chrono::hours(1)),
      refusal_events_(kMaxRefusalEventsPerHour, std::chrono::hours(1)) {
  auto loaded = store_->load();
  if (loaded)
    replay_ = std::move(*loaded);
  else
    load_error_ = loaded.error();
}

nlohmann::json CommandController::commonFields(const record::CommandEnvelope& c) const {
  return {{"command_id", c.command_id},
          {"verb", c.verb},
          {"key_id", c.key_id},
          {"issuer_seq", c.issuer_seq}};
}

void CommandController::refuse(const std::optional<record::CommandEnvelope>& c, Refusal r,
                               const std::string& detail) {
  if (!refusal_events_.tryAcquire(clock_.steadyNow())) {
    ++suppressed_;
    ++unreported_;
    return;
  }
  nlohmann::json f = c ? commonFields(*c) : nlohmann::json::object();
  f["reason"] = std::string(refusalName(r));
  f["detail"] = detail.substr(0, 512);
  if (unreported_ > 0) {
    f["suppressed"] = unreported_;
    unreported_ = 0;
  }
  actions_.emitEvent("command_refused", std::move(f));
}

void CommandController::onMessage(const std::string& payload) {
  ++received_;
  auto verdict = verifier_.verify(payload, clock_.wallNow(), replay_);
  if (!verdict.accepted()) {
    refuse(verdict.command, *verdict.refusal, verdict.detail);
    return;
  }
  const record::CommandEnvelope& env = *verdict.command;
  if (load_error_) {
    refuse(env, Refusal::kFailed, "replay state unreadable: " + load_error_->message);
    return;
  }
  // Consume the number first, durably (see the header): at most once, even across kill -9.
  ReplayState next = replay_;
  next.advance(env.key_id, env.issuer_seq);
  if (auto st = store_->save(next); !st) {
    refuse(env, Refusal::kFailed, "cannot save the replay mark: " + st.error().message);
    return;
  }
  replay_ = std::move(next);
  auto command = parseVerb(env.verb, env.args, actions_.currentConfig());
  if (!command) {
    refuse(env,
           command.error().kind == ErrorKind::kUnknownVerb ? Refusal::kUnknownVerb
                                                           : Refusal::kInvalidArguments,
           command.error().message);
    return;
  }
  if (!commands_.tryAcquire(clock_.steadyNow())) {
    refuse(env, Refusal::kRateLimited,
           "more than " + std::to_string(rules_.max_commands_per_hour) + " commands in an hour");
    return;
  }
  auto once = std::make_shared<bool>(false);
  auto common = commonFields(env);
  actions_.execute(*command, env, [this, once, env, common](Outcome o) {
    if (*once) return;
    *once = true;
    if (o.refusal) {
      refuse(env, *o.refusal, o.detail);
      return;
    }
    nlohmann::json f = o.fields.is_object() ? o.fields : nlohmann::json::object();
    for (auto it = common.begin(); it != common.end(); ++it) f[it.key()] = it.value();
    actions_.emitEvent("command_done", std::move(f));
  });
}

}  // namespace uplinkprobe::control
