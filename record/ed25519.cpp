#include "record/ed25519.h"

#include <sodium.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <vector>

namespace uplinkprobe::record {
namespace {

// DER of the only two key encodings there are for Ed25519 (RFC 8410), all but the 32 key
// bytes fixed; they are what `openssl genpkey -algorithm ed25519` and `openssl pkey -pubout`
// write:
//   PrivateKeyInfo SEQUENCE { INTEGER 0, AlgorithmIdentifier { OID 1.3.101.112 },
//                             OCTET STRING { OCTET STRING (32-byte seed) } }
//   SubjectPublicKeyInfo SEQUENCE { AlgorithmIdentifier { OID 1.3.101.112 },
//                                   BIT STRING (0 unused bits, 32-byte key) }
constexpr unsigned char kPkcs8Prefix[] = {0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06,
                                          0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20};
constexpr unsigned char kSpkiPrefix[] = {0x30, 0x2a, 0x30, 0x05, 0x06, 0x03,
                                         0x2b, 0x65, 0x70, 0x03, 0x21, 0x00};
constexpr size_t kMaxPem = 65536;
constexpr const char* kPrivateLabel = "PRIVATE KEY";
constexpr const char* kPublicLabel = "PUBLIC KEY";

// sodium_init() once per process (thread-safe, idempotent): it picks the implementations and
// readies the random source (getrandom(2), else /dev/urandom); it fails only when there is no
// random source at all. Only generate() needs randomness; the others call it as libsodium
// asks of any caller.
bool sodiumReady() {
  static const bool ready = sodium_init() >= 0;
  return ready;
}

// The DER inside one PEM block labelled `label`: the BEGIN line, base64 lines, the END line,
// nothing else but blank lines around it ('\r' before a newline is accepted). The body may be
// wrapped at any width; its base64 must be canonical (base64Decode). Anything else — another
// label, text around the block, a second block, headers (encrypted PEM) — is refused.
Result<std::string> pemBody(std::string_view pem, const std::string& label) {
  const std::string begin = "-----BEGIN " + label + "-----";
  const std::string end = "-----END " + label + "-----";
  const auto bad = [&](const std::string& why) {
    return makeError(ErrorKind::kKey, "not a PEM \"" + begin + "\" block: " + why);
  };
  std::vector<std::string_view> lines;
  size_t pos = 0;
  while (pos < pem.size()) {
    size_t nl = pem.find('\n', pos);
    std::string_view line =
        pem.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    pos = nl == std::string_view::npos ? pem.size() : nl + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    lines.push_back(line);
  }
  size_t first = 0;
  while (first < lines.size() && lines[first].empty()) ++first;
  size_t last = lines.size();
  while (last > first && lines[last - 1].empty()) --last;
  if (first == last) return bad("empty");
  if (lines[first] != begin) {
    if (lines[first].substr(0, 11) == "-----BEGIN ")
      return bad("it is a \"" + std::string(lines[first]) + "\" block");
    return bad("it does not start with that line");
  }
  if (last - first < 3 || lines[last - 1] != end) return bad("no \"" + end + "\" line after it");
  std::string b64;
  for (size_t i = first + 1; i + 1 < last; ++i) {
    if (lines[i].empty() || lines[i].find(':') != std::string_view::npos)
      return bad("line " + std::to_string(i + 1) + " is not base64 (an encrypted key?)");
    b64.append(lines[i]);
  }
  auto der = base64Decode(b64);
  if (!der) return bad("line " + std::to_string(first + 2) + " on is not base64");
  return *der;
}

std::string pemOf(const std::string& label, std::string_view der) {
  const std::string b64 = base64Encode(der);
  std::string out = "-----BEGIN " + label + "-----\n";
  for (size_t i = 0; i < b64.size(); i += 64) out += b64.substr(i, 64) + "\n";
  out += "-----END " + label + "-----\n";
  return out;
}

bool hasPrefix(const std::string& der, const unsigned char* prefix, size_t n) {
  return der.size() >= n && std::memcmp(der.data(), prefix, n) == 0;
}

}  // namespace

std::string keyIdOf(const RawPublicKey& raw) {
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(digest, raw.data(), raw.size());
  std::string out;
  char hex[3];
  for (int i = 0; i < 8; ++i) {
    std::snprintf(hex, sizeof hex, "%02x", digest[i]);
    out += hex;
  }
  return out;
}

Result<PublicKey> PublicKey::fromRaw(const RawPublicKey& raw) {
  // Any 32 bytes, as OpenSSL's EVP_PKEY_new_raw_public_key took them: a key that is not a
  // point on the curve (or one of small order) never verifies a signature.
  PublicKey p;
  p.raw_ = raw;
  p.key_id_ = keyIdOf(raw);
  return p;
}

Result<PublicKey> PublicKey::fromPem(std::string_view pem) {
  if (pem.size() > kMaxPem) return makeError(ErrorKind::kKey, "PEM text larger than 64 KiB");
  auto der = pemBody(pem, kPublicLabel);
  if (!der) return der.error();
  if (der->size() != sizeof kSpkiPrefix + 32 || !hasPrefix(*der, kSpkiPrefix, sizeof kSpkiPrefix))
    return makeError(ErrorKind::kKey,
                     "the public key is not Ed25519 (make one with `uplinkprobe-collector "
                     "keygen` or `openssl genpkey -algorithm ed25519`)");
  RawPublicKey raw{};
  std::memcpy(raw.data(), der->data() + sizeof kSpkiPrefix, raw.size());
  return fromRaw(raw);
}

std::string PublicKey::pem() const {
  std::string der(reinterpret_cast<const char*>(kSpkiPrefix), sizeof kSpkiPrefix);
  der.append(reinterpret_cast<const char*>(raw_.data()), raw_.size());
  return pemOf(kPublicLabel, der);
}

bool PublicKey::verify(std::string_view message, std::string_view signature) const {
  if (key_id_.empty() || signature.size() != crypto_sign_ed25519_BYTES || !sodiumReady())
    return false;
  return crypto_sign_ed25519_verify_detached(
             reinterpret_cast<const unsigned char*>(signature.data()),
             reinterpret_cast<const unsigned char*>(message.data()), message.size(),
             raw_.data()) == 0;
}

Result<PrivateKey> PrivateKey::generate() {
  if (!sodiumReady())
    return makeError(ErrorKind::kKey,
                     "Ed25519 key generation failed: libsodium has no random source");
  unsigned char seed[crypto_sign_ed25519_SEEDBYTES];
  randombytes_buf(seed, sizeof seed);
  auto key = fromSeed(seed);
  sodium_memzero(seed, sizeof seed);
  return key;
}

Result<PrivateKey> PrivateKey::fromSeed(const unsigned char* seed) {
  if (!sodiumReady()) return makeError(ErrorKind::kKey, "libsodium failed to initialise");
  auto secret = std::shared_ptr<SecretKey>(new SecretKey{}, [](SecretKey* k) {
    sodium_memzero(k->data(), k->size());
    delete k;
  });
  RawPublicKey raw{};
  if (crypto_sign_ed25519_seed_keypair(raw.data(), secret->data(), seed) != 0)
    return makeError(ErrorKind::kKey, "Ed25519 key derivation failed");
  auto pub = PublicKey::fromRaw(raw);
  if (!pub) return pub.error();
  PrivateKey p;
  p.secret_ = std::move(secret);
  p.public_ = *pub;
  return p;
}

Result<PrivateKey> PrivateKey::fromPem(std::string_view pem) {
  if (pem.size() > kMaxPem) return makeError(ErrorKind::kKey, "PEM text larger than 64 KiB");
  auto der = pemBody(pem, kPrivateLabel);
  if (!der) return der.error();
  if (der->size() != sizeof kPkcs8Prefix + crypto_sign_ed25519_SEEDBYTES ||
      !hasPrefix(*der, kPkcs8Prefix, sizeof kPkcs8Prefix)) {
    sodium_memzero(der->data(), der->size());
    return makeError(ErrorKind::kKey, "the private key is not Ed25519");
  }
  auto key = fromSeed(reinterpret_cast<const unsigned char*>(der->data()) + sizeof kPkcs8Prefix);
  sodium_memzero(der->data(), der->size());
  return key;
}

std::string PrivateKey::pem() const {
  if (!secret_) return "";
  std::string der(reinterpret_cast<const char*>(kPkcs8Prefix), sizeof kPkcs8Prefix);
  // libsodium's secret key is seed || public key.
  der.append(reinterpret_cast<const char*>(secret_->data()), crypto_sign_ed25519_SEEDBYTES);
  std::string out = pemOf(kPrivateLabel, der);
  sodium_memzero(der.data(), der.size());
  return out;
}

Result<std::string> PrivateKey::sign(std::string_view message) const {
  if (!secret_) return makeError(ErrorKind::kKey, "Ed25519 signing failed: no key");
  std::string sig(crypto_sign_ed25519_BYTES, '\0');
  unsigned long long len = 0;
  if (crypto_sign_ed25519_detached(reinterpret_cast<unsigned char*>(sig.data()), &len,
                                   reinterpret_cast<const unsigned char*>(message.data()),
                                   message.size(), secret_->data()) != 0 ||
      len != crypto_sign_ed25519_BYTES)
    return makeError(ErrorKind::kKey, "Ed25519 signing failed");
  return sig;
}

namespace {
constexpr char kB64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
}

std::string base64Encode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    uint32_t v = (uint8_t(bytes[i]) << 16) | (uint8_t(bytes[i + 1]) << 8) | uint8_t(bytes[i + 2]);
    out += kB64[v >> 18];
    out += kB64[(v >> 12) & 63];
    out += kB64[(v >> 6) & 63];
    out += kB64[v & 63];
  }
  if (i + 1 == bytes.size()) {
    uint32_t v = uint8_t(bytes[i]) << 16;
    out += kB64[v >> 18];
    out += kB64[(v >> 12) & 63];
    out += "==";
  } else if (i + 2 == bytes.size()) {
    uint32_t v = (uint8_t(bytes[i]) << 16) | (uint8_t(bytes[i + 1]) << 8);
    out += kB64[v >> 18];
    out += kB64[(v >> 12) & 63];
    out += kB64[(v >> 6) & 63];
    out += '=';
  }
  return out;
}

