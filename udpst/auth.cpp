#include "udpst/auth.h"

#include <fmt/format.h>
#include <sodium.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <string_view>

namespace uplinkprobe::udpst {
namespace {

constexpr std::size_t kDigestOffset = 5;   // from authMode
constexpr std::size_t kKeyIdOffset = 37;   // from authMode
constexpr std::size_t kTimeOffset = 1;     // from authMode
constexpr std::size_t kAuthTailSize = 41;  // authMode .. checkSum

static_assert(crypto_auth_hmacsha256_BYTES == sizeof(Key32));

Key32 hmac(const Key32& key, std::span<const std::uint8_t> data) {
  Key32 out{};
  crypto_auth_hmacsha256_state st;
  crypto_auth_hmacsha256_init(&st, key.data(), key.size());
  crypto_auth_hmacsha256_update(&st, data.data(), data.size());
  crypto_auth_hmacsha256_final(&st, out.data());
  sodium_memzero(&st, sizeof st);
  return out;
}

// KBKDF, NIST SP 800-108 counter mode with HMAC-SHA256 as the PRF, as OpenSSL 3's "KBKDF"
// computes it with the parameters the reference passes (mode COUNTER, salt = label, info =
// context, use-L and use-separator on, the default 32-bit counter): block i (from 1) is
//   HMAC(key, [i]_32be ‖ label ‖ 0x00 ‖ context ‖ [L]_32be),  L = out.size() * 8 bits,
// the output the concatenation of the blocks, cut to out.size().
void kbkdfCounterHmacSha256(std::string_view key, std::string_view label, std::string_view context,
                            std::span<std::uint8_t> out) {
  const auto be32 = [](std::uint32_t v) {
    return std::array<std::uint8_t, 4>{
        static_cast<std::uint8_t>(v >> 24), static_cast<std::uint8_t>(v >> 16),
        static_cast<std::uint8_t>(v >> 8), static_cast<std::uint8_t>(v)};
  };
  const auto bits = be32(static_cast<std::uint32_t>(out.size() * 8));
  const std::uint8_t separator = 0;
  std::size_t done = 0;
  for (std::uint32_t i = 1; done < out.size(); ++i) {
    const auto counter = be32(i);
    crypto_auth_hmacsha256_state st;
    crypto_auth_hmacsha256_init(&st, reinterpret_cast<const unsigned char*>(key.data()),
                                key.size());
    crypto_auth_hmacsha256_update(&st, counter.data(), counter.size());
    crypto_auth_hmacsha256_update(&st, reinterpret_cast<const unsigned char*>(label.data()),
                                  label.size());
    crypto_auth_hmacsha256_update(&st, &separator, 1);
    crypto_auth_hmacsha256_update(&st, reinterpret_cast<const unsigned char*>(context.data()),
                                  context.size());
    crypto_auth_hmacsha256_update(&st, bits.data(), bits.size());
    Key32 block{};
    crypto_auth_hmacsha256_final(&st, block.data());
    sodium_memzero(&st, sizeof st);
    const std::size_t n = std::min(block.size(), out.size() - done);
    std::copy_n(block.begin(), n, out.begin() + static_cast<std::ptrdiff_t>(done));
    sodium_memzero(block.data(), block.size());
    done += n;
  }
}

}  // namespace

Result<DerivedKeys> deriveKeys(const std::string& shared_key, std::uint32_t auth_unix_time) {
  if (shared_key.empty() || shared_key.size() > kMaxKeyLength) {
    return makeError(ErrorKind::kAuth, "udpst key must be 1-64 characters");
  }
  const std::string context = std::to_string(auth_unix_time);
  std::array<std::uint8_t, 64> material{};
  kbkdfCounterHmacSha256(shared_key, "UDPSTP", context, material);
  DerivedKeys out;
  std::copy(material.begin(), material.begin() + 32, out.client.begin());
  std::copy(material.begin() + 32, material.end(), out.server.begin());
  sodium_memzero(material.data(), material.size());
  return out;
}

void signPdu(std::vector<std::uint8_t>& pdu, std::size_t off, const Key32& key, std::uint8_t key_id,
             std::uint32_t unix_time) {
  if (off + kAuthTailSize != pdu.size()) return;  // not an authenticated PDU layout
  pdu[off] = 1;
  pdu[off + kTimeOffset] = static_cast<std::uint8_t>(unix_time >> 24);
  pdu[off + kTimeOffset + 1] = static_cast<std::uint8_t>(unix_time >> 16);
  pdu[off + kTimeOffset + 2] = static_cast<std::uint8_t>(unix_time >> 8);
  pdu[off + kTimeOffset + 3] = static_cast<std::uint8_t>(unix_time);
  std::fill(pdu.begin() + static_cast<std::ptrdiff_t>(off + kDigestOffset),
            pdu.begin() + static_cast<std::ptrdiff_t>(off + kDigestOffset + 32), 0);
  pdu[off + kKeyIdOffset] = key_id;
  pdu[off + kKeyIdOffset + 1] = 0;
  pdu[pdu.size() - 2] = 0;
  pdu[pdu.size() - 1] = 0;
  Key32 d = hmac(key, pdu);
  std::copy(d.begin(), d.end(), pdu.begin() + static_cast<std::ptrdiff_t>(off + kDigestOffset));
}

bool digestMatches(std::span<const std::uint8_t> pdu, std::size_t off, const Key32& key) {
  if (off + kAuthTailSize != pdu.size()) return false;
  std::vector<std::uint8_t> copy(pdu.begin(), pdu.end());
  std::fill(copy.begin() + static_cast<std::ptrdiff_t>(off + kDigestOffset),
            copy.begin() + static_cast<std::ptrdiff_t>(off + kDigestOffset + 32), 0);
  copy[copy.size() - 2] = 0;
  copy[copy.size() - 1] = 0;
  Key32 d = hmac(key, copy);
  return sodium_memcmp(d.data(), pdu.data() + off + kDigestOffset, d.size()) == 0;
}

std::uint32_t authUnixTime(std::span<const std::uint8_t> pdu, std::size_t off) {
  if (off + kAuthTailSize != pdu.size()) return 0;
  const std::uint8_t* p = pdu.data() + off + kTimeOffset;
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) |
         p[3];
}

