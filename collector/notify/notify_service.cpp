#include "collector/notify/notify_service.h"

#include <spdlog/spdlog.h>

namespace uplinkprobe::collector::notify {

NotifyService::NotifyService(NotifyServiceOptions options, std::unique_ptr<db::Database> db)
    : options_(std::move(options)),
      db_(std::move(db)),
      notifier_(options_.targets, transport_, SystemClock::instance(), options_.notifier),
      watcher_(static_cast<double>(options_.ledger.stale_after_ms) / 3600000.0) {}

NotifyService::~NotifyService() { stop(); }

void NotifyService::start() {
  notifier_.start();
  if (!db_ || thread_.joinable()) return;
  thread_ = std::thread([this] {
    std::unique_lock<std::mutex> lock(thread_mu_);
    while (!stopping_) {
      lock.unlock();
      if (Status st = checkStale(); !st) {
        spdlog::warn("notify: stale check failed: {}", st.error().message);
      }
      lock.lock();
      cv_.wait_for(lock, options_.check_interval, [this] { return stopping_; });
    }
  });
}

void NotifyService::stop() {
  {
    std::lock_guard<std::mutex> lock(thread_mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  notifier_.stop();
}

std::size_t NotifyService::onStored(const std::vector<ValidRecord>& records) {
  std::size_t queued = 0;
  for (const auto& r : records) {
    auto kind = r.record.find("kind");
    if (kind == r.record.end() || !kind->is_string() || *kind != "alert") continue;
    auto n = notificationFromAlertRecord(r.record);
    if (!n) continue;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (auto f = watcher_.facts(n->school_id)) {
        n->school_name = f->name;
        n->city = f->city;
        n->county = f->county;
      }
    }
    queued += notifier_.submit(*n);
  }
  return queued;
}

Status NotifyService::checkStale() {
  if (!db_) return Status::Ok();
  LedgerOptions o = options_.ledger;
  std::vector<Notification> stale;
  {
    std::lock_guard<std::mutex> db_lock(db_mu_);
    auto l = computeLedger(*db_, LedgerGrouping::kSchool, o);
    if (!l) return l.error();
    std::lock_guard<std::mutex> lock(mu_);
    stale = watcher_.update(l->schools, l->computed_at_ms);
  }
  for (const auto& n : stale) notifier_.submit(n);
  if (!stale.empty()) spdlog::info("notify: {} school(s) went stale", stale.size());
  return Status::Ok();
}

}  // namespace uplinkprobe::collector::notify
