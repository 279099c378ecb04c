// ClientBudget: bytes one client (address; IPv6 per /64) may move through the test endpoints
// in a fixed window, so a web page that makes every visitor's browser pull /garbage — or one
// host looping tests — is bounded (issue 15). Charged when a response is decided: the bytes a
// download promises, the Content-Length an upload declares.
//
// Threading: charge() from any worker thread (one mutex). Memory: at most kMaxClients
// entries; when full, expired windows are dropped first and a client that still finds no room
// is served uncounted (fail open: a flood of addresses must not deny everybody else).
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

#include "common/clock.h"

namespace uplinkprobe::server {

class ClientBudget {
 public:
  static constexpr std::size_t kMaxClients = 100000;

  // bytes_per_window 0 = no budget (charge() always allows).
  ClientBudget(std::uint64_t bytes_per_window, std::chrono::seconds window, const Clock& clock);

  struct Charge {
    bool allowed = true;
    std::chrono::seconds retry_after{0};  // when refused: until the client's window ends
  };
  // Adds bytes to key's window if that stays within the budget.
  Charge charge(const std::string& key, std::uint64_t bytes);

  bool enabled() const { return bytes_per_window_ > 0; }

 private:
  struct Window {
    SteadyTime start;
    std::uint64_t bytes = 0;
  };
  const std::uint64_t bytes_per_window_;
  const std::chrono::seconds window_;
  const Clock& clock_;
  std::mutex mu_;
  std::unordered_map<std::string, Window> clients_;
};

}  // namespace uplinkprobe::server
