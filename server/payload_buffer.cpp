#include "server/payload_buffer.h"

#include <algorithm>
#include <cstring>
#include <random>

namespace uplinkprobe::server {

namespace {
// splitmix64 seeds xoshiro256**: fast (GB/s), statistically random, not cryptographic —
// the bytes only need to be incompressible, not secret.
std::uint64_t splitmix64(std::uint64_t& x) {
  std::uint64_t z = (x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
}  // namespace

PayloadBuffer::PayloadBuffer(std::size_t size) : data_(new char[size]), size_(size) {
  std::random_device rd;
  std::uint64_t seed = (static_cast<std::uint64_t>(rd()) << 32) ^ rd();
  fill(seed);
}

PayloadBuffer::PayloadBuffer(std::size_t size, std::uint64_t seed)
    : data_(new char[size]), size_(size) {
  fill(seed);
}

void PayloadBuffer::fill(std::uint64_t seed) {
  std::uint64_t s[4];
  for (auto& v : s) v = splitmix64(seed);
  for (std::size_t off = 0; off < size_; off += 8) {
    std::uint64_t result = rotl(s[1] * 5, 7) * 9;
    std::uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    std::memcpy(data_.get() + off, &result, std::min<std::size_t>(8, size_ - off));
  }
}

}  // namespace uplinkprobe::server
