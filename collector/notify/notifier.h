// Notifier: delivers notifications to the [[notify]] targets without ever blocking ingest.
//
// Guarantees:
//  - submit() is non-blocking (a short lock, no I/O, no allocation beyond the formatted
//    body): ingest and the stale watcher call it from their own threads.
//  - The queue is bounded (max_queue deliveries over all targets). A submission that does
//    not fit is dropped and counted (dropped_queue_full), never waited for.
//  - Each target is rate-limited with a token bucket (max_per_minute, burst of the same
//    size); a delivery waits for a token rather than being dropped.
//  - A failed delivery (no answer, 5xx, 408, 429, or a robot's {"errcode":≠0}) is retried with
//    capped exponential back-off (retry_base × 2^(attempt-1), at most retry_cap, ± jitter) up
//    to max_attempts, then dropped and counted (failed). Other 4xx answers are permanent
//    (bad URL or key): failed at once.
//  - Delivery is at most once per attempt and in submission order per target only while no
//    retry is pending: a retried message may arrive after a later one.
//  - On stop() the deliveries still queued are dropped and counted (dropped_shutdown).
//
// Threading: submit(), stats() and writeMetrics() from any thread. pump() sends whatever is
// due and returns when to call it next; start() runs it on the Notifier's own thread, tests
// call it directly with a ManualClock (never both).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "collector/api/metrics_text.h"
#include "collector/notify/notification.h"
#include "collector/notify/webhook_transport.h"
#include "common/clock.h"

namespace uplinkprobe::collector::notify {

struct NotifierOptions {
  std::size_t max_queue = 1000;
  int max_attempts = 6;
  std::chrono::milliseconds retry_base{2000};
  std::chrono::milliseconds retry_cap{300000};
  double jitter = 0.2;  // ± fraction of each back-off; 0 in tests
  // DingTalk signing needs wall time in ms; injectable for tests.
  std::function<std::int64_t()> wall_ms;
};

struct TargetStats {
  std::uint64_t sent = 0;
  std::uint64_t failed = 0;   // gave up: attempts exhausted or a permanent 4xx
  std::uint64_t retries = 0;  // attempts after the first
};

struct NotifierStats {
  std::vector<TargetStats> targets;  // same order as the targets
  std::uint64_t dropped_queue_full = 0;
  std::uint64_t dropped_shutdown = 0;
  std::size_t queued = 0;
};

class Notifier {
 public:
  // transport and clock must outlive the Notifier; the transport is used by pump() only.
  Notifier(std::vector<NotifyTarget> targets, WebhookTransport& transport, const Clock& clock,
           NotifierOptions options = {});
  ~Notifier();
  Notifier(const Notifier&) = delete;
  Notifier& operator=(const Notifier&) = delete;

  // Queues the notification for every target that wants its event. Returns how many
  // deliveries were queued (0 when none wants it or the queue is full).
  std::size_t submit(const Notification& n);

  // Sends every delivery that is due and has a rate-limit token; returns when the next one
  // becomes due (nullopt: nothing queued).
  std::optional<SteadyTime> pump();

  void start();  // background thread: pump(), then wait until due or a submit()
  void stop();   // idempotent; joins the thread, drops (and counts) what is still queued

  NotifierStats stats() const;
  // uplinkprobe_collector_notify_{sent,failed,retries}_total{target},
  // uplinkprobe_collector_notify_dropped_total{reason}, uplinkprobe_collector_notify_queue_length
  void writeMetrics(api::MetricsText& out) const;

  const std::vector<NotifyTarget>& targets() const { return targets_; }

  // The URL actually posted to: DingTalk with a secret gets &timestamp=…&sign=… (HMAC-SHA256
  // of "timestamp\nsecret", base64, percent-encoded), as the robot's 加签 mode requires.
  static std::string signedUrl(const NotifyTarget& t, std::int64_t wall_ms);

 private:
  struct Delivery {
    std::size_t target;
    std::string body;
    int attempts = 0;
    SteadyTime due;
  };
  struct Bucket {
    double tokens;
    SteadyTime refilled;
  };

  std::chrono::milliseconds backoff(int attempts);
  bool takeToken(std::size_t target, SteadyTime now);
  SteadyTime tokenDue(std::size_t target, SteadyTime now) const;

  std::vector<NotifyTarget> targets_;
  WebhookTransport& transport_;
  const Clock& clock_;
  NotifierOptions options_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Delivery> queue_;
  std::vector<Bucket> buckets_;
  NotifierStats stats_;
  std::uint64_t jitter_state_ = 0x9e3779b97f4a7c15ull;
  bool stopping_ = false;
  bool wake_ = false;
  std::thread thread_;
};

}  // namespace uplinkprobe::collector::notify
