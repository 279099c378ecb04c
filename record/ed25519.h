// Ed25519 keys, signatures and key ids for signed remote commands (docs/control.md), on
// libsodium (crypto_sign_ed25519_*: RFC 8032 "pure" Ed25519, no pre-hash; crypto_hash_sha256
// for key ids). Used by the agent (verify) and the collector (generate, sign); no libsodium
// type leaves ed25519.cpp. No OpenSSL: the agent and the server do not map libcrypto for it.
//
// Key files are PEM, byte for byte what `openssl genpkey -algorithm ed25519` and
// `openssl pkey -pubout` write (RFC 8410 encodings, base64 in 64-character lines):
//   private: PKCS#8 "-----BEGIN PRIVATE KEY-----", DER 302e020100300506032b657004220420 ‖ seed
//   public:  SubjectPublicKeyInfo "-----BEGIN PUBLIC KEY-----", DER 302a300506032b6570032100 ‖ key
// Reading is strict: one block of the expected label, blank lines (and CRLF) around it only,
// exactly that DER; anything else (another key type, an encrypted or v2 PKCS#8 key, text
// around the block) is an error of kind "key". PEM text is limited to 64 KiB.
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
  RawPublicKey raw_{};
  std::string key_id_;
};

class PrivateKey {
 public:
  // A fresh key: a 32-byte seed from libsodium's randombytes (getrandom(2) on Linux).
  static Result<PrivateKey> generate();
  static Result<PrivateKey> fromPem(std::string_view pem);
  const PublicKey& publicKey() const { return public_; }
  std::string pem() const;  // PKCS#8, unencrypted: protect the file (0600)
  // The 64-byte signature of `message`.
  Result<std::string> sign(std::string_view message) const;

 private:
  // libsodium's 64-byte secret key: seed ‖ public key; wiped when the last copy goes.
  using SecretKey = std::array<uint8_t, 64>;
  // The key pair of a 32-byte seed (RFC 8032 section 5.1.5).
  static Result<PrivateKey> fromSeed(const unsigned char* seed);

  std::shared_ptr<const SecretKey> secret_;
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
