#include "server/client_budget.h"

namespace uplinkprobe::server {

ClientBudget::ClientBudget(std::uint64_t bytes_per_window, std::chrono::seconds window,
                           const Clock& clock)
    : bytes_per_window_(bytes_per_window), window_(window), clock_(clock) {}

ClientBudget::Charge ClientBudget::charge(const std::string& key, std::uint64_t bytes) {
  if (bytes_per_window_ == 0) return {};
  const SteadyTime now = clock_.steadyNow();
  std::lock_guard<std::mutex> lock(mu_);
  auto it = clients_.find(key);
  if (it == clients_.end()) {
    if (clients_.size() >= kMaxClients) {
      for (auto e = clients_.begin(); e != clients_.end();) {
        e = now - e->second.start >= window_ ? clients_.erase(e) : std::next(e);
      }
      if (clients_.size() >= kMaxClients) return {};  // fail open, see the header
    }
    it = clients_.emplace(key, Window{now, 0}).first;
  }
  Window& w = it->second;
  if (now - w.start >= window_) w = Window{now, 0};
  if (bytes > bytes_per_window_ - std::min(bytes_per_window_, w.bytes)) {
    auto left = std::chrono::duration_cast<std::chrono::seconds>(w.start + window_ - now);
    return {false, std::max(left, std::chrono::seconds(1))};
  }
  w.bytes += bytes;
  return {};
}

}  // namespace uplinkprobe::server
