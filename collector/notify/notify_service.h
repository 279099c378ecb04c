// NotifyService: the notifications part of `uplinkprobe-collector run`.
//
//  - onStored(): ingest hands it every committed batch; `alert` records become alert
//    opened/closed notifications, enriched with the school's name and region from the last
//    ledger snapshot. Non-blocking (a short lock, then Notifier::submit()).
//  - a background thread recomputes the per-school ledger every check_interval on its own
//    database connection and announces schools that went stale (StaleWatcher).
//  - delivery, retries, rate limits and the bounded queue are the Notifier's.
//
// With several collectors on one PostgreSQL (shared subscription), each alert record reaches
// one collector, but every collector runs the stale check: enable [[notify]] school_stale on
// one of them only. A batch re-delivered after a crash may announce its alerts twice.
#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "collector/api/metrics_text.h"
#include "collector/db/database.h"
#include "collector/ledger/ledger.h"
#include "collector/notify/notifier.h"
#include "collector/notify/stale_watcher.h"
#include "collector/store/record_store.h"

namespace uplinkprobe::collector::notify {

struct NotifyServiceOptions {
  std::vector<NotifyTarget> targets;
  LedgerOptions ledger;  // stale_after_ms, school hours, clock for the stale check
  std::chrono::seconds check_interval{300};
  NotifierOptions notifier;
};

class NotifyService {
 public:
  // db: a connection of its own (read-only use, from the service's thread). May be null:
  // then no stale check runs (alerts are still sent, without registry names).
  NotifyService(NotifyServiceOptions options, std::unique_ptr<db::Database> db);
  ~NotifyService();
  NotifyService(const NotifyService&) = delete;
  NotifyService& operator=(const NotifyService&) = delete;

  void start();
  void stop();

  // Any thread; returns how many deliveries were queued.
  std::size_t onStored(const std::vector<ValidRecord>& records);

  // One stale check now (the thread runs it every check_interval; tests call it).
  Status checkStale();

  void writeMetrics(api::MetricsText& out) const { notifier_.writeMetrics(out); }
  Notifier& notifier() { return notifier_; }

 private:
  NotifyServiceOptions options_;
  std::unique_ptr<db::Database> db_;
  // One connection, used by the background thread's check and by callers of checkStale():
  // a connection (its statement cache) is not for two threads at once.
  std::mutex db_mu_;
  CurlWebhookTransport transport_;
  Notifier notifier_;

  std::mutex mu_;  // watcher_ (facts read by onStored, updated by checkStale)
  StaleWatcher watcher_;

  std::mutex thread_mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace uplinkprobe::collector::notify
