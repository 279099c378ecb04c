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

record::CommandAnswer CommandController::answerTo(const record::CommandEnvelope& c) const {
  record::CommandAnswer a;
  a.command_id = c.command_id;
  a.verb = c.verb;
  a.key_id = c.key_id;
  a.issuer_seq = c.issuer_seq;
  return a;
}

void CommandController::refuse(const std::optional<record::CommandEnvelope>& c, Refusal r,
                               const std::string& detail) {
  if (!refusal_events_.tryAcquire(clock_.steadyNow())) {
    ++suppressed_;
    ++unreported_;
    return;
  }
  record::CommandAnswer a = c ? answerTo(*c) : record::CommandAnswer{};
  a.done = false;
  a.reason = std::string(refusalName(r));
  a.detail = detail;  // cut to the schema's length at a character boundary by toJson
  a.suppressed = unreported_;
  unreported_ = 0;
  actions_.emitAnswer(a);
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
  actions_.execute(*command, env, [this, once, env](Outcome o) {
    if (*once) return;
    *once = true;
    if (o.refusal) {
      refuse(env, *o.refusal, o.detail);
      return;
    }
    record::CommandAnswer done = answerTo(env);
    done.done = true;
    if (o.fields.is_object()) done.result = std::move(o.fields);
    actions_.emitAnswer(done);
  });
}

}  // namespace uplinkprobe::control
