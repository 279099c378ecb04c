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
  checker_ = std::thread([this] { checkLoop(); });
  committer_ = std::thread([this] { commitLoop(); });
}

Ingestor::~Ingestor() {
  {
    std::lock_guard<std::mutex> g(mu_);
    stopping_ = true;
    retry_deadline_ = std::chrono::steady_clock::now();
  }
  cv_.notify_all();
  if (checker_.joinable()) checker_.join();
  if (committer_.joinable()) committer_.join();
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
  cv_.notify_all();  // the checker, not the committer, must wake: one cv_, several waiters
}

void Ingestor::drainNow(std::chrono::milliseconds deadline) {
  closeBatch();
  const auto until = std::chrono::steady_clock::now() + deadline;
  {
    std::unique_lock<std::mutex> lk(mu_);
    retry_deadline_ = until;
    cv_.notify_all();
    if (!cv_.wait_until(lk, until, [&] {
          return queue_.empty() && checked_.empty() && !check_busy_ && !commit_busy_;
        })) {
      spdlog::warn(
          "ingest: {} message(s) and the batch being {} not committed at shutdown; the broker "
          "keeps them",
          queued_messages_ + checked_messages_, commit_busy_ ? "committed" : "checked");
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

void Ingestor::checkLoop() {
  while (true) {
    Batch batch;
    {
      std::unique_lock<std::mutex> lk(mu_);
      // Bounded: checked batches wait for the committer up to two commits' worth, enough
      // for the next transaction to be full while the running one commits.
      cv_.wait(lk, [&] {
        return stopping_ || (!queue_.empty() && checked_messages_ < 2 * options_.max_commit);
      });
      if (stopping_) return;
      batch = std::move(queue_.front());
      queue_.pop_front();
      queued_messages_ -= batch.messages.size();
      check_busy_ = true;
    }
    Checked c = check(batch);
    {
      std::lock_guard<std::mutex> g(mu_);
      checked_messages_ += c.messages;
      checked_.push_back(std::move(c));
      check_busy_ = false;
    }
    cv_.notify_all();
  }
}

Ingestor::Checked Ingestor::check(Batch& batch) {
  Checked c;
  c.messages = batch.messages.size();
  c.valid.reserve(batch.messages.size());
  c.acks.reserve(batch.messages.size());
  const std::uint64_t abandoned = abandoned_connection_.load(std::memory_order_relaxed);
  for (auto& m : batch.messages) {
    c.max_connection = std::max(c.max_connection, m.connection);
    if (m.qos == 0) ++c.qos0;
    // Its connection was dropped after an abandoned batch: it comes again.
    if (m.qos == 1 && m.connection <= abandoned) continue;
    const std::uint64_t conn = m.qos == 1 ? m.connection : 0;
    if (m.qos == 1) c.acks.push_back({m.connection, m.packet_id});
    CheckResult r =
        checkMessage(options_.topic_prefix, m.topic, m.payload, schema_, options_.limits);
    if (auto* a = std::get_if<Accepted>(&r)) {
      if (auto it = a->record.find("ts"); it != a->record.end() && it->is_string()) {
        if (auto ts = parseRfc3339(it->get<std::string>())) c.record_ts.push_back(*ts);
      }
      c.valid.push_back(
          ValidRecord{std::move(m.topic), std::move(m.payload), std::move(a->record)});
      c.valid_connection.push_back(conn);
    } else if (auto* f = std::get_if<Refused>(&r)) {
      if (logged_rejections_++ < 20 || logged_rejections_ % 1000 == 0) {
        spdlog::warn("ingest: refused message on {} ({}): {} [{} refused so far]", m.topic,
                     rejectReasonName(f->reason), f->detail, logged_rejections_);
      }
      c.rejections.push_back(Rejection{std::move(m.topic), std::string(rejectReasonName(f->reason)),
                                       std::move(f->head)});
      c.rejection_connection.push_back(conn);
      c.rejection_reason.push_back(static_cast<std::size_t>(f->reason));
    } else {
      ++c.ignored;
    }
  }
  return c;
}

namespace {

// Moves b's entries to the end of a (merging checked batches into one transaction).
template <typename T>
void append(std::vector<T>& a, std::vector<T>& b) {
  a.insert(a.end(), std::make_move_iterator(b.begin()), std::make_move_iterator(b.end()));
}

// Keeps the entries whose connection was not abandoned (0 = QoS 0, never skipped).
template <typename T>
void keepLive(std::vector<T>& items, std::vector<std::uint64_t>& connection,
              std::uint64_t abandoned, std::vector<std::size_t>* parallel = nullptr) {
  std::size_t out = 0;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (connection[i] != 0 && connection[i] <= abandoned) continue;
    if (out != i) {
      items[out] = std::move(items[i]);
      connection[out] = connection[i];
      if (parallel) (*parallel)[out] = (*parallel)[i];
    }
    ++out;
  }
  items.resize(out);
  connection.resize(out);
  if (parallel) parallel->resize(out);
}

}  // namespace

void Ingestor::commitLoop() {
  while (true) {
    Checked batch;
    {
      std::unique_lock<std::mutex> lk(mu_);
      cv_.wait(lk, [&] { return stopping_ || !checked_.empty(); });
      if (stopping_) return;
      batch = std::move(checked_.front());
      checked_.pop_front();
      // Batches checked while the last commit ran go into this transaction too (up to
      // max_commit): a slow database gets bigger transactions instead of a backlog.
      while (!checked_.empty() &&
             batch.messages + checked_.front().messages <= options_.max_commit) {
        Checked& next = checked_.front();
        append(batch.valid, next.valid);
        append(batch.valid_connection, next.valid_connection);
        append(batch.rejections, next.rejections);
        append(batch.rejection_connection, next.rejection_connection);
        append(batch.rejection_reason, next.rejection_reason);
        append(batch.acks, next.acks);
        append(batch.record_ts, next.record_ts);
        batch.messages += next.messages;
        batch.ignored += next.ignored;
        batch.qos0 += next.qos0;
        batch.max_connection = std::max(batch.max_connection, next.max_connection);
        checked_.pop_front();
      }
      checked_messages_ -= batch.messages;
      commit_busy_ = true;
    }
    cv_.notify_all();  // the checker may go on (its bound is checked_messages_)
    commitChecked(batch);
    {
      std::lock_guard<std::mutex> g(mu_);
      commit_busy_ = false;
    }
    cv_.notify_all();  // drainNow() waits for idle threads
  }
}

bool Ingestor::commitChecked(Checked& batch) {
  // Entries checked before an earlier batch of their connection was abandoned: they come
  // again on the new connection, so they are neither stored nor acknowledged now.
  const std::uint64_t abandoned = abandoned_connection_.load(std::memory_order_relaxed);
  if (abandoned != 0) {
    keepLive(batch.valid, batch.valid_connection, abandoned);
    keepLive(batch.rejections, batch.rejection_connection, abandoned, &batch.rejection_reason);
    batch.acks.erase(std::remove_if(batch.acks.begin(), batch.acks.end(),
                                    [&](const Ack& a) { return a.connection <= abandoned; }),
                     batch.acks.end());
  }
  metrics_.ignored.fetch_add(batch.ignored, std::memory_order_relaxed);
  const std::uint64_t n = batch.messages;
  if (batch.valid.empty() && batch.rejections.empty()) {
    metrics_.pending.fetch_sub(n, std::memory_order_relaxed);
    releaseAcks(batch.acks);
    return true;
  }
  const auto started = std::chrono::steady_clock::now();
  Result<BatchOutcome> outcome = commitWithRetry(batch.valid, batch.rejections);
  metrics_.pending.fetch_sub(n, std::memory_order_relaxed);
  if (!outcome) {
    metrics_.batches_abandoned.fetch_add(1, std::memory_order_relaxed);
    metrics_.qos0_dropped.fetch_add(batch.qos0, std::memory_order_relaxed);
    abandoned_connection_.store(std::max(abandoned, batch.max_connection),
                                std::memory_order_relaxed);
    spdlog::error(
        "ingest: batch of {} message(s) not stored after retries ({}); not acknowledged, the "
        "broker keeps them; dropping the MQTT connection",
        batch.valid.size() + batch.rejections.size(), outcome.error().message);
    if (on_store_failure_) asio::post(io_, on_store_failure_);
    return false;
  }
  metrics_.commit_latency.observe(
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  metrics_.batches.fetch_add(1, std::memory_order_relaxed);
  metrics_.stored.fetch_add(outcome->stored, std::memory_order_relaxed);
  metrics_.duplicates.fetch_add(outcome->duplicates, std::memory_order_relaxed);
  for (std::size_t reason : batch.rejection_reason)
    metrics_.rejected[reason].fetch_add(1, std::memory_order_relaxed);
  const WallTime now = clock_.wallNow();
  for (const auto& ts : batch.record_ts) {
    const double lag = std::chrono::duration<double>(now - ts).count();
    metrics_.lag.observe(lag);
    metrics_.last_lag_ms.store(static_cast<std::int64_t>(lag * 1000), std::memory_order_relaxed);
  }
  if (on_committed_) on_committed_(batch.valid);
  releaseAcks(batch.acks);
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
