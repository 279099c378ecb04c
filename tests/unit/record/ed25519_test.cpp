// Ed25519 keys (record/ed25519.h, on libsodium) against committed vectors, so that the test needs
// no openssl binary: RFC 8032 section 7.1 TESTs 1-3 (seed, public key, message, signature) and a
// key made by `openssl genpkey -algorithm ed25519`; every PEM text below is what OpenSSL 3.0
// (`openssl pkey`, `openssl pkey -pubout`) wrote for that key, and the key ids are
// `openssl pkey -pubout -outform DER | tail -c 32 | openssl dgst -sha256`, first 16 hex digits.
#include "record/ed25519.h"

#include <gtest/gtest.h>

#include <string>

namespace uplinkprobe::record {
namespace {

std::string fromHex(std::string_view hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2)
    out += static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16));
  return out;
}

std::string rawHex(const RawPublicKey& raw) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (uint8_t b : raw) {
    out += digits[b >> 4];
    out += digits[b & 15];
  }
  return out;
}

struct Vector {
  const char* name;
  const char* private_pem;
  const char* public_pem;
  const char* public_hex;
  const char* key_id;
  std::string message;
  const char* signature_hex;
};

const Vector kVectors[] = {
    {"RFC 8032 TEST 1",
     "-----BEGIN PRIVATE KEY-----\n"
     "MC4CAQAwBQYDK2VwBCIEIJ1hsZ3v/VpguoRK9JLsLMREScVpezJpGXA7rAMcrn9g\n"
     "-----END PRIVATE KEY-----\n",
     "-----BEGIN PUBLIC KEY-----\n"
     "MCowBQYDK2VwAyEA11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=\n"
     "-----END PUBLIC KEY-----\n",
     "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "21fe31dfa154a261", "",
     "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9"
     "b46bd25bf5f0595bbe24655141438e7a100b"},
    {"RFC 8032 TEST 2",
     "-----BEGIN PRIVATE KEY-----\n"
     "MC4CAQAwBQYDK2VwBCIEIEzNCJso/5banbbDRuwRTg9bijGfNaumJNqM9u1PuKb7\n"
     "-----END PRIVATE KEY-----\n",
     "-----BEGIN PUBLIC KEY-----\n"
     "MCowBQYDK2VwAyEAPUAXw+hDiVqStwqnTRt+vJyYLM8uxJaMwM1V8Sr0Zgw=\n"
     "-----END PUBLIC KEY-----\n",
     "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "39f713d0a644253f",
     fromHex("72"),
     "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f1"
     "1d8c387b2eaeb4302aeeb00d291612bb0c00"},
    {"RFC 8032 TEST 3",
     "-----BEGIN PRIVATE KEY-----\n"
     "MC4CAQAwBQYDK2VwBCIEIMWqjfQ/n4N77bdELzHct7Fm04U1B28JS4XOOi4LRFj3\n"
     "-----END PRIVATE KEY-----\n",
     "-----BEGIN PUBLIC KEY-----\n"
     "MCowBQYDK2VwAyEA/FHNjmIYoaONpH7QAjDwWAgW7RO6MwOsXeuRFUiQgCU=\n"
     "-----END PUBLIC KEY-----\n",
     "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025", "dac073e0123bdea5",
     fromHex("af82"),
     "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984d"
     "c6594a7c15e9716ed28dc027beceea1ec40a"},
    // `openssl genpkey -algorithm ed25519`; signature from `openssl pkeyutl -sign -rawin`.
    {"openssl genpkey",
     "-----BEGIN PRIVATE KEY-----\n"
     "MC4CAQAwBQYDK2VwBCIEIM3w45ksPGlkiEBDllOgwFscBkL9tp9+sfdxIJpTFTO5\n"
     "-----END PRIVATE KEY-----\n",
     "-----BEGIN PUBLIC KEY-----\n"
     "MCowBQYDK2VwAyEAd2vlsjkToubgifl8oZG/goTqLV6z3FpDNqJDMtyN1sI=\n"
     "-----END PUBLIC KEY-----\n",
     nullptr, "a0a08c2a8acb4f08", "uplinkprobe", nullptr},
};
const char* kOpensslSignatureB64 =
    "XZ5psI0suCm5sLcRNgbM3UtL04+E6tsOXb/nDyibLlstbcebRHfuj6qlTXk7WlVZ29/w4JbG6IxZs5+7Mwv+Bg==";

