// PayloadBuffer: the incompressible bytes every /garbage response is cut from.
//
// Filled once at start-up from a PRNG seeded by the OS, then read-only and shared by all
// connections and threads without locks: downloads are sent straight from it (gather writes,
// no per-request generation or copy). It is larger than one 1 MiB chunk and responses walk
// through it cyclically, so a compressor with a long window (zstd --long, brotli) finds no
// repeat within 4 MiB, and gzip/deflate (32 KiB window) finds none at all.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

namespace uplinkprobe::server {

class PayloadBuffer {
 public:
  static constexpr std::size_t kDefaultSize = 4 * 1024 * 1024;

  explicit PayloadBuffer(std::size_t size = kDefaultSize);
  PayloadBuffer(std::size_t size, std::uint64_t seed);  // deterministic, for tests

  std::string_view bytes() const { return {data_.get(), size_}; }
  std::size_t size() const { return size_; }

 private:
  void fill(std::uint64_t seed);

  std::unique_ptr<char[]> data_;
  std::size_t size_;
};

}  // namespace uplinkprobe::server
