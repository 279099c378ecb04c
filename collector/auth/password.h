// Secrets of people and scripts: passwords hashed with argon2id (libsodium crypto_pwhash_str,
// the "interactive" limits: 2 passes over 64 MiB — a guess costs an attacker as much as a
// login costs us), random tokens from the kernel (libsodium randombytes: getrandom(2)), and
// token digests (BLAKE2b) so that the database never holds a usable session or API token.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "common/result.h"

namespace uplinkprobe::collector::auth {

inline constexpr std::size_t kMinPasswordBytes = 8;
inline constexpr std::size_t kMaxPasswordBytes = 1024;

// "$argon2id$v=19$m=65536,t=2,p=1$…" (self-describing: parameters and salt included).
Result<std::string> hashPassword(std::string_view password);
// Constant-time verification; false for any malformed hash.
bool verifyPassword(const std::string& hash, std::string_view password);
// Why a new password is refused ("" when acceptable): length bounds only.
std::string passwordProblem(std::string_view password);

// `bytes` random bytes as lowercase hex (2 × bytes characters).
std::string randomToken(std::size_t bytes = 32);
// BLAKE2b-256 of the token, hex: what the users table stores for an API token.
std::string tokenDigest(std::string_view token);
// Constant-time equality of two strings of the same length (false otherwise).
bool equalSecret(std::string_view a, std::string_view b);

}  // namespace uplinkprobe::collector::auth
