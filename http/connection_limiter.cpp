#include "http/connection_limiter.h"

#include <utility>

namespace uplinkprobe::http {

ConnectionLimiter::ConnectionLimiter(int max_total, int max_per_address)
    : max_total_(max_total), max_per_address_(max_per_address) {}

ConnectionLimiter::Slot::Slot(Slot&& other) noexcept
    : limiter_(std::exchange(other.limiter_, nullptr)), key_(std::move(other.key_)) {}

ConnectionLimiter::Slot& ConnectionLimiter::Slot::operator=(Slot&& other) noexcept {
  if (this != &other) {
    release();
    limiter_ = std::exchange(other.limiter_, nullptr);
    key_ = std::move(other.key_);
  }
  return *this;
}

ConnectionLimiter::Slot::~Slot() { release(); }

void ConnectionLimiter::Slot::release() {
  if (limiter_ != nullptr) std::exchange(limiter_, nullptr)->release(key_);
}

std::string ConnectionLimiter::addressKey(const asio::ip::address& peer) {
  if (peer.is_v4()) return peer.to_string();
  asio::ip::address_v6 v6 = peer.to_v6();
  if (v6.is_v4_mapped()) return asio::ip::make_address_v4(asio::ip::v4_mapped, v6).to_string();
  asio::ip::address_v6::bytes_type b = v6.to_bytes();
  for (std::size_t i = 8; i < b.size(); ++i) b[i] = 0;
  return asio::ip::address_v6(b).to_string() + "/64";
}

ConnectionLimiter::Slot ConnectionLimiter::admit(const asio::ip::address& peer, Refusal* why) {
  std::string key = addressKey(peer);
  std::lock_guard<std::mutex> lock(mu_);
  Refusal refusal = Refusal::kNone;
  if (total_ >= max_total_) {
    refusal = Refusal::kTotal;
  } else if (max_per_address_ > 0) {
    auto it = per_address_.find(key);
    if (it != per_address_.end() && it->second >= max_per_address_) refusal = Refusal::kPerAddress;
  }
  if (why != nullptr) *why = refusal;
  if (refusal != Refusal::kNone) return Slot();
  ++total_;
  ++per_address_[key];
  return Slot(this, std::move(key));
}

void ConnectionLimiter::release(const std::string& key) {
  std::lock_guard<std::mutex> lock(mu_);
  --total_;
  auto it = per_address_.find(key);
  if (it != per_address_.end() && --it->second <= 0) per_address_.erase(it);
}

int ConnectionLimiter::active() const {
  std::lock_guard<std::mutex> lock(mu_);
  return total_;
}

int ConnectionLimiter::activeFor(const asio::ip::address& peer) const {
  std::string key = addressKey(peer);
  std::lock_guard<std::mutex> lock(mu_);
  auto it = per_address_.find(key);
  return it == per_address_.end() ? 0 : it->second;
}

}  // namespace uplinkprobe::http
