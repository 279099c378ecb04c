// DeliveryPump: store-and-forward from the journal to the broker. Pure logic over three
// narrow interfaces (Journal, Publisher, Clock), unit-tested with fakes and a ManualClock.
//
// Contract:
// - Records go out at QoS 1 in seq order on {prefix}/{school}/{device}/{kind}, payload = the
//   exact journaled bytes (StoredRecord::json), so a re-send is byte-identical and the
//   collector deduplicates on "id" and finds gaps from "seq".
// - A record counts as delivered only when its PUBACK arrives, and the delivered position
//   (Journal::markDelivered, persisted batched by the journal) only moves over a contiguous
//   acknowledged prefix: delivered = highest seq whose every earlier record was acked. So
//   after a crash or reconnect only unacknowledged records are sent again.
// - At most `max_in_flight` unacknowledged publishes at a time (bounded memory; Paho's own
//   in-flight limit is set above it).
// - Sends draw from a token bucket of `replay_per_second` (burst = one second's worth), which
//   rate-limits a backlog replay after an outage; live traffic is far below it.
// - Connecting is driven from here, not by Paho's automatic reconnect (which never retries a
//   failed first connect): one attempt at start, then capped exponential backoff with jitter
//   after every failure or loss; reset on success.
// - After every (re)connect the retained "online" status is published first.
// - Publish failures (e.g. an MQTT 5 PUBACK with an error reason code) pause sending for a
//   backoff delay, then resume from the first unacknowledged record: never skip a record.
//
// Threads: every method runs on the owner thread (the daemon's loop); the Publisher delivers
// its notifications there (publisher.h). The daemon calls tick() from a timer (every
// ~200 ms is plenty: it only matters while waiting for tokens or a reconnect deadline) and
// onRecordAppended(record) after each journal append. The Publisher must outlive the pump.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <set>
#include <string>

#include "agent/journal/journal.h"
#include "agent/publish/backoff.h"
#include "agent/publish/publisher.h"
#include "agent/publish/status_message.h"
#include "agent/publish/token_bucket.h"
#include "common/clock.h"

namespace uplinkprobe::publish {

struct DeliveryOptions {
  std::string topic_prefix = "uplinkprobe/v1";
  StatusInfo status;  // identity (school_id, device_id) used in topics, and the status payload
  size_t max_in_flight = 20;
  double replay_per_second = 20;  // mqtt.replay_per_second; <= 0 = unlimited
  std::chrono::milliseconds reconnect_initial{1000};
  std::chrono::milliseconds reconnect_max{300000};
  uint64_t jitter_seed = 0;  // 0 = derive from device_id (stable per device, differs across)
};

struct DeliveryStats {
  bool connected = false;
  uint64_t last_seq = 0;       // journal's highest seq
  uint64_t delivered_seq = 0;  // contiguous acknowledged position
  size_t in_flight = 0;
  uint64_t published = 0;    // publish() calls for records
  uint64_t resent = 0;       // of which re-sends of a seq sent before
  uint64_t handed_over = 0;  // records queued from onRecordAppended's bytes, not read back
  uint64_t acked = 0;
  uint64_t failed = 0;  // on_done(false)
  uint64_t connects = 0;
  uint64_t connect_failures = 0;
  uint64_t connection_losses = 0;
  std::string last_error;  // last connect/publish problem, for `status` and logs
};

class DeliveryPump final : public PublisherListener {
 public:
  // Registers itself as the publisher's listener (and detaches in the destructor).
  DeliveryPump(journal::Journal& journal, Publisher& publisher, const Clock& clock,
               DeliveryOptions options);
  ~DeliveryPump() override;
  DeliveryPump(const DeliveryPump&) = delete;
  DeliveryPump& operator=(const DeliveryPump&) = delete;

  // A record was just appended to the journal: send it if the window and the bucket allow.
  // When the pump is caught up, these are the bytes it publishes (no journal read-back);
  // the journal is read only to replay what this path did not carry (a backlog, a
  // reconnect, a record that arrived while the window was full).
  void onRecordAppended(const journal::StoredRecord& record);
  // Timer: starts a due (re)connect attempt; resumes sending after a token/pause wait.
  void tick();
  DeliveryStats stats() const;

  // PublisherListener (owner thread).
  void onConnected() override;
  void onConnectFailed(const Error& error) override;
  void onConnectionLost(const std::string& cause) override;

 private:
  struct InFlight {
    uint64_t seq;
    bool acked;
  };
  void pump();
  void onPublishDone(uint64_t epoch, uint64_t seq, bool ok);
  void restartFromDelivered();
  // Moves delivered_ over the acknowledged prefix of in_flight_; true if it moved.
  bool advanceDelivered();
  void scheduleReconnect();

  journal::Journal& journal_;
  Publisher& publisher_;
  const Clock& clock_;
  DeliveryOptions options_;
  TokenBucket bucket_;
  Backoff reconnect_backoff_;
  Backoff publish_backoff_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);

  bool connected_ = false;
  bool connecting_ = false;
  SteadyTime next_attempt_;
  SteadyTime hold_until_;
  uint64_t epoch_ = 0;   // bumped when the in-flight window is abandoned
  uint64_t cursor_ = 0;  // highest seq read for sending in this pass
  uint64_t delivered_ = 0;
  uint64_t max_sent_ = 0;                    // highest seq ever handed to publish()
  std::deque<journal::StoredRecord> ahead_;  // read ahead, bounded by max_in_flight
  std::deque<InFlight> in_flight_;
  std::set<uint64_t> acked_beyond_;  // acked seqs > delivered_ kept across a restart
  DeliveryStats stats_;
};

}  // namespace uplinkprobe::publish
