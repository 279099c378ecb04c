#include "collector/auth/password.h"

#include <sodium.h>

#include <cstdio>
#include <cstdlib>
#include <mutex>

namespace uplinkprobe::collector::auth {

namespace {
void initSodium() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (sodium_init() < 0) {
      std::fputs("libsodium failed to initialise\n", stderr);
      std::abort();
    }
  });
}

std::string hex(const unsigned char* p, std::size_t n) {
  static const char* d = "0123456789abcdef";
  std::string s(2 * n, '0');
  for (std::size_t i = 0; i < n; ++i) {
    s[2 * i] = d[p[i] >> 4];
    s[2 * i + 1] = d[p[i] & 15];
  }
  return s;
}
}  // namespace

std::string passwordProblem(std::string_view password) {
  if (password.size() < kMinPasswordBytes)
    return "the password must have at least " + std::to_string(kMinPasswordBytes) + " bytes";
  if (password.size() > kMaxPasswordBytes)
    return "the password must have at most " + std::to_string(kMaxPasswordBytes) + " bytes";
  return "";
}

Result<std::string> hashPassword(std::string_view password) {
  initSodium();
  if (auto p = passwordProblem(password); !p.empty()) return makeError(ErrorKind::kUsage, p);
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str_alg(out, password.data(), password.size(),
                            crypto_pwhash_OPSLIMIT_INTERACTIVE, crypto_pwhash_MEMLIMIT_INTERACTIVE,
                            crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return makeError(ErrorKind::kAuth, "argon2id: out of memory hashing the password");
  }
  return std::string(out);
}

bool verifyPassword(const std::string& hash, std::string_view password) {
  initSodium();
  if (password.size() > kMaxPasswordBytes || hash.size() >= crypto_pwhash_STRBYTES) return false;
  return crypto_pwhash_str_verify(hash.c_str(), password.data(), password.size()) == 0;
}

std::string randomToken(std::size_t bytes) {
  initSodium();
  std::string raw(bytes, '\0');
  randombytes_buf(raw.data(), raw.size());
  return hex(reinterpret_cast<const unsigned char*>(raw.data()), raw.size());
}

std::string tokenDigest(std::string_view token) {
  initSodium();
  unsigned char out[32];
  crypto_generichash(out, sizeof out, reinterpret_cast<const unsigned char*>(token.data()),
                     token.size(), nullptr, 0);
  return hex(out, sizeof out);
}

bool equalSecret(std::string_view a, std::string_view b) {
  initSodium();
  if (a.size() != b.size() || a.empty()) return false;
  return sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace uplinkprobe::collector::auth