Result<std::string> base64Decode(std::string_view text) {
  auto bad = [] { return makeError(ErrorKind::kMalformed, "not standard base64 with padding"); };
  if (text.size() % 4 != 0) return bad();
  std::string out;
  out.reserve(text.size() / 4 * 3);
  for (size_t i = 0; i < text.size(); i += 4) {
    uint32_t v = 0;
    int pad = 0;
    for (size_t j = 0; j < 4; ++j) {
      const char c = text[i + j];
      int d = -1;
      if (c == '=' && i + 4 == text.size() && j >= 2) {
        ++pad;
        d = 0;
      } else if (pad == 0) {
        const char* p = c == '\0' ? nullptr : std::char_traits<char>::find(kB64, 64, c);
        if (p != nullptr) d = static_cast<int>(p - kB64);
      }
      if (d < 0) return bad();
      v = (v << 6) | static_cast<uint32_t>(d);
    }
    out += static_cast<char>(v >> 16);
    if (pad < 2) out += static_cast<char>((v >> 8) & 0xff);
    if (pad < 1) out += static_cast<char>(v & 0xff);
    // Non-canonical encodings (stray bits under the padding) are refused too.
    if ((pad == 1 && (v & 0xff) != 0) || (pad == 2 && (v & 0xffff) != 0)) return bad();
  }
  return out;
}

Result<std::string> readSmallFile(const std::string& path, size_t max_bytes) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return makeError(ErrorKind::kIo, path + ": cannot open (does it exist, may we read it?)");
  std::string text;
  char buf[4096];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) {
    text.append(buf, static_cast<size_t>(in.gcount()));
    if (text.size() > max_bytes)
      return makeError(ErrorKind::kIo,
                       path + ": larger than " + std::to_string(max_bytes) + " bytes");
  }
  return text;
}

}  // namespace uplinkprobe::record
