#include "collector/auth/sessions.h"

#include "collector/auth/password.h"

namespace uplinkprobe::collector::auth {

Session SessionStore::create(const std::string& user, Role role, const Scope& scope,
                             std::int64_t user_updated_ms, std::int64_t now_ms) {
  Session s;
  s.id = randomToken(32);
  s.csrf = randomToken(32);
  s.user = user;
  s.role = role;
  s.scope = scope;
  s.created_ms = now_ms;
  s.expires_ms = now_ms + ttl_ms_;
  s.user_updated_ms = user_updated_ms;
  std::lock_guard<std::mutex> lock(mu_);
  while (by_id_.size() >= max_ && !order_.empty()) {
    by_id_.erase(order_.front());
    order_.pop_front();
  }
  // order_ may hold ids already removed; keep it from growing without bound.
  if (order_.size() > 2 * max_ + 16) {
    std::deque<std::string> kept;
    for (auto& id : order_) {
      if (by_id_.count(id)) kept.push_back(std::move(id));
    }
    order_.swap(kept);
  }
  by_id_[s.id] = s;
  order_.push_back(s.id);
  return s;
}

std::optional<Session> SessionStore::find(const std::string& id, std::int64_t now_ms) {
  if (id.size() != 64) return std::nullopt;
  std::lock_guard<std::mutex> lock(mu_);
  auto it = by_id_.find(id);
  if (it == by_id_.end()) return std::nullopt;
  if (now_ms >= it->second.expires_ms) {
    by_id_.erase(it);
    return std::nullopt;
  }
  return it->second;
}

void SessionStore::remove(const std::string& id) {
  std::lock_guard<std::mutex> lock(mu_);
  by_id_.erase(id);
}

void SessionStore::removeUser(const std::string& user) {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto it = by_id_.begin(); it != by_id_.end();) {
    it = it->second.user == user ? by_id_.erase(it) : std::next(it);
  }
}

std::size_t SessionStore::size() {
  std::lock_guard<std::mutex> lock(mu_);
  return by_id_.size();
}

void LoginLimiter::prune(std::deque<std::int64_t>& q, std::int64_t now_ms) const {
  while (!q.empty() && q.front() <= now_ms - window_ms_) q.pop_front();
}

bool LoginLimiter::allowed(const std::string& client, std::int64_t now_ms) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = failures_.find(client);
  if (it == failures_.end()) return true;
  prune(it->second, now_ms);
  return static_cast<int>(it->second.size()) < max_failures_;
}

void LoginLimiter::failed(const std::string& client, std::int64_t now_ms) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = failures_.find(client);
  if (it == failures_.end()) {
    while (failures_.size() >= max_clients_ && !clients_.empty()) {
      failures_.erase(clients_.front());
      clients_.pop_front();
    }
    if (clients_.size() > 2 * max_clients_ + 16) {
      std::deque<std::string> kept;
      for (auto& c : clients_) {
        if (failures_.count(c)) kept.push_back(std::move(c));
      }
      clients_.swap(kept);
    }
    it = failures_.emplace(client, std::deque<std::int64_t>{}).first;
    clients_.push_back(client);
  }
  prune(it->second, now_ms);
  it->second.push_back(now_ms);
  while (static_cast<int>(it->second.size()) > max_failures_) it->second.pop_front();
}

void LoginLimiter::succeeded(const std::string& client) {
  std::lock_guard<std::mutex> lock(mu_);
  failures_.erase(client);
  // clients_ keeps the name; eviction of a missing entry is harmless.
}

}  // namespace uplinkprobe::collector::auth
