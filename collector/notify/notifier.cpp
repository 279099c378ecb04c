#include "collector/notify/notifier.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

#include "collector/notify/formats.h"
#include "http/query_string.h"

namespace uplinkprobe::collector::notify {

namespace {

enum class Outcome { kSent, kRetry, kPermanent };

Outcome judge(const NotifyTarget& t, const Result<WebhookReply>& r, std::string& why) {
  if (!r) {
    why = std::string(errorKindName(r.error().kind)) + ": " + r.error().message;
    return Outcome::kRetry;
  }
  long s = r->status;
  if (s >= 200 && s < 300) {
    if (t.format == Format::kJson) return Outcome::kSent;
    // Robots answer 200 with {"errcode":N,"errmsg":…}; N ≠ 0 (e.g. WeCom 45009, DingTalk
    // 130101: sending too fast) means the message was not posted.
    auto j = nlohmann::json::parse(r->body, nullptr, false);
    if (j.is_object() && j.contains("errcode") && j["errcode"].is_number_integer() &&
        j["errcode"].get<long long>() != 0) {
      why = "robot errcode " + std::to_string(j["errcode"].get<long long>());
      if (j.contains("errmsg") && j["errmsg"].is_string()) {
        why += " (" + j["errmsg"].get<std::string>().substr(0, 200) + ")";
      }
      return Outcome::kRetry;
    }
    return Outcome::kSent;
  }
  why = "HTTP " + std::to_string(s);
  if (s == 408 || s == 429 || s >= 500) return Outcome::kRetry;
  return Outcome::kPermanent;
}

std::int64_t systemWallMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

Notifier::Notifier(std::vector<NotifyTarget> targets, WebhookTransport& transport,
                   const Clock& clock, NotifierOptions options)
    : targets_(std::move(targets)), transport_(transport), clock_(clock), options_(options) {
  if (!options_.wall_ms) options_.wall_ms = systemWallMs;
  SteadyTime now = clock_.steadyNow();
  for (const auto& t : targets_) {
    buckets_.push_back({static_cast<double>(std::max(t.max_per_minute, 1)), now});
  }
  stats_.targets.resize(targets_.size());
}

Notifier::~Notifier() { stop(); }

std::string Notifier::signedUrl(const NotifyTarget& t, std::int64_t wall_ms) {
  if (t.format != Format::kDingTalk || t.secret.empty()) return t.url;
  std::string ts = std::to_string(wall_ms);
  std::string to_sign = ts + "\n" + t.secret;
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_len = 0;
  HMAC(EVP_sha256(), t.secret.data(), static_cast<int>(t.secret.size()),
       reinterpret_cast<const unsigned char*>(to_sign.data()), to_sign.size(), mac, &mac_len);
  unsigned char b64[4 * ((EVP_MAX_MD_SIZE + 2) / 3) + 1];
  int n = EVP_EncodeBlock(b64, mac, static_cast<int>(mac_len));
  std::string sign(reinterpret_cast<char*>(b64), static_cast<std::size_t>(n));
  return t.url + (t.url.find('?') == std::string::npos ? "?" : "&") + "timestamp=" + ts +
         "&sign=" + http::percentEncode(sign);
}

std::size_t Notifier::submit(const Notification& n) {
  std::size_t queued = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return 0;
    SteadyTime now = clock_.steadyNow();
    for (std::size_t i = 0; i < targets_.size(); ++i) {
      const auto& events = targets_[i].events;
      if (std::find(events.begin(), events.end(), n.event) == events.end()) continue;
      if (queue_.size() >= options_.max_queue) {
        ++stats_.dropped_queue_full;
        continue;
      }
      queue_.push_back(Delivery{i, formatBody(targets_[i].format, n), 0, now});
      ++queued;
    }
    if (queued) wake_ = true;
  }
  if (queued) cv_.notify_one();
  return queued;
}

std::chrono::milliseconds Notifier::backoff(int attempts) {
  double ms = static_cast<double>(options_.retry_base.count()) * std::pow(2.0, attempts - 1);
  ms = std::min(ms, static_cast<double>(options_.retry_cap.count()));
  if (options_.jitter > 0) {
    jitter_state_ ^= jitter_state_ << 13;
    jitter_state_ ^= jitter_state_ >> 7;
    jitter_state_ ^= jitter_state_ << 17;
    double u = static_cast<double>(jitter_state_ % 1000000) / 1000000.0;  // [0,1)
    ms *= 1.0 + options_.jitter * (2 * u - 1);
  }
  return std::chrono::milliseconds(static_cast<std::int64_t>(ms));
}

bool Notifier::takeToken(std::size_t target, SteadyTime now) {
  int per_min = targets_[target].max_per_minute;
  if (per_min <= 0) return true;  // unlimited
  Bucket& b = buckets_[target];
  double elapsed = std::chrono::duration<double>(now - b.refilled).count();
  if (elapsed > 0) {
    b.tokens = std::min<double>(per_min, b.tokens + elapsed * per_min / 60.0);
    b.refilled = now;
  }
  if (b.tokens < 1.0 - 1e-9) return false;
  b.tokens -= 1.0;
  return true;
}

SteadyTime Notifier::tokenDue(std::size_t target, SteadyTime now) const {
  int per_min = targets_[target].max_per_minute;
  if (per_min <= 0) return now;
  const Bucket& b = buckets_[target];
  double elapsed = std::max(0.0, std::chrono::duration<double>(now - b.refilled).count());
  double tokens = std::min<double>(per_min, b.tokens + elapsed * per_min / 60.0);
  if (tokens >= 1.0 - 1e-9) return now;
  double wait_s = (1.0 - tokens) * 60.0 / per_min;
  return now +
         std::chrono::duration_cast<SteadyTime::duration>(std::chrono::duration<double>(wait_s)) +
         std::chrono::milliseconds(1);
}

std::optional<SteadyTime> Notifier::pump() {
  std::vector<Delivery> batch;
  {
    std::lock_guard<std::mutex> lock(mu_);
    SteadyTime now = clock_.steadyNow();
    for (auto it = queue_.begin(); it != queue_.end();) {
      if (it->due <= now && takeToken(it->target, now)) {
        batch.push_back(std::move(*it));
        it = queue_.erase(it);
      } else {
        ++it;
      }
    }
  }
  // I/O without the lock: submit() never waits for a slow robot.
  for (auto& d : batch) {
    const NotifyTarget& t = targets_[d.target];
    auto reply = transport_.post(signedUrl(t, options_.wall_ms()), d.body, t.ca_file,
                                 std::chrono::seconds(std::max(t.timeout_s, 1)));
    std::string why;
    Outcome o = judge(t, reply, why);
    ++d.attempts;
    std::lock_guard<std::mutex> lock(mu_);
    TargetStats& s = stats_.targets[d.target];
    if (d.attempts > 1) ++s.retries;
    if (o == Outcome::kSent) {
      ++s.sent;
      continue;
    }
    if (o == Outcome::kRetry && d.attempts < options_.max_attempts && !stopping_) {
      auto wait = backoff(d.attempts);
      spdlog::warn("notify {}: attempt {} failed ({}); retrying in {} ms", t.name, d.attempts, why,
                   wait.count());
      d.due = clock_.steadyNow() + wait;
      queue_.push_back(std::move(d));
      continue;
    }
    ++s.failed;
    spdlog::error("notify {}: giving up after {} attempt(s): {}", t.name, d.attempts, why);
  }
  std::lock_guard<std::mutex> lock(mu_);
  if (queue_.empty()) return std::nullopt;
  SteadyTime now = clock_.steadyNow();
  SteadyTime next = SteadyTime::max();
  for (const auto& d : queue_) next = std::min(next, std::max(d.due, tokenDue(d.target, now)));
  return next;
}

void Notifier::start() {
  if (thread_.joinable()) return;
  thread_ = std::thread([this] {
    for (;;) {
      std::optional<SteadyTime> next = pump();
      std::unique_lock<std::mutex> lock(mu_);
      if (stopping_) return;
      auto woken = [this] { return wake_ || stopping_; };
      if (next) {
        cv_.wait_until(lock, *next, woken);
      } else {
        cv_.wait(lock, woken);
      }
      wake_ = false;
      if (stopping_) return;
    }
  });
}

void Notifier::stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  std::lock_guard<std::mutex> lock(mu_);
  stats_.dropped_shutdown += queue_.size();
  queue_.clear();
}