TEST(Ed25519Vectors, KeysLoadSignAndVerifyExactly) {
  for (const auto& v : kVectors) {
    SCOPED_TRACE(v.name);
    auto key = PrivateKey::fromPem(v.private_pem);
    ASSERT_TRUE(key) << key.error().message;
    EXPECT_EQ(key->pem(), v.private_pem);  // byte for byte what openssl wrote
    EXPECT_EQ(key->publicKey().pem(), v.public_pem);
    EXPECT_EQ(key->publicKey().keyId(), v.key_id);
    if (v.public_hex != nullptr) {
      EXPECT_EQ(rawHex(key->publicKey().raw()), v.public_hex);
    }
    auto pub = PublicKey::fromPem(v.public_pem);
    ASSERT_TRUE(pub) << pub.error().message;
    EXPECT_EQ(pub->raw(), key->publicKey().raw());
    EXPECT_EQ(pub->keyId(), v.key_id);
    EXPECT_EQ(pub->pem(), v.public_pem);
    EXPECT_EQ(keyIdOf(pub->raw()), v.key_id);

    auto sig = key->sign(v.message);
    ASSERT_TRUE(sig);
    const std::string expected = v.signature_hex != nullptr
                                     ? fromHex(v.signature_hex)
                                     : base64Decode(kOpensslSignatureB64).value();
    EXPECT_EQ(*sig, expected);  // Ed25519 is deterministic
    EXPECT_TRUE(pub->verify(v.message, expected));
    std::string flipped = expected;
    flipped[5] ^= 0x10;
    EXPECT_FALSE(pub->verify(v.message, flipped));
    EXPECT_FALSE(pub->verify(v.message + "x", expected));
    EXPECT_FALSE(pub->verify(v.message, expected.substr(0, 63)));
    EXPECT_FALSE(pub->verify(v.message, expected + '\0'));

    auto raw = PublicKey::fromRaw(pub->raw());
    ASSERT_TRUE(raw);
    EXPECT_EQ(raw->pem(), v.public_pem);
    EXPECT_TRUE(raw->verify(v.message, expected));
  }
}

TEST(Ed25519Vectors, OtherKeysDoNotVerify) {
  auto one = PrivateKey::fromPem(kVectors[0].private_pem);
  auto two = PublicKey::fromPem(kVectors[1].public_pem);
  ASSERT_TRUE(one && two);
  auto sig = one->sign("m");
  ASSERT_TRUE(sig);
  EXPECT_TRUE(one->publicKey().verify("m", *sig));
  EXPECT_FALSE(two->verify("m", *sig));
  EXPECT_FALSE(PublicKey().verify("m", *sig));  // no key at all
  // The all-zero "key" (small order) verifies nothing, not even an all-zero signature.
  auto zero = PublicKey::fromRaw(RawPublicKey{});
  ASSERT_TRUE(zero);
  EXPECT_FALSE(zero->verify("m", std::string(64, '\0')));
}

TEST(Ed25519Vectors, GeneratedKeysAreFreshAndRoundTrip) {
  auto a = PrivateKey::generate();
  auto b = PrivateKey::generate();
  ASSERT_TRUE(a && b);
  EXPECT_NE(a->publicKey().raw(), b->publicKey().raw());
  EXPECT_EQ(a->pem().rfind("-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEI", 0), 0u);
  auto again = PrivateKey::fromPem(a->pem());
  ASSERT_TRUE(again);
  EXPECT_EQ(again->publicKey().raw(), a->publicKey().raw());
  EXPECT_EQ(*again->sign("x"), *a->sign("x"));
}

TEST(Ed25519Pem, ToleratesLineEndsAndBlankLinesAroundTheBlock) {
  const std::string pem = kVectors[0].public_pem;
  std::string crlf;
  for (char c : pem) crlf += c == '\n' ? std::string("\r\n") : std::string(1, c);
  for (const std::string& text : {crlf, "\n\n" + pem + "\n\n", pem.substr(0, pem.size() - 1)}) {
    auto pub = PublicKey::fromPem(text);
    ASSERT_TRUE(pub) << text;
    EXPECT_EQ(pub->keyId(), kVectors[0].key_id);
  }
  // The body may be wrapped at another width (e.g. 76, or by hand).
  auto wrapped = PublicKey::fromPem(
      "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA11qYAYKxCrfVS/7TyWQHOg7h\n"
      "cvPapiMlrwIaaPcHURo=\n-----END PUBLIC KEY-----\n");
  ASSERT_TRUE(wrapped);
  EXPECT_EQ(wrapped->keyId(), kVectors[0].key_id);
}

