// Ed25519 keys, signatures and key ids for signed remote commands (docs/control.md), on
// OpenSSL 3 EVP (EVP_PKEY_ED25519, EVP_DigestSign/EVP_DigestVerify with a NULL digest: Ed25519
// hashes internally, "pure" mode, no pre-hash). Used by the agent (verify) and the collector
// (generate, sign); no OpenSSL type leaves ed25519.cpp.
//
// Key files are PEM, the same as `openssl genpkey -algorithm ed25519`:
//   private: PKCS#8 "-----BEGIN PRIVATE KEY-----"
//   public:  SubjectPublicKeyInfo "-----BEGIN PUBLIC KEY-----"
// Key id: the first 16 lowercase hex characters of SHA-256 over the raw 32-byte public key
// (so another tool derives it from the key alone).
//
// Thread-safety: keys are immutable after creation and may be shared between threads.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "common/result.h"

namespace uplinkprobe::record {

using RawPublicKey = std::array<uint8_t, 32>;

class PublicKey {
 public:
  // From PEM text (SubjectPublicKeyInfo); error kind "key" for anything that is not an
  // Ed25519 public key.
  static Result<PublicKey> fromPem(std::string_view pem);
  static Result<PublicKey> fromRaw(const RawPublicKey& raw);
  const RawPublicKey& raw() const { return raw_; }
  const std::string& keyId() const { return key_id_; }
  std::string pem() const;
  // True only for a valid 64-byte Ed25519 signature of `message` by this key.
  bool verify(std::string_view message, std::string_view signature) const;

 private:
  std::shared_ptr<void> pkey_;  // EVP_PKEY*
  RawPublicKey raw_{};
  std::string key_id_;
};

class PrivateKey {
 public:
  // A fresh key from the OpenSSL CSPRNG.
  static Result<PrivateKey> generate();
  static Result<PrivateKey> fromPem(std::string_view pem);
  const PublicKey& publicKey() const { return public_; }
  std::string pem() const;  // PKCS#8, unencrypted: protect the file (0600)
  // The 64-byte signature of `message`.
  Result<std::string> sign(std::string_view message) const;

 private:
  // Takes ownership of an Ed25519 EVP_PKEY* (as void*: OpenSSL stays out of this header)
  // and derives its public key.
  static Result<PrivateKey> adopt(void* evp_pkey);

  std::shared_ptr<void> pkey_;  // EVP_PKEY*
  PublicKey public_;
};

// First 16 lowercase hex characters of SHA-256(raw).
std::string keyIdOf(const RawPublicKey& raw);

// Standard base64 (RFC 4648 section 4, with padding, no line breaks).
std::string base64Encode(std::string_view bytes);
// Strict: only the standard alphabet, padding required, no whitespace.
Result<std::string> base64Decode(std::string_view text);

// Reads a whole small file (key files, state, the config); error kind "io".
Result<std::string> readSmallFile(const std::string& path, size_t max_bytes = 65536);

}  // namespace uplinkprobe::record