NotifierStats Notifier::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  NotifierStats s = stats_;
  s.queued = queue_.size();
  return s;
}

void Notifier::writeMetrics(api::MetricsText& out) const {
  NotifierStats s = stats();
  using T = api::MetricsText::Type;
  struct Family {
    const char* name;
    const char* help;
    std::uint64_t TargetStats::*field;
  };
  for (const Family& f : {
           Family{"uplinkprobe_collector_notify_sent_total", "Notifications delivered, by target.",
                  &TargetStats::sent},
           Family{"uplinkprobe_collector_notify_failed_total",
                  "Notifications given up on (attempts exhausted or refused), by target.",
                  &TargetStats::failed},
           Family{"uplinkprobe_collector_notify_retries_total",
                  "Delivery attempts after the first, by target.", &TargetStats::retries},
       }) {
    out.family(f.name, T::kCounter, f.help);
    for (std::size_t i = 0; i < targets_.size(); ++i) {
      out.sample(static_cast<double>(s.targets[i].*(f.field)), {{"target", targets_[i].name}});
    }
  }
  out.family("uplinkprobe_collector_notify_dropped_total", T::kCounter,
             "Notifications dropped before any attempt, by reason.");
  out.sample(static_cast<double>(s.dropped_queue_full), {{"reason", "queue_full"}});
  out.sample(static_cast<double>(s.dropped_shutdown), {{"reason", "shutdown"}});
  out.gauge("uplinkprobe_collector_notify_queue_length",
            "Notification deliveries waiting (due later, rate-limited or retrying).",
            static_cast<double>(s.queued));
}

}  // namespace uplinkprobe::collector::notify
