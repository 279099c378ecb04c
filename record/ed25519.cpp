#include "record/ed25519.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/sha.h>

#include <cstdio>
#include <fstream>

namespace uplinkprobe::record {
namespace {

std::shared_ptr<void> own(EVP_PKEY* k) {
  return std::shared_ptr<void>(k, [](void* p) { EVP_PKEY_free(static_cast<EVP_PKEY*>(p)); });
}

EVP_PKEY* pk(const std::shared_ptr<void>& p) { return static_cast<EVP_PKEY*>(p.get()); }

std::string opensslError() {
  unsigned long e = ERR_get_error();
  ERR_clear_error();
  if (e == 0) return "unknown OpenSSL error";
  char buf[256];
  ERR_error_string_n(e, buf, sizeof buf);
  return buf;
}

Result<RawPublicKey> rawPublic(EVP_PKEY* k) {
  RawPublicKey raw{};
  size_t len = raw.size();
  if (EVP_PKEY_get_raw_public_key(k, raw.data(), &len) != 1 || len != raw.size())
    return makeError("key", "cannot extract the Ed25519 public key: " + opensslError());
  return raw;
}

std::string bioText(BIO* bio) {
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);
  return n > 0 ? std::string(data, static_cast<size_t>(n)) : std::string();
}

}  // namespace

std::string keyIdOf(const RawPublicKey& raw) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(raw.data(), raw.size(), digest);
  std::string out;
  char hex[3];
  for (int i = 0; i < 8; ++i) {
    std::snprintf(hex, sizeof hex, "%02x", digest[i]);
    out += hex;
  }
  return out;
}

Result<PublicKey> PublicKey::fromRaw(const RawPublicKey& raw) {
  EVP_PKEY* k = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, raw.data(), raw.size());
  if (k == nullptr) return makeError("key", "not an Ed25519 public key: " + opensslError());
  PublicKey p;
  p.pkey_ = own(k);
  p.raw_ = raw;
  p.key_id_ = keyIdOf(raw);
  return p;
}

Result<PublicKey> PublicKey::fromPem(std::string_view pem) {
  if (pem.size() > 65536) return makeError("key", "PEM text larger than 64 KiB");
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  if (bio == nullptr) return makeError("key", "out of memory");
  EVP_PKEY* k = PEM_read_bio_PUBKEY(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  if (k == nullptr)
    return makeError("key",
                     "not a PEM public key (\"-----BEGIN PUBLIC KEY-----\"): " + opensslError());
  auto owned = own(k);
  if (EVP_PKEY_get_id(k) != EVP_PKEY_ED25519)
    return makeError("key",
                     "the public key is not Ed25519 (make one with `uplinkprobe-collector "
                     "keygen` or `openssl genpkey -algorithm ed25519`)");
  auto raw = rawPublic(k);
  if (!raw) return raw.error();
  PublicKey p;
  p.pkey_ = owned;
  p.raw_ = *raw;
  p.key_id_ = keyIdOf(*raw);
  return p;
}

std::string PublicKey::pem() const {
  BIO* bio = BIO_new(BIO_s_mem());
  if (bio == nullptr) return "";
  std::string out;
  if (PEM_write_bio_PUBKEY(bio, pk(pkey_)) == 1) out = bioText(bio);
  BIO_free(bio);
  return out;
}

bool PublicKey::verify(std::string_view message, std::string_view signature) const {
  if (!pkey_ || signature.size() != 64) return false;
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  if (ctx == nullptr) return false;
  bool ok = EVP_DigestVerifyInit(ctx, nullptr, nullptr, nullptr, pk(pkey_)) == 1 &&
            EVP_DigestVerify(
                ctx, reinterpret_cast<const unsigned char*>(signature.data()), signature.size(),
                reinterpret_cast<const unsigned char*>(message.data()), message.size()) == 1;
  EVP_MD_CTX_free(ctx);
  ERR_clear_error();
  return ok;
}

Result<PrivateKey> PrivateKey::generate() {
  EVP_PKEY* k = nullptr;
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_id(EVP_PKEY_ED25519, nullptr);
  const bool ok = ctx != nullptr && EVP_PKEY_keygen_init(ctx) == 1 && EVP_PKEY_keygen(ctx, &k) == 1;
  EVP_PKEY_CTX_free(ctx);
  if (!ok) return makeError("key", "Ed25519 key generation failed: " + opensslError());
  return adopt(k);
}

Result<PrivateKey> PrivateKey::adopt(void* evp_pkey) {
  auto* k = static_cast<EVP_PKEY*>(evp_pkey);
  auto owned = own(k);
  auto raw = rawPublic(k);
  if (!raw) return raw.error();
  auto pub = PublicKey::fromRaw(*raw);
  if (!pub) return pub.error();
  PrivateKey p;
  p.pkey_ = owned;
  p.public_ = *pub;
  return p;
}

Result<PrivateKey> PrivateKey::fromPem(std::string_view pem) {
  if (pem.size() > 65536) return makeError("key", "PEM text larger than 64 KiB");
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  if (bio == nullptr) return makeError("key", "out of memory");
  // No passphrase callback: an encrypted key fails here instead of prompting on a terminal.
  EVP_PKEY* k = PEM_read_bio_PrivateKey(
      bio, nullptr, [](char*, int, int, void*) { return 0; }, nullptr);
  BIO_free(bio);
  if (k == nullptr)
    return makeError(
        "key",
        "not an unencrypted PEM private key (\"-----BEGIN PRIVATE KEY-----\"): " + opensslError());
  if (EVP_PKEY_get_id(k) != EVP_PKEY_ED25519) {
    EVP_PKEY_free(k);
    return makeError("key", "the private key is not Ed25519");
  }
  return adopt(k);
}

std::string PrivateKey::pem() const {
  BIO* bio = BIO_new(BIO_s_mem());
  if (bio == nullptr) return "";
  std::string out;
  if (PEM_write_bio_PrivateKey(bio, pk(pkey_), nullptr, nullptr, 0, nullptr, nullptr) == 1)
    out = bioText(bio);
  BIO_free(bio);
  return out;
}

Result<std::string> PrivateKey::sign(std::string_view message) const {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  if (ctx == nullptr) return makeError("key", "out of memory");
  std::string sig(64, '\0');
  size_t len = sig.size();
  const bool ok =
      EVP_DigestSignInit(ctx, nullptr, nullptr, nullptr, pk(pkey_)) == 1 &&
      EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(sig.data()), &len,
                     reinterpret_cast<const unsigned char*>(message.data()), message.size()) == 1 &&
      len == 64;
  EVP_MD_CTX_free(ctx);
  if (!ok) return makeError("key", "Ed25519 signing failed: " + opensslError());
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
  auto bad = [] { return makeError("malformed", "not standard base64 with padding"); };
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
  if (!in) return makeError("io", path + ": cannot open (does it exist, may we read it?)");
  std::string text;
  char buf[4096];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) {
    text.append(buf, static_cast<size_t>(in.gcount()));
    if (text.size() > max_bytes)
      return makeError("io", path + ": larger than " + std::to_string(max_bytes) + " bytes");
  }
  return text;
}

}  // namespace uplinkprobe::record
