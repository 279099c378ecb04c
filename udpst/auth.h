// OB-UDPST authentication, mode 1 ("authenticated control"), as the reference 9.0.0 does it
// (udpst_control.c insert_auth/validate_auth/kdf_hmac_sha256):
// - the client derives a client key and a server key from the shared key and the setup
//   request's authUnixTime with KBKDF (SP 800-108 counter mode, HMAC-SHA256, label "UDPSTP",
//   context = authUnixTime in decimal, with L and the zero separator), 64 bytes split in two;
// - each authenticated PDU (setup, null, activation) carries authUnixTime, keyId and an
//   HMAC-SHA256 over the whole PDU with the digest and the checksum zeroed; the client signs
//   with the client key, the server with the server key;
// - a receiver accepts a digest only within ±5 s of its own clock (kAuthTimeWindowS).
// Key files use the reference's format: "<keyId>,<key>" per line, '#' comments, blanks ignored,
// ids 0-255, keys of 1-64 characters.
// HMAC-SHA256 is libsodium's (crypto_auth_hmacsha256_*, keys of any length), the KBKDF is
// written out in auth.cpp on top of it, bit for bit what OpenSSL 3's KBKDF gave; no OpenSSL.
// (libsodium's SHA-256 needs no sodium_init(): no CPU dispatch, no randomness.)
// Thread-safety: pure functions; KeyTable is immutable after load.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "common/result.h"

namespace uplinkprobe::udpst {

inline constexpr int kAuthTimeWindowS = 5;
inline constexpr std::size_t kMaxKeyLength = 64;
using Key32 = std::array<std::uint8_t, 32>;

struct DerivedKeys {
  Key32 client{};
  Key32 server{};
};

Result<DerivedKeys> deriveKeys(const std::string& shared_key, std::uint32_t auth_unix_time);

// Writes mode 1, unix_time, key_id and the digest into `pdu` at the authentication fields
// that start at auth_mode_offset; the checksum field (at the end of the PDU) is zeroed.
void signPdu(std::vector<std::uint8_t>& pdu, std::size_t auth_mode_offset, const Key32& key,
             std::uint8_t key_id, std::uint32_t unix_time);

// True when the digest in `pdu` is the HMAC of the PDU under `key` (constant-time compare).
bool digestMatches(std::span<const std::uint8_t> pdu, std::size_t auth_mode_offset,
                   const Key32& key);

// authUnixTime stored in the PDU's authentication fields.
std::uint32_t authUnixTime(std::span<const std::uint8_t> pdu, std::size_t auth_mode_offset);

bool withinAuthWindow(std::uint32_t auth_unix_time, std::int64_t now_unix);

class KeyTable {
 public:
  static Result<KeyTable> parse(const std::string& text, const std::string& origin);
  static Result<KeyTable> load(const std::string& path);
  static KeyTable single(std::uint8_t id, std::string key);
  const std::string* find(std::uint8_t id) const;
  bool empty() const { return keys_.empty(); }

 private:
  std::map<std::uint8_t, std::string> keys_;
};

}  // namespace uplinkprobe::udpst
