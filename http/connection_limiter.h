// ConnectionLimiter: the Server's admission control — a global cap on open connections and a
// cap per client address, so that one host holding idle or slowloris connections cannot take
// every slot from the others (issue 16 item 5).
//
// Address key: an IPv4 peer (IPv4-mapped IPv6 included) counts by its address; an IPv6 peer by
// its /64, because one host is normally given a whole /64 and could otherwise open each
// connection from a new address. nginx's `limit_conn` keyed on $binary_remote_addr counts the
// full IPv6 address, so a single IPv6 host escapes it; this does not.
//
// Threading: admit() and a Slot's destruction may run on any thread (the Server admits on
// context 0; a Connection dies on its own context); one mutex guards the counts. Memory is
// bounded: an entry exists only while its address holds a slot, so at most max_total entries.
#pragma once

#include <asio.hpp>
#include <mutex>
#include <string>
#include <unordered_map>

namespace uplinkprobe::http {

class ConnectionLimiter {
 public:
  // max_per_address <= 0 means no per-address cap.
  ConnectionLimiter(int max_total, int max_per_address);
  ConnectionLimiter(const ConnectionLimiter&) = delete;
  ConnectionLimiter& operator=(const ConnectionLimiter&) = delete;

  // One admitted connection. Releases its slot when destroyed; a default or moved-from Slot
  // holds nothing. The limiter must outlive every Slot it handed out.
  class Slot {
   public:
    Slot() = default;
    Slot(Slot&& other) noexcept;
    Slot& operator=(Slot&& other) noexcept;
    ~Slot();
    Slot(const Slot&) = delete;
    Slot& operator=(const Slot&) = delete;
    explicit operator bool() const { return limiter_ != nullptr; }

   private:
    friend class ConnectionLimiter;
    Slot(ConnectionLimiter* limiter, std::string key) : limiter_(limiter), key_(std::move(key)) {}
    void release();
    ConnectionLimiter* limiter_ = nullptr;
    std::string key_;
  };

  enum class Refusal { kNone, kTotal, kPerAddress };

  // A Slot if both caps allow one more connection from peer; else an empty Slot and *why.
  Slot admit(const asio::ip::address& peer, Refusal* why = nullptr);

  int active() const;
  int activeFor(const asio::ip::address& peer) const;

  // The counting key for peer ("192.0.2.7", "2001:db8:1:2::/64").
  static std::string addressKey(const asio::ip::address& peer);

 private:
  void release(const std::string& key);

  const int max_total_;
  const int max_per_address_;
  mutable std::mutex mu_;
  int total_ = 0;
  std::unordered_map<std::string, int> per_address_;
};

}  // namespace uplinkprobe::http
