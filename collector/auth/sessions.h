// Sessions of logged-in people, and the per-client login rate limit.
//
// SessionStore: in memory (a restart logs everyone out). A session id is 32 random bytes
// (hex) sent only in an HttpOnly, SameSite=Strict cookie; each session has its own CSRF
// token that every POST must echo. Sessions expire `ttl` after login (absolute, not
// sliding); at most `max_sessions` live at once (the oldest is dropped to make room), so
// memory is bounded whatever is thrown at /login.
//
// LoginLimiter: at most `max_failures` failed logins per client address within `window`;
// further attempts are refused (429) until the oldest failure leaves the window. At most
// `max_clients` addresses are tracked (the oldest entry is forgotten first).
//
// Time is passed in (ms since the epoch) so that both are tested without sleeping.
// Thread-safety: every method locks; safe from the HTTP worker threads.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "collector/auth/scope.h"

namespace uplinkprobe::collector::auth {

struct Session {
  std::string id;  // cookie value
  std::string csrf;
  std::string user;
  Role role = Role::kViewer;
  Scope scope;
  std::int64_t created_ms = 0, expires_ms = 0;
  // users.updated_ms at login: a password change, role change or deletion ends the session
  // (the web handler compares it with the table on every request).
  std::int64_t user_updated_ms = 0;
};

class SessionStore {
 public:
  SessionStore(std::int64_t ttl_ms, std::size_t max_sessions)
      : ttl_ms_(ttl_ms), max_(max_sessions) {}

  Session create(const std::string& user, Role role, const Scope& scope,
                 std::int64_t user_updated_ms, std::int64_t now_ms);
  // The live session with this id (expired ones are removed).
  std::optional<Session> find(const std::string& id, std::int64_t now_ms);
  void remove(const std::string& id);
  // Ends every session of a user (password changed or user deleted, seen at next lookup).
  void removeUser(const std::string& user);
  std::size_t size();

 private:
  std::mutex mu_;
  std::int64_t ttl_ms_;
  std::size_t max_;
  std::map<std::string, Session> by_id_;
  std::deque<std::string> order_;  // ids by creation (may hold removed ids)
};

class LoginLimiter {
 public:
  LoginLimiter(int max_failures, std::int64_t window_ms, std::size_t max_clients)
      : max_failures_(max_failures), window_ms_(window_ms), max_clients_(max_clients) {}

  // Whether this client may try now.
  bool allowed(const std::string& client, std::int64_t now_ms);
  void failed(const std::string& client, std::int64_t now_ms);
  void succeeded(const std::string& client);

 private:
  void prune(std::deque<std::int64_t>& q, std::int64_t now_ms) const;

  std::mutex mu_;
  int max_failures_;
  std::int64_t window_ms_;
  std::size_t max_clients_;
  std::map<std::string, std::deque<std::int64_t>> failures_;
  std::deque<std::string> clients_;  // insertion order for eviction
};

}  // namespace uplinkprobe::collector::auth