TEST(Ed25519Pem, RefusesEverythingElseWithKindKey) {
  const std::string priv = kVectors[0].private_pem;
  const std::string pub = kVectors[0].public_pem;
  const std::string public_cases[] = {
      "", "garbage",
      priv,                   // a private key is not a public key file
      "text before\n" + pub,  // text around the block
      pub + "text after\n",   //
      pub + pub,              // two blocks
      " " + pub,              // indented BEGIN line
      "-----BEGIN PUBLIC KEY-----\n-----END PUBLIC KEY-----\n",  // empty body
      "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=\n",
      "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=\n"
      "-----END PRIVATE KEY-----\n",  // mismatched END
      "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo\n"
      "-----END PUBLIC KEY-----\n",  // padding missing
      "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA11qYAYKxCrfVS/7TyWQHOg7hcvPap iMlrwIaaPcHURo=\n"
      "-----END PUBLIC KEY-----\n",  // space inside
      "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=\n\n"
      "-----END PUBLIC KEY-----\n",  // blank line inside
      // X25519 (OID 1.3.101.110), the same length: not an Ed25519 key.
      "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VuAyEARCvO/nGO5G4XZ4GxjAPbXuomclDS65tRf4desRvH5U0=\n"
      "-----END PUBLIC KEY-----\n",
      // P-256.
      "-----BEGIN PUBLIC "
      "KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEdhFZqC709F0AI8tljuNaNxFVoYd0\n"
      "6uIugRA0lzVv3OQli7yEgYRTb/ZqRlcpYrXtsEgIqjVArb18j+vb6dknPA==\n-----END PUBLIC KEY-----\n",
      // Valid SPKI prefix, one key byte short / one extra.
      "-----BEGIN PUBLIC KEY-----\nMCkwBQYDK2VwAyAA11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHUQ==\n"
      "-----END PUBLIC KEY-----\n",
      "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURoA\n"
      "-----END PUBLIC KEY-----\n",
      pub + std::string(70000, '\n'),  // over 64 KiB
  };
  for (const auto& text : public_cases) {
    auto k = PublicKey::fromPem(text);
    ASSERT_FALSE(k) << text.substr(0, 200);
    EXPECT_EQ(k.error().kind, ErrorKind::kKey);
    EXPECT_FALSE(k.error().message.empty());
  }
  const std::string private_cases[] = {
      "",
      pub,  // a public key is not a private key file
      "garbage\n" + priv, priv + priv,
      // openssl pkey -aes256: refused, never prompted for.
      "-----BEGIN ENCRYPTED PRIVATE KEY-----\n"
      "MIGbMFcGCSqGSIb3DQEFDTBKMCkGCSqGSIb3DQEFDDAcBAimD+x/PqVsnwICCAAw\n"
      "DAYIKoZIhvcNAgkFADAdBglghkgBZQMEASoEEBLWnthBPh7BjITlQvNnx34EQPwq\n"
      "gPdwYb7mtaltdy58NxyUtTpbnDXwQ9DpVCjA9rHhdJ5AOuMI2RkGAq2lAd0EvOGc\n"
      "b8ePCQctlrRP/r8GMwg=\n-----END ENCRYPTED PRIVATE KEY-----\n",
      // Legacy "Proc-Type" headers of an encrypted traditional PEM.
      "-----BEGIN PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\n"
      "MC4CAQAwBQYDK2VwBCIEIJ1hsZ3v/VpguoRK9JLsLMREScVpezJpGXA7rAMcrn9g\n"
      "-----END PRIVATE KEY-----\n",
      // X25519 private key.
      "-----BEGIN PRIVATE "
      "KEY-----\nMC4CAQAwBQYDK2VuBCIEIMB7+WYKfmAeA4WMlJRPNoc3lOtYTozbZmZoUanu2AB0\n"
      "-----END PRIVATE KEY-----\n",
      // PKCS#8 v2 (OneAsymmetricKey with the public key, RFC 8410 section 10.3): OpenSSL 3.0
      // refuses it too.
      "-----BEGIN PRIVATE KEY-----\n"
      "MFECAQEwBQYDK2VwBCIEIJ1hsZ3v/VpguoRK9JLsLMREScVpezJpGXA7rAMcrn9g\n"
      "gSEA11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=\n-----END PRIVATE KEY-----\n",
      priv + std::string(70000, ' '),  // over 64 KiB
  };
  for (const auto& text : private_cases) {
    auto k = PrivateKey::fromPem(text);
    ASSERT_FALSE(k) << text.substr(0, 200);
    EXPECT_EQ(k.error().kind, ErrorKind::kKey);
    EXPECT_FALSE(k.error().message.empty());
  }
}

}  // namespace
}  // namespace uplinkprobe::record
