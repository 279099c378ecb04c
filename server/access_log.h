// AccessLog: one line per request of uplinkprobe-server, for finding who pulls how much — and
// no more than that. Privacy: the client address is cut to its network (IPv4 /24, IPv6 /48),
// no User-Agent, Referer or cookies, and of the query only ckSize. Bounded: when the file
// passes max_bytes it is renamed to FILE.1 (replacing the previous one) and a new FILE is
// started, so at most 2 x max_bytes are on disk.
//
// Line: `2026-12-02T05:30:00.123Z 203.0.113.0/24 GET /garbage.php ckSize=100 200 104857600`
// (time UTC, network, method, path, ckSize or "-", status, body bytes promised).
// Threading: write() from any worker thread (one mutex); a failed write is counted, never fatal.
#pragma once

#include <cstdint>
#include <cstdio>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "common/result.h"

namespace uplinkprobe::server {

class AccessLog {
 public:
  ~AccessLog();
  // Opens (appends to) path; Error{"io"} naming it.
  static Result<std::unique_ptr<AccessLog>> open(const std::string& path, std::uint64_t max_bytes);

  void write(std::string_view line);
  std::uint64_t failures() const;

  // "203.0.113.0/24", "2001:db8:1::/48"; an unparsable peer stays "unknown".
  static std::string network(std::string_view ip);

 private:
  AccessLog(std::string path, std::uint64_t max_bytes) : path_(std::move(path)), max_(max_bytes) {}
  bool reopen();

  const std::string path_;
  const std::uint64_t max_;
  mutable std::mutex mu_;
  std::FILE* file_ = nullptr;
  std::uint64_t size_ = 0;
  std::uint64_t failures_ = 0;
};

}  // namespace uplinkprobe::server
