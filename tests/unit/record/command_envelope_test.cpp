// The signing format of remote commands (docs/control.md): a golden vector produced
// independently (Python json.dumps(sort_keys) + python3-cryptography, RFC 8032 test key 1)
// pins the canonical bytes, the key id and the signature; any change to the format breaks it.
#include "record/command_envelope.h"

#include <gtest/gtest.h>

namespace uplinkprobe::record {
namespace {

// RFC 8032 section 7.1, TEST 1 secret key, as PKCS#8 PEM.
const char* kPrivatePem =
    "-----BEGIN PRIVATE KEY-----\n"
    "MC4CAQAwBQYDK2VwBCIEIJ1hsZ3v/VpguoRK9JLsLMREScVpezJpGXA7rAMcrn9g\n"
    "-----END PRIVATE KEY-----\n";
const char* kPublicPem =
    "-----BEGIN PUBLIC KEY-----\n"
    "MCowBQYDK2VwAyEA11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=\n"
    "-----END PUBLIC KEY-----\n";
const char* kKeyId = "21fe31dfa154a261";
const char* kCanonical =
    R"({"args":{"tests_per_day":6,"windows":["08:00-12:00","13:30-17:00"]},"command_id":"c-0001",)"
    R"("expires_at":"2026-12-02T02:00:00Z","issued_at":"2026-12-02T01:00:00Z","issuer_seq":7,)"
    R"("key_id":"21fe31dfa154a261","schema":"uplinkprobe-command/1",)"
    R"("target":{"school_id":"220102-0001"},"verb":"set_schedule"})";
const char* kSignatureB64 =
    "y+bOgYcem4ijGD+2Son+CRTmNr30CZbPFkVB3mHCpnqEzHxHbLhKseQbmUelEOc6VIiLCq1xerRu2qBQOty6Cg==";

CommandEnvelope goldenCommand() {
  CommandEnvelope c;
  c.command_id = "c-0001";
  c.verb = "set_schedule";
  c.args = {{"windows", {"08:00-12:00", "13:30-17:00"}}, {"tests_per_day", 6}};
  c.target = {TargetKind::kSchool, "220102-0001"};
  c.issued_at = "2026-12-02T01:00:00Z";
  c.expires_at = "2026-12-02T02:00:00Z";
  c.issuer_seq = 7;
  return c;
}

TEST(CommandEnvelope, GoldenVectorCanonicalBytesKeyIdAndSignature) {
  auto key = PrivateKey::fromPem(kPrivatePem);
  ASSERT_TRUE(key) << key.error().message;
  EXPECT_EQ(key->publicKey().keyId(), kKeyId);
  EXPECT_EQ(key->publicKey().pem(), kPublicPem);
  auto c = goldenCommand();
  ASSERT_TRUE(signCommand(c, *key));
  EXPECT_EQ(c.key_id, kKeyId);
  auto bytes = canonicalBytes(c);
  ASSERT_TRUE(bytes);
  EXPECT_EQ(*bytes, kCanonical);
  EXPECT_EQ(base64Encode(c.signature), kSignatureB64);  // Ed25519 is deterministic
  auto pub = PublicKey::fromPem(kPublicPem);
  ASSERT_TRUE(pub);
  EXPECT_TRUE(verifyCommandSignature(c, *pub));
}

TEST(CommandEnvelope, WireFormRoundTripsAndVerifies) {
  auto key = PrivateKey::fromPem(kPrivatePem);
  auto c = goldenCommand();
  ASSERT_TRUE(signCommand(c, *key));
  auto wire = serializeCommand(c);
  ASSERT_TRUE(wire);
  auto back = parseCommand(*wire);
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(*canonicalBytes(*back), kCanonical);
  EXPECT_TRUE(verifyCommandSignature(*back, key->publicKey()));
  // Member order and whitespace on the wire do not matter: the canonical form is rebuilt.
  auto j = nlohmann::json::parse(*wire);
  auto spaced = parseCommand(j.dump(2));
  ASSERT_TRUE(spaced);
  EXPECT_TRUE(verifyCommandSignature(*spaced, key->publicKey()));
}

// fuzz/command_envelope_fuzz: an unsigned envelope was serialised with "signature":"",
// which parseCommand refuses; it must come back as unsigned (and never verify).
TEST(CommandEnvelope, AnUnsignedEnvelopeRoundTripsAsUnsigned) {
  auto c = goldenCommand();
  c.key_id = "0123456789abcdef";
  c.signature.clear();
  auto wire = serializeCommand(c);
  ASSERT_TRUE(wire);
  EXPECT_EQ(wire->find("signature"), std::string::npos) << *wire;
  auto back = parseCommand(*wire);
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_TRUE(back->signature.empty());
  EXPECT_EQ(*canonicalBytes(*back), *canonicalBytes(c));
  EXPECT_FALSE(verifyCommandSignature(*back, PrivateKey::fromPem(kPrivatePem)->publicKey()));
}

TEST(CommandEnvelope, EveryTamperedFieldFailsVerification) {
  auto key = PrivateKey::fromPem(kPrivatePem);
  auto c = goldenCommand();
  ASSERT_TRUE(signCommand(c, *key));
  const auto& pub = key->publicKey();
  std::vector<std::function<void(CommandEnvelope&)>> tamper = {
      [](auto& x) { x.command_id = "c-0002"; },
      [](auto& x) { x.verb = "set_target"; },
      [](auto& x) { x.args["tests_per_day"] = 96; },
      [](auto& x) { x.args["windows"][0] = "00:00-24:00"; },
      [](auto& x) { x.args["extra"] = true; },
      [](auto& x) {
        x.target = {TargetKind::kCounty, "220102-0001"};
      },
      [](auto& x) { x.target.value = "220102-0002"; },
      [](auto& x) { x.issued_at = "2026-12-02T01:00:01Z"; },
      [](auto& x) { x.expires_at = "2026-12-03T01:00:00Z"; },
      [](auto& x) { x.issuer_seq = 8; },
      [](auto& x) { x.signature[10] ^= 1; },
  };
  for (size_t i = 0; i < tamper.size(); ++i) {
    auto t = c;
    tamper[i](t);
    EXPECT_FALSE(verifyCommandSignature(t, pub)) << "tamper #" << i;
  }
  auto other = PrivateKey::generate();
  ASSERT_TRUE(other);
  EXPECT_FALSE(verifyCommandSignature(c, other->publicKey()));
}

TEST(CommandEnvelope, CanonicalJsonIsJcsForIntegersAndRefusesFloats) {
  auto j = nlohmann::json::parse(R"({"b":[1,-2,true,null],"a":"q\"\\\n\u0001\u001f/é\u007f"})");
  EXPECT_EQ(*canonicalJson(j),
            "{\"a\":\"q\\\"\\\\\\n\\u0001\\u001f/é\x7f\",\"b\":[1,-2,true,null]}");
  EXPECT_FALSE(canonicalJson(nlohmann::json::parse("{\"x\":1.5}")));
  EXPECT_FALSE(canonicalJson(nlohmann::json::parse("{\"x\":1e2}")));
  EXPECT_FALSE(canonicalJson(nlohmann::json::parse("{\"x\":9007199254740992}")));
  EXPECT_TRUE(canonicalJson(nlohmann::json::parse("{\"x\":9007199254740991}")));
  EXPECT_FALSE(canonicalJson(nlohmann::json{{"x", std::string("\xc3\x28")}}));
}

TEST(CommandEnvelope, ParseRefusesBadForms) {
  auto key = PrivateKey::fromPem(kPrivatePem);
  auto c = goldenCommand();
  ASSERT_TRUE(signCommand(c, *key));
  const auto good = nlohmann::json::parse(*serializeCommand(c));
  ASSERT_TRUE(parseCommand(good.dump()));
  std::vector<std::function<void(nlohmann::json&)>> bad = {
      [](auto& j) { j["extra"] = 1; },
      [](auto& j) { j.erase("verb"); },
      [](auto& j) { j["verb"] = "Run Test"; },
      [](auto& j) { j["schema"] = "uplinkprobe-command/2"; },
      [](auto& j) { j["args"] = nlohmann::json::array(); },
      [](auto& j) { j["args"]["x"] = 0.5; },
      [](auto& j) {
        j["target"] = {{"device_id", "a"}, {"county", "b"}};
      },
      [](auto& j) {
        j["target"] = {{"region", "b"}};
      },
      [](auto& j) { j["issued_at"] = "2026-12-02T09:00:00+08:00"; },
      [](auto& j) { j["expires_at"] = "2026-12-03T01:00:01Z"; },  // > 24 h
      [](auto& j) { j["expires_at"] = j["issued_at"]; },
      [](auto& j) { j["issuer_seq"] = 0; },
      [](auto& j) { j["issuer_seq"] = -3; },
      [](auto& j) { j["key_id"] = "21FE31DFA154A261"; },
      [](auto& j) { j["signature"] = "not base64!"; },
      [](auto& j) { j["signature"] = "AAAA"; },
  };
  for (size_t i = 0; i < bad.size(); ++i) {
    auto j = good;
    bad[i](j);
    auto r = parseCommand(j.dump());
    EXPECT_FALSE(r) << "case #" << i << ": " << j.dump();
    if (!r) {
      EXPECT_EQ(r.error().kind, ErrorKind::kMalformed);
    }
  }
  EXPECT_FALSE(parseCommand("not json"));
  EXPECT_FALSE(parseCommand(std::string(kMaxCommandBytes + 1, ' ')));
  auto unsigned_cmd = good;
  unsigned_cmd.erase("signature");
  auto u = parseCommand(unsigned_cmd.dump());
  ASSERT_TRUE(u);
  EXPECT_TRUE(u->signature.empty());
}

TEST(Ed25519, KeysRoundTripThroughPem) {
  auto k = PrivateKey::generate();
  ASSERT_TRUE(k);
  auto again = PrivateKey::fromPem(k->pem());
  ASSERT_TRUE(again);
  EXPECT_EQ(again->publicKey().keyId(), k->publicKey().keyId());
  auto pub = PublicKey::fromPem(k->publicKey().pem());
  ASSERT_TRUE(pub);
  auto sig = k->sign("hello");
  ASSERT_TRUE(sig);
  EXPECT_TRUE(pub->verify("hello", *sig));
  EXPECT_FALSE(pub->verify("hellp", *sig));
  EXPECT_FALSE(PublicKey::fromPem(k->pem()));  // a private key is not a public key file
  EXPECT_FALSE(PublicKey::fromPem("garbage"));
  EXPECT_FALSE(PrivateKey::fromPem(kPublicPem));
}

TEST(Base64, StrictDecoding) {
  for (std::string s : {"", "f", "fo", "foo", "foob", "fooba", "foobar"})
    EXPECT_EQ(*base64Decode(base64Encode(s)), s);
  EXPECT_EQ(base64Encode("foobar"), "Zm9vYmFy");
  EXPECT_FALSE(base64Decode("Zm9=YmFy"));
  EXPECT_FALSE(base64Decode("Zm9"));
  EXPECT_FALSE(base64Decode("Zm9 "));
  EXPECT_FALSE(base64Decode("Zh=="));  // stray bits under the padding
}

}  // namespace
}  // namespace uplinkprobe::record
