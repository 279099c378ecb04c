#include "udpst/auth.h"

#include <fmt/format.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include <fstream>
#include <sstream>

namespace uplinkprobe::udpst {
namespace {

constexpr std::size_t kDigestOffset = 5;   // from authMode
constexpr std::size_t kKeyIdOffset = 37;   // from authMode
constexpr std::size_t kTimeOffset = 1;     // from authMode
constexpr std::size_t kAuthTailSize = 41;  // authMode .. checkSum

Key32 hmac(const Key32& key, std::span<const std::uint8_t> data) {
  Key32 out{};
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), data.data(), data.size(), out.data(),
       &len);
  return out;
}

}  // namespace

Result<DerivedKeys> deriveKeys(const std::string& shared_key, std::uint32_t auth_unix_time) {
  if (shared_key.empty() || shared_key.size() > kMaxKeyLength) {
    return makeError("auth", "udpst key must be 1-64 characters");
  }
  EVP_KDF* kdf = EVP_KDF_fetch(nullptr, "KBKDF", nullptr);
  if (kdf == nullptr) return makeError("auth", "OpenSSL has no KBKDF");
  EVP_KDF_CTX* ctx = EVP_KDF_CTX_new(kdf);
  EVP_KDF_free(kdf);
  if (ctx == nullptr) return makeError("auth", "OpenSSL KBKDF context failed");
  std::string context = std::to_string(auth_unix_time);
  std::string key = shared_key;
  char mode[] = "COUNTER";
  char mac[] = "HMAC";
  char digest[] = "SHA256";
  char salt[] = "UDPSTP";
  int one = 1;
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_MODE, mode, 0),
      OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_MAC, mac, 0),
      OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, key.data(), key.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, salt, 6),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, context.data(), context.size()),
      OSSL_PARAM_construct_int(OSSL_KDF_PARAM_KBKDF_USE_L, &one),
      OSSL_PARAM_construct_int(OSSL_KDF_PARAM_KBKDF_USE_SEPARATOR, &one),
      OSSL_PARAM_construct_end()};
  std::array<std::uint8_t, 64> material{};
  int rc = EVP_KDF_derive(ctx, material.data(), material.size(), params);
  EVP_KDF_CTX_free(ctx);
  OPENSSL_cleanse(key.data(), key.size());
  if (rc < 1) return makeError("auth", "OpenSSL KBKDF derivation failed");
  DerivedKeys out;
  std::copy(material.begin(), material.begin() + 32, out.client.begin());
  std::copy(material.begin() + 32, material.end(), out.server.begin());
  OPENSSL_cleanse(material.data(), material.size());
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
  return CRYPTO_memcmp(d.data(), pdu.data() + off + kDigestOffset, d.size()) == 0;
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
      return makeError("config", where + ": expected <keyId>,<key>");
    }
    std::string id_text = clean.substr(0, comma);
    std::string key = clean.substr(comma + 1);
    if (auto c2 = key.find(','); c2 != std::string::npos) key.resize(c2);
    int id = -1;
    if (!id_text.empty() && id_text.size() <= 3 &&
        id_text.find_first_not_of("0123456789") == std::string::npos) {
      id = std::stoi(id_text);
    }
    if (id < 0 || id > 255) return makeError("config", where + ": key id must be 0-255");
    if (key.empty() || key.size() > kMaxKeyLength) {
      return makeError("config", where + ": key must be 1-64 characters");
    }
    if (table.keys_.count(static_cast<std::uint8_t>(id)) != 0) {
      return makeError("config", where + fmt::format(": key id {} given twice", id));
    }
    table.keys_[static_cast<std::uint8_t>(id)] = key;
    if (table.keys_.size() > 256) break;
  }
  if (table.keys_.empty()) return makeError("config", origin + ": no key in the file");
  return table;
}

Result<KeyTable> KeyTable::load(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return makeError("config", fmt::format("udpst key file {}: cannot be read", path));
  std::string text;
  text.resize(64 * 1024);
  f.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(f.gcount()));
  if (!f.eof()) return makeError("config", fmt::format("udpst key file {}: over 64 KiB", path));
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
