// udpst::deriveKeys (auth.cpp: SP 800-108 counter-mode KBKDF on libsodium's HMAC-SHA256)
// against OpenSSL 3.0's KBKDF with the parameters the reference passes, at the edges the
// reference's captured digests (udpst_protocol_test.cpp) do not reach: a 1-character and a
// 64-character key, authUnixTime 0 and 2^32-1. Expected values from
//   openssl kdf -keylen 64 -kdfopt mac:HMAC -kdfopt digest:SHA256 -kdfopt key:KEY
//     -kdfopt salt:UDPSTP -kdfopt info:TIME KBKDF
// (client key = the first 32 bytes, server key = the last 32).
#include <gtest/gtest.h>

#include <string>

#include "udpst/auth.h"

namespace uplinkprobe::udpst {
namespace {

std::string hexOf(const Key32& k) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (auto b : k) {
    out += digits[b >> 4];
    out += digits[b & 15];
  }
  return out;
}

TEST(UdpstKbkdf, MatchesOpenSslKbkdfBitForBit) {
  struct Case {
    std::string key;
    std::uint32_t time;
    const char* material;
  };
  const Case cases[] = {
      {"k", 0,
       "6facf7e416ac02e80da84e7d08dc67711b3e2e3b0538c1f37534dbc2433f7000"
       "86e100d8908312fbd29045c87376c67cfc46a09f5eedf21165e9bec29d400c07"},
      {std::string(64, 'x'), 4294967295u,
       "e1a55add108b72dd6ffa37f89ca10afc9ad7767ea8bec75f1caf857f518e3aff"
       "49f541b253811e059519a5f037ccf2f0a93a0055f6885136e9fc8783349c049a"},
      {"testkey123", 1796220126u,
       "8fda724425bb23110fc7d74713deea87bc7b4d46d3713c41291cef87e506b825"
       "30d95be774de0c710b5936cd116b94916dfb5030f20e914ce85c8ffd7d1dd4c4"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.key + " " + std::to_string(c.time));
    auto keys = deriveKeys(c.key, c.time);
    ASSERT_TRUE(keys);
    EXPECT_EQ(hexOf(keys->client) + hexOf(keys->server), c.material);
  }
}

TEST(UdpstKbkdf, KeysOutsideOneTo64CharactersAreRefused) {
  EXPECT_FALSE(deriveKeys("", 1));
  EXPECT_FALSE(deriveKeys(std::string(65, 'x'), 1));
}

}  // namespace
}  // namespace uplinkprobe::udpst