bool withinAuthWindow(std::uint32_t t, std::int64_t now) {
  return static_cast<std::int64_t>(t) >= now - kAuthTimeWindowS &&
         static_cast<std::int64_t>(t) <= now + kAuthTimeWindowS;
}

Result<KeyTable> KeyTable::parse(const std::string& text, const std::string& origin) {
  KeyTable table;
  std::istringstream in(text);
  std::string line;
  int lineno = 0;
  while (std::getline(in, line) && lineno < 100000) {
    ++lineno;
    if (auto hash = line.find('#'); hash != std::string::npos) line.resize(hash);
    std::string clean;
    for (char c : line) {
      if (c != ' ' && c != '\t' && c != '\r') clean.push_back(c);
    }
    if (clean.empty()) continue;
    auto comma = clean.find(',');
    auto where = fmt::format("{} line {}", origin, lineno);
    if (comma == std::string::npos) {
      return makeError(ErrorKind::kConfig, where + ": expected <keyId>,<key>");
    }
    std::string id_text = clean.substr(0, comma);
    std::string key = clean.substr(comma + 1);
    if (auto c2 = key.find(','); c2 != std::string::npos) key.resize(c2);
    int id = -1;
    if (!id_text.empty() && id_text.size() <= 3 &&
        id_text.find_first_not_of("0123456789") == std::string::npos) {
      id = std::stoi(id_text);
    }
    if (id < 0 || id > 255) return makeError(ErrorKind::kConfig, where + ": key id must be 0-255");
    if (key.empty() || key.size() > kMaxKeyLength) {
      return makeError(ErrorKind::kConfig, where + ": key must be 1-64 characters");
    }
    if (table.keys_.count(static_cast<std::uint8_t>(id)) != 0) {
      return makeError(ErrorKind::kConfig, where + fmt::format(": key id {} given twice", id));
    }
    table.keys_[static_cast<std::uint8_t>(id)] = key;
    if (table.keys_.size() > 256) break;
  }
  if (table.keys_.empty()) return makeError(ErrorKind::kConfig, origin + ": no key in the file");
  return table;
}

Result<KeyTable> KeyTable::load(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f)
    return makeError(ErrorKind::kConfig, fmt::format("udpst key file {}: cannot be read", path));
  std::string text;
  text.resize(64 * 1024);
  f.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(f.gcount()));
  if (!f.eof())
    return makeError(ErrorKind::kConfig, fmt::format("udpst key file {}: over 64 KiB", path));
  return parse(text, "udpst key file " + path);
}

KeyTable KeyTable::single(std::uint8_t id, std::string key) {
  KeyTable t;
  t.keys_[id] = std::move(key);
  return t;
}

const std::string* KeyTable::find(std::uint8_t id) const {
  auto it = keys_.find(id);
  return it == keys_.end() ? nullptr : &it->second;
}

}  // namespace uplinkprobe::udpst
