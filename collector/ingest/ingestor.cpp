#include "collector/ingest/ingestor.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "common/time_format.h"
#include "record/schema_validator.h"

namespace uplinkprobe::collector {

Ingestor::Ingestor(asio::io_context& io, IngestOptions options, SchemaCheck schema, CommitFn commit,
                   AckFn ack, IngestMetrics& metrics, const Clock& clock)
    : io_(io),
      options_(std::move(options)),
      schema_(std::move(schema)),
      commit_(std::move(commit)),
      ack_(std::move(ack)),
      metrics_(metrics),
      clock_(clock),
      batch_timer_(io) {
  open_.messages.reserve(options_.max_batch);
  worker_ = std::thread([this] { run(); });
}

Ingestor::~Ingestor() {
  {
    std::lock_guard<std::mutex> g(mu_);
    stopping_ = true;
    retry_deadline_ = std::chrono::steady_clock::now();
  }
  cv_.notify_all();
  if (worker_.joinable()) worker_.join();
}

void Ingestor::onMessage(mqtt::InboundMessage m) {
  metrics_.received.fetch_add(1, std::memory_order_relaxed);
  if (m.qos == 0) {
    std::lock_guard<std::mutex> g(mu_);
    if (queued_messages_ + open_.messages.size() >= options_.max_pending) {
      // QoS 0 is outside the broker's flow control: the one place a bound must drop.
      metrics_.qos0_dropped.fetch_add(1, std::memory_order_relaxed);
      return;
    }
  }
  metrics_.pending.fetch_add(1, std::memory_order_relaxed);
  open_.messages.push_back(std::move(m));
  if (open_.messages.size() >= options_.max_batch) {
    closeBatch();
    return;
  }
  if (!timer_armed_) {
    timer_armed_ = true;
    batch_timer_.expires_after(options_.batch_delay);
    batch_timer_.async_wait([this](const asio::error_code& ec) {
      if (ec) return;
      timer_armed_ = false;
      closeBatch();
    });
  }
}

void Ingestor::onConnectionLost(std::uint64_t) {
  // The open batch still goes to the database (its QoS 0 messages come only once); its acks
  // will be dropped by the client as stale and the QoS 1 messages redelivered as duplicates.
  closeBatch();
}

void Ingestor::closeBatch() {
  if (timer_armed_) {
    batch_timer_.cancel();
    timer_armed_ = false;
  }
  if (open_.messages.empty()) return;
  {
    std::lock_guard<std::mutex> g(mu_);
    queued_messages_ += open_.messages.size();
    queue_.push_back(std::move(open_));
  }
  open_ = Batch{};
  open_.messages.reserve(options_.max_batch);
  cv_.notify_one();
}

void Ingestor::drainNow(std::chrono::milliseconds deadline) {
  closeBatch();
  const auto until = std::chrono::steady_clock::now() + deadline;
  {
    std::unique_lock<std::mutex> lk(mu_);
    retry_deadline_ = until;
    cv_.notify_all();
    if (!cv_.wait_until(lk, until, [&] { return queue_.empty() && !busy_; })) {
      spdlog::warn("ingest: {} message(s) not committed at shutdown; the broker keeps them",
                   queued_messages_ + (busy_ ? 1 : 0));
    }
  }
  flushAcks();
}

void Ingestor::flushAcks() {
  std::vector<Ack> acks;
  {
    std::lock_guard<std::mutex> g(mu_);
    acks.swap(ready_acks_);
    flush_posted_ = false;
  }
  for (const auto& a : acks) ack_(a.connection, a.packet_id);
}

void Ingestor::releaseAcks(std::vector<Ack>& acks) {
  if (acks.empty()) return;
  bool post = false;
  {
    std::lock_guard<std::mutex> g(mu_);
    ready_acks_.insert(ready_acks_.end(), acks.begin(), acks.end());
    post = !flush_posted_;
    flush_posted_ = true;
  }
  if (post) asio::post(io_, [this] { flushAcks(); });
}

void Ingestor::run() {
  while (true) {
    Batch batch;
    {
      std::unique_lock<std::mutex> lk(mu_);
      cv_.wait(lk, [&] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      batch = std::move(queue_.front());
      queue_.pop_front();
      // Batches that queued up while the last commit ran go into this transaction too (up
      // to max_commit): a slow database gets bigger transactions instead of a backlog.
      while (!queue_.empty() &&
             batch.messages.size() + queue_.front().messages.size() <= options_.max_commit) {
        auto& next = queue_.front().messages;
        batch.messages.insert(batch.messages.end(), std::make_move_iterator(next.begin()),
                              std::make_move_iterator(next.end()));
        queue_.pop_front();
      }
      queued_messages_ -= batch.messages.size();
      busy_ = true;
    }
    process(batch);
    {
      std::lock_guard<std::mutex> g(mu_);
      busy_ = false;
    }
    cv_.notify_all();  // drainNow() waits for an idle worker
  }
}

bool Ingestor::process(Batch& batch) {
  std::vector<ValidRecord> valid;
  std::vector<Rejection> rejections;
  std::vector<Ack> acks;
  std::array<std::uint64_t, kRejectReasonCount> reasons{};
  std::vector<WallTime> record_ts;
  valid.reserve(batch.messages.size());
  acks.reserve(batch.messages.size());
  std::uint64_t skipped = 0;
  for (auto& m : batch.messages) {
    if (m.qos == 1 && m.connection <= abandoned_connection_) {
      // Its connection was dropped after an abandoned batch: it comes again.
      ++skipped;
      continue;
    }
    if (m.qos == 1) acks.push_back({m.connection, m.packet_id});
    CheckResult r =
        checkMessage(options_.topic_prefix, m.topic, m.payload, schema_, options_.limits);
    if (auto* a = std::get_if<Accepted>(&r)) {
      if (auto it = a->record.find("ts"); it != a->record.end() && it->is_string()) {
        if (auto ts = parseRfc3339(it->get<std::string>())) record_ts.push_back(*ts);
      }
      valid.push_back(ValidRecord{std::move(m.topic), std::move(m.payload), std::move(a->record)});
    } else if (auto* f = std::get_if<Refused>(&r)) {
      ++reasons[static_cast<std::size_t>(f->reason)];
      if (logged_rejections_++ < 20 || logged_rejections_ % 1000 == 0) {
        spdlog::warn("ingest: refused message on {} ({}): {} [{} refused so far]", m.topic,
                     rejectReasonName(f->reason), f->detail, logged_rejections_);
      }
      rejections.push_back(Rejection{std::move(m.topic), std::string(rejectReasonName(f->reason)),
                                     std::move(f->head)});
    } else {
      metrics_.ignored.fetch_add(1, std::memory_order_relaxed);
    }
  }
  const std::uint64_t n = batch.messages.size();
  if (valid.empty() && rejections.empty()) {
    metrics_.pending.fetch_sub(n, std::memory_order_relaxed);
    releaseAcks(acks);
    return true;
  }
  const auto started = std::chrono::steady_clock::now();
  Result<BatchOutcome> outcome = commitWithRetry(valid, rejections);
  metrics_.pending.fetch_sub(n, std::memory_order_relaxed);
  if (!outcome) {
    metrics_.batches_abandoned.fetch_add(1, std::memory_order_relaxed);
    std::uint64_t conn = 0, qos0 = 0;
    for (const auto& m : batch.messages) {
      conn = std::max(conn, m.connection);
      if (m.qos == 0) ++qos0;
    }
    metrics_.qos0_dropped.fetch_add(qos0, std::memory_order_relaxed);
    abandoned_connection_ = std::max(abandoned_connection_, conn);
    spdlog::error(
        "ingest: batch of {} message(s) not stored after retries ({}); not acknowledged, the "
        "broker keeps them; dropping the MQTT connection",
        n - skipped, outcome.error().message);
    if (on_store_failure_) asio::post(io_, on_store_failure_);
    return false;
  }
  metrics_.commit_latency.observe(
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  metrics_.batches.fetch_add(1, std::memory_order_relaxed);
  metrics_.stored.fetch_add(outcome->stored, std::memory_order_relaxed);
  metrics_.duplicates.fetch_add(outcome->duplicates, std::memory_order_relaxed);
  for (std::size_t i = 0; i < kRejectReasonCount; ++i) {
    if (reasons[i] > 0) metrics_.rejected[i].fetch_add(reasons[i], std::memory_order_relaxed);
  }
  const WallTime now = clock_.wallNow();
  for (const auto& ts : record_ts) {
    const double lag = std::chrono::duration<double>(now - ts).count();
    metrics_.lag.observe(lag);
    metrics_.last_lag_ms.store(static_cast<std::int64_t>(lag * 1000), std::memory_order_relaxed);
  }
  if (on_committed_) on_committed_(valid);
  releaseAcks(acks);
  return true;
}

Result<BatchOutcome> Ingestor::commitWithRetry(const std::vector<ValidRecord>& valid,
                                               const std::vector<Rejection>& rejected) {
  auto delay = options_.retry_initial;
  for (int attempt = 1;; ++attempt) {
    Result<BatchOutcome> r = commit_(valid, rejected);
    if (r) return r;
    metrics_.commit_failures.fetch_add(1, std::memory_order_relaxed);
    std::unique_lock<std::mutex> lk(mu_);
    const auto wake = std::chrono::steady_clock::now() + delay;
    if (attempt >= options_.max_attempts || stopping_ || wake > retry_deadline_) return r;
    spdlog::warn(
        "ingest: commit of {} record(s) + {} refused failed (attempt {}/{}): {}; "
        "retrying in {} ms",
        valid.size(), rejected.size(), attempt, options_.max_attempts, r.error().message,
        delay.count());
    cv_.wait_until(lk, wake, [&] { return stopping_; });
    if (stopping_) return r;
    delay = std::min(delay * 2, options_.retry_max);
  }
}

SchemaCheck embeddedSchemaCheck() {
  const record::SchemaSet& set = record::SchemaSet::embedded();
  return [&set](std::string_view kind, const nlohmann::json& doc) -> std::optional<std::string> {
    const record::ValidationResult r = set.validate(kind, doc);
    if (r.ok()) return std::nullopt;
    return r.message();
  };
}

}  // namespace uplinkprobe::collector
