// Ingestor: MQTT messages in, one RecordStore::commitBatch() per batch out, and the batch's
// PUBACKs only after that commit returned ok.
//
// Guarantees:
// - At-least-once into the database: a QoS 1 message is acknowledged (ack callback) only
//   after the batch holding it — accepted records and refused messages alike — was committed.
//   A crash, a lost connection or a failing database leaves it un-acked, and the broker
//   (persistent session) delivers it again; the store's key makes that a counted duplicate.
// - Nothing is dropped silently: every message is either committed (as a record, or in the
//   rejected table with its reason) or left un-acked for redelivery. The one exception is
//   QoS 0, which the publisher chose to be at-most-once: a QoS 0 message that cannot be
//   queued (over max_pending) or whose batch is abandoned is counted in qos0_dropped.
// - Bounded: a batch closes at max_batch messages or batch_delay after its first message,
//   whichever comes first; batches that wait behind a running commit are merged into one
//   transaction of at most max_commit messages; queued work is bounded by the broker's flow control
//   (Receive Maximum) for QoS 1 and by max_pending for QoS 0. A failing commit is retried with
//   capped exponential back-off up to max_attempts, then the batch is abandoned un-acked and
//   on_store_failure runs (the service drops the MQTT connection, so the broker keeps the
//   messages until the collector reconnects); later batches of that connection are skipped
//   (their messages come again too).
// - Order: acks are issued in the order messages were received (MQTT 5 §4.6).
//
// Threading: onMessage/onConnectionLost/drainNow run on the io_context thread (the MQTT
// client's). Two threads of the Ingestor's own do the rest, as a pipeline: the checker
// parses and validates a batch (checkMessage) while the committer writes the previous one,
// so a commit's round trips and fsync overlap the next batch's CPU work, and a slow or
// blocked database never stalls keep-alive. The ack and on_store_failure callbacks are
// posted back to the io_context. metrics() may be read from any thread.
#pragma once

#include <asio.hpp>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "collector/ingest/ingest_metrics.h"
#include "collector/ingest/message_check.h"
#include "collector/ingest/mqtt_client.h"
#include "collector/store/record_store.h"
#include "common/clock.h"
#include "common/result.h"

namespace uplinkprobe::collector {

struct IngestOptions {
  std::string topic_prefix = "uplinkprobe/v1";
  CheckLimits limits;
  std::size_t max_batch = 500;
  // Batches queued behind a running commit are merged into one transaction up to this many
  // messages (so commit size follows the database's latency).
  std::size_t max_commit = 2500;
  std::chrono::milliseconds batch_delay{50};
  std::size_t max_pending = 20000;  // bound for QoS 0 messages waiting for the worker
  std::chrono::milliseconds retry_initial{100};
  std::chrono::milliseconds retry_max{5000};
  int max_attempts = 8;
};

class Ingestor {
 public:
  using CommitFn = std::function<Result<BatchOutcome>(const std::vector<ValidRecord>&,
                                                      const std::vector<Rejection>&)>;
  using AckFn = std::function<void(std::uint64_t connection, std::uint16_t packet_id)>;

  // `commit` runs on the committer thread only (a RecordStore is single-threaded: that
  // thread owns it). `schema` is called from the checker thread.
  Ingestor(asio::io_context& io, IngestOptions options, SchemaCheck schema, CommitFn commit,
           AckFn ack, IngestMetrics& metrics, const Clock& clock = SystemClock::instance());
  ~Ingestor();
  Ingestor(const Ingestor&) = delete;
  Ingestor& operator=(const Ingestor&) = delete;

  void setStoreFailureHandler(std::function<void()> f) { on_store_failure_ = std::move(f); }
  // Called on the committer thread with every committed batch's records (duplicates included),
  // e.g. NotifyService::onStored. Set before the first message.
  void setCommittedHandler(std::function<void(const std::vector<ValidRecord>&)> f) {
    on_committed_ = std::move(f);
  }

  // io thread.
  void onMessage(mqtt::InboundMessage m);
  void onConnectionLost(std::uint64_t connection);
  // io thread, blocking (for a service's stop()): closes the open batch, waits up to
  // `deadline` for the worker to commit what is queued (no retry starts after it), then
  // sends the acks that are ready from here. What is not committed by then stays un-acked.
  void drainNow(std::chrono::milliseconds deadline);

  const IngestMetrics& metrics() const { return metrics_; }

 private:
  struct Batch {
    std::vector<mqtt::InboundMessage> messages;
  };
  struct Ack {
    std::uint64_t connection;
    std::uint16_t packet_id;
  };
  // A batch after checkMessage: what the committer needs, with each entry's QoS 1
  // connection (0 for QoS 0) so entries of an abandoned connection can be left out.
  struct Checked {
    std::vector<ValidRecord> valid;
    std::vector<std::uint64_t> valid_connection;
    std::vector<Rejection> rejections;
    std::vector<std::uint64_t> rejection_connection;
    std::vector<std::size_t> rejection_reason;  // RejectReason index, for /metrics
    std::vector<Ack> acks;                      // QoS 1 messages, in reception order
    std::vector<WallTime> record_ts;            // for the lag histogram
    std::uint64_t messages = 0, ignored = 0, qos0 = 0, max_connection = 0;
  };

  void closeBatch();
  void flushAcks();                          // io thread: sends ready_acks_ in order
  void releaseAcks(std::vector<Ack>& acks);  // committer: queue for flushAcks()
  void checkLoop();                          // checker thread
  Checked check(Batch& batch);
  void commitLoop();  // committer thread
  bool commitChecked(Checked& batch);
  Result<BatchOutcome> commitWithRetry(const std::vector<ValidRecord>& valid,
                                       const std::vector<Rejection>& rejected);

  asio::io_context& io_;
  IngestOptions options_;
  SchemaCheck schema_;
  CommitFn commit_;
  AckFn ack_;
  IngestMetrics& metrics_;
  const Clock& clock_;
  std::function<void()> on_store_failure_;
  std::function<void(const std::vector<ValidRecord>&)> on_committed_;

  // io thread only.
  Batch open_;
  asio::steady_timer batch_timer_;
  bool timer_armed_ = false;

  // Shared between the io thread, the checker and the committer, under mu_.
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Batch> queue_;  // closed batches waiting for the checker
  std::size_t queued_messages_ = 0;
  std::deque<Checked> checked_;  // checked batches waiting for the committer
  std::size_t checked_messages_ = 0;
  bool check_busy_ = false, commit_busy_ = false;
  bool stopping_ = false;
  std::chrono::steady_clock::time_point retry_deadline_ =
      std::chrono::steady_clock::time_point::max();
  std::vector<Ack> ready_acks_;  // committed, not yet handed to the client
  bool flush_posted_ = false;

  // Written by the committer; the checker reads it to skip work that would be thrown away.
  std::atomic<std::uint64_t> abandoned_connection_{0};
  // Checker only.
  std::uint64_t logged_rejections_ = 0;

  std::thread checker_, committer_;
};

// SchemaCheck over record::SchemaSet::embedded() (docs/schema as built into the binary).
SchemaCheck embeddedSchemaCheck();

}  // namespace uplinkprobe::collector
