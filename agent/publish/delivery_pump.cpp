#include "agent/publish/delivery_pump.h"

#include <algorithm>
#include <functional>

#include <spdlog/spdlog.h>

#include "agent/publish/topic.h"

namespace uplinkprobe::publish {
namespace {

uint64_t seedFor(const DeliveryOptions& o) {
  if (o.jitter_seed != 0) return o.jitter_seed;
  return std::hash<std::string>{}(o.status.identity.device_id) | 1;
}

// Caps the acked-but-not-contiguous set; dropping an entry only costs one extra re-send.
constexpr size_t kAckedBeyondMaxFactor = 4;

}  // namespace

DeliveryPump::DeliveryPump(journal::Journal& journal, Publisher& publisher, const Clock& clock,
                           DeliveryOptions options)
    : journal_(journal),
      publisher_(publisher),
      clock_(clock),
      options_(std::move(options)),
      bucket_(clock, options_.replay_per_second, std::max(1.0, options_.replay_per_second)),
      reconnect_backoff_(options_.reconnect_initial, options_.reconnect_max, seedFor(options_)),
      publish_backoff_(options_.reconnect_initial, options_.reconnect_max,
                       seedFor(options_) ^ 0x9e3779b97f4a7c15ull),
      next_attempt_(clock.steadyNow()),
      hold_until_(clock.steadyNow()) {
  if (options_.max_in_flight == 0) options_.max_in_flight = 1;
  delivered_ = journal_.deliveredSeq();
  cursor_ = delivered_;
  max_sent_ = delivered_;
  publisher_.setListener(this);
}

DeliveryPump::~DeliveryPump() {
  *alive_ = false;
  publisher_.setListener(nullptr);
}

void DeliveryPump::onRecordAppended(const journal::StoredRecord& record) {
  // Queued only if it is the very next seq after what is queued or sent, so ahead_ stays the
  // contiguous run after cursor_ that a journal read would have produced; bounded by the
  // window like a read batch. Anything else is left to the journal read in pump().
  const uint64_t expected = ahead_.empty() ? cursor_ + 1 : ahead_.back().seq + 1;
  if (connected_ && record.seq == expected && ahead_.size() < options_.max_in_flight) {
    ahead_.push_back(record);
    ++stats_.handed_over;
  }
  pump();
}

void DeliveryPump::tick() {
  const SteadyTime now = clock_.steadyNow();
  if (!connected_ && !connecting_ && now >= next_attempt_) {
    connecting_ = true;
    publisher_.connectAsync();
    return;
  }
  pump();
}

DeliveryStats DeliveryPump::stats() const {
  DeliveryStats s = stats_;
  s.connected = connected_;
  s.last_seq = journal_.lastSeq();
  s.delivered_seq = delivered_;
  s.in_flight = static_cast<size_t>(std::count_if(in_flight_.begin(), in_flight_.end(),
                                                  [](const InFlight& f) { return !f.acked; }));
  return s;
}

void DeliveryPump::onConnected() {
  connected_ = true;
  connecting_ = false;
  ++stats_.connects;
  if (reconnect_backoff_.attempts() > 0) {
    spdlog::info("mqtt: connected after {} failed attempt(s); replaying from seq {}",
                 reconnect_backoff_.attempts(), delivered_ + 1);
  } else {
    spdlog::info("mqtt: connected; delivering from seq {}", delivered_ + 1);
  }
  reconnect_backoff_.reset();
  const auto& st = options_.status;
  publisher_.publish(
      topicFor(options_.topic_prefix, st.identity.school_id, st.identity.device_id, "status"),
      statusOnlineJson(st, clock_.wallNow()), 1, true, [](bool ok) {
        if (!ok) spdlog::warn("mqtt: retained online status was not acknowledged");
      });
  restartFromDelivered();
  pump();
}

void DeliveryPump::onConnectFailed(const Error& error) {
  connecting_ = false;
  connected_ = false;
  ++stats_.connect_failures;
  stats_.last_error = std::string(errorKindName(error.kind)) + ": " + error.message;
  scheduleReconnect();
  const auto wait =
      std::chrono::duration_cast<std::chrono::milliseconds>(next_attempt_ - clock_.steadyNow());
  spdlog::error("mqtt: connect failed ({}): {}; records stay in the journal; retry {} in {:.1f} s",
                errorKindName(error.kind), error.message, reconnect_backoff_.attempts() + 1,
                wait.count() / 1000.0);
}

void DeliveryPump::onConnectionLost(const std::string& cause) {
  if (!connected_) return;
  connected_ = false;
  connecting_ = false;
  ++stats_.connection_losses;
  stats_.last_error = "connection lost: " + cause;
  restartFromDelivered();
  scheduleReconnect();
  spdlog::warn("mqtt: connection lost ({}); {} record(s) unacknowledged, reconnecting",
               cause.empty() ? "no cause given" : cause, journal_.lastSeq() - delivered_);
}

void DeliveryPump::scheduleReconnect() {
  next_attempt_ = clock_.steadyNow() + reconnect_backoff_.next();
}

// Abandons the current window: later completions of it are ignored (epoch), and sending
// restarts at the first record not known to be acknowledged.
void DeliveryPump::restartFromDelivered() {
  ++epoch_;
  for (const auto& f : in_flight_) {
    if (f.acked && f.seq > delivered_) acked_beyond_.insert(f.seq);
  }
  while (acked_beyond_.size() > kAckedBeyondMaxFactor * options_.max_in_flight) {
    acked_beyond_.erase(std::prev(acked_beyond_.end()));
  }
  in_flight_.clear();
  ahead_.clear();
  cursor_ = delivered_;
}

void DeliveryPump::pump() {
  if (!connected_) return;
  if (clock_.steadyNow() < hold_until_) return;
  while (in_flight_.size() < options_.max_in_flight) {
    if (ahead_.empty()) {
      if (journal_.lastSeq() <= cursor_) return;
      auto batch = journal_.read(cursor_, options_.max_in_flight);
      if (batch.empty()) return;
      for (auto& r : batch) ahead_.push_back(std::move(r));
    }
    const journal::StoredRecord& rec = ahead_.front();
    if (acked_beyond_.count(rec.seq) != 0) {
      in_flight_.push_back({rec.seq, true});
      cursor_ = rec.seq;
      ahead_.pop_front();
      advanceDelivered();
      continue;
    }
    if (!bucket_.tryTake()) return;
    const auto& st = options_.status;
    const std::string topic = topicFor(options_.topic_prefix, st.identity.school_id,
                                       st.identity.device_id, topicKindFor(rec.kind));
    const uint64_t seq = rec.seq;
    const uint64_t epoch = epoch_;
    in_flight_.push_back({seq, false});
    cursor_ = seq;
    ++stats_.published;
    if (seq <= max_sent_) ++stats_.resent;
    max_sent_ = std::max(max_sent_, seq);
    std::weak_ptr<bool> alive = alive_;
    const std::string payload = std::move(ahead_.front().json);
    const bool retain = retainedKind(rec.kind);
    ahead_.pop_front();
    publisher_.publish(topic, payload, 1, retain, [this, alive, epoch, seq](bool ok) {
      if (auto a = alive.lock(); a && *a) onPublishDone(epoch, seq, ok);
    });
    if (!connected_) return;  // a fake or adapter may report loss synchronously
  }
}

void DeliveryPump::onPublishDone(uint64_t epoch, uint64_t seq, bool ok) {
  if (epoch != epoch_) return;
  auto it = std::find_if(in_flight_.begin(), in_flight_.end(),
                         [seq](const InFlight& f) { return f.seq == seq; });
  if (it == in_flight_.end() || it->acked) return;
  if (!ok) {
    ++stats_.failed;
    const auto pause = publish_backoff_.next();
    stats_.last_error = "publish of seq " + std::to_string(seq) + " not acknowledged";
    spdlog::warn(
        "mqtt: publish of seq {} failed or was refused by the broker; resending from "
        "seq {} in {:.1f} s",
        seq, delivered_ + 1, pause.count() / 1000.0);
    hold_until_ = clock_.steadyNow() + pause;
    restartFromDelivered();
    return;
  }
  it->acked = true;
  ++stats_.acked;
  if (advanceDelivered()) publish_backoff_.reset();
  pump();
}

bool DeliveryPump::advanceDelivered() {
  const uint64_t before = delivered_;
  while (!in_flight_.empty() && in_flight_.front().acked) {
    delivered_ = in_flight_.front().seq;
    in_flight_.pop_front();
  }
  if (delivered_ == before) return false;
  journal_.markDelivered(delivered_);
  acked_beyond_.erase(acked_beyond_.begin(), acked_beyond_.upper_bound(delivered_));
  return true;
}

}  // namespace uplinkprobe::publish
