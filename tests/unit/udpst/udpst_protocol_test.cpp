// OB-UDPST codec and authentication against datagrams captured from the reference
// implementation (BroadbandForum/obudpst 9.0.0, built from its repository): a client's setup
// request, and a server's setup response and null request to it, all with authentication.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "udpst/auth.h"
#include "udpst/protocol.h"

namespace uplinkprobe::udpst {
namespace {

std::vector<std::uint8_t> fromHex(const std::string& hex) {
  std::vector<std::uint8_t> out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<std::uint8_t>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  }
  return out;
}

// `udpst -d -a testkey123 -B 50 127.0.0.1` (reference client) and the reference server
// `udpst -a testkey123 -B 100` answering it.
const std::string kRefSetupRequest =
    "ace100140001c24c01000032000001016b1028de47422b5726a661858c4324d2060757f3af150d6beff1be64b8"
    "3f2640f9484d4900000000";
const std::string kRefSetupResponse =
    "ace100140001c24c02010032803b01016b1028dec0545eaddc37a26f2c37e84c531a21ed0978059cc0c052c5b4"
    "eb4a6841171e7900000000";
const std::string kRefNullRequest =
    "dead0014010000016b1028ded0d655a9e0a6fe72e9a1522ca716ed960e3780b1441bc4634763036b4023a2ff"
    "00000000";
// `udpst -u -a secondKey -y 7 -B 30 127.0.0.1`
const std::string kRefSetupUpstreamKey7 =
    "ace10014000180750100801e000001016b1028d87cbe5b498e1904e9997f5228a0f13748b2d25569f9aa2d157e"
    "08a3cb7638b6ab07000000";

TEST(UdpstProtocol, DecodesTheReferenceSetupRequest) {
  auto bytes = fromHex(kRefSetupRequest);
  ASSERT_EQ(bytes.size(), kSetupSize);
  auto pdu = decodeSetup(bytes);
  ASSERT_TRUE(pdu.ok()) << pdu.error().message;
  EXPECT_EQ(pdu->protocol_version, 20);
  EXPECT_EQ(pdu->mc_index, 0);
  EXPECT_EQ(pdu->mc_count, 1);
  EXPECT_EQ(pdu->mc_ident, 0xc24c);
  EXPECT_EQ(pdu->cmd_request, kSetupRequest);
  EXPECT_EQ(pdu->max_bandwidth, 50);
  EXPECT_EQ(pdu->modifier_bitmap, kJumboStatus);
  EXPECT_EQ(pdu->auth.mode, kAuthMode1);
  EXPECT_EQ(pdu->auth.unix_time, 0x6b1028deu);
  EXPECT_EQ(pdu->auth.key_id, 0);
  // Re-encoding gives the same bytes.
  EXPECT_EQ(encodeSetup(*pdu), bytes);
}

TEST(UdpstProtocol, UpstreamBitAndKeyId) {
  auto pdu = decodeSetup(fromHex(kRefSetupUpstreamKey7));
  ASSERT_TRUE(pdu.ok());
  EXPECT_EQ(pdu->max_bandwidth, kUpstreamBit | 30);
  EXPECT_EQ(pdu->auth.key_id, 7);
}

TEST(UdpstProtocol, DecodesTheReferenceSetupResponseAndNullRequest) {
  auto rsp = decodeSetup(fromHex(kRefSetupResponse));
  ASSERT_TRUE(rsp.ok());
  EXPECT_EQ(rsp->cmd_request, kSetupResponse);
  EXPECT_EQ(rsp->cmd_response, kSrAckOk);
  EXPECT_EQ(rsp->test_port, 0x803b);
  auto null = decodeNull(fromHex(kRefNullRequest));
  ASSERT_TRUE(null.ok()) << null.error().message;
  EXPECT_EQ(null->protocol_version, 20);
  EXPECT_EQ(null->auth.mode, kAuthMode1);
  EXPECT_EQ(encodeNull(*null), fromHex(kRefNullRequest));
}

TEST(UdpstAuth, ReferenceDigestsVerifyWithTheDerivedKeys) {
  auto keys = deriveKeys("testkey123", 0x6b1028de);
  ASSERT_TRUE(keys.ok()) << keys.error().message;
  auto req = fromHex(kRefSetupRequest);
  EXPECT_TRUE(digestMatches(req, kSetupAuthModeOffset, keys->client));
  EXPECT_FALSE(digestMatches(req, kSetupAuthModeOffset, keys->server));
  EXPECT_TRUE(digestMatches(fromHex(kRefSetupResponse), kSetupAuthModeOffset, keys->server));
  EXPECT_TRUE(digestMatches(fromHex(kRefNullRequest), kNullAuthModeOffset, keys->server));

  auto other = deriveKeys("secondKey", 0x6b1028d8);
  ASSERT_TRUE(other.ok());
  EXPECT_TRUE(digestMatches(fromHex(kRefSetupUpstreamKey7), kSetupAuthModeOffset, other->client));
}

TEST(UdpstAuth, WrongKeyOrTimeOrTamperingFails) {
  auto req = fromHex(kRefSetupRequest);
  auto wrong = deriveKeys("testkey124", 0x6b1028de);
  ASSERT_TRUE(wrong.ok());
  EXPECT_FALSE(digestMatches(req, kSetupAuthModeOffset, wrong->client));
  auto late = deriveKeys("testkey123", 0x6b1028df);
  ASSERT_TRUE(late.ok());
  EXPECT_FALSE(digestMatches(req, kSetupAuthModeOffset, late->client));
  auto keys = deriveKeys("testkey123", 0x6b1028de);
  ASSERT_TRUE(keys.ok());
  auto tampered = req;
  tampered[11] = 0x64;  // maxBandwidth 50 -> 100
  EXPECT_FALSE(digestMatches(tampered, kSetupAuthModeOffset, keys->client));
}

TEST(UdpstAuth, SigningReproducesTheReferenceBytes) {
  // Rebuild the reference's setup response from its fields and sign it with the server key:
  // the digest must come out byte for byte.
  auto keys = deriveKeys("testkey123", 0x6b1028de);
  ASSERT_TRUE(keys.ok());
  auto rsp = decodeSetup(fromHex(kRefSetupResponse));
  ASSERT_TRUE(rsp.ok());
  SetupPdu copy = *rsp;
  copy.auth.digest = {};
  auto bytes = encodeSetup(copy);
  signPdu(bytes, kSetupAuthModeOffset, keys->server, 0, 0x6b1028de);
  EXPECT_EQ(bytes, fromHex(kRefSetupResponse));
  EXPECT_EQ(authUnixTime(bytes, kSetupAuthModeOffset), 0x6b1028deu);
}

TEST(UdpstAuth, TimeWindowIsPlusMinusFiveSeconds) {
  EXPECT_TRUE(withinAuthWindow(1000, 1005));
  EXPECT_TRUE(withinAuthWindow(1000, 995));
  EXPECT_FALSE(withinAuthWindow(1000, 1006));
  EXPECT_FALSE(withinAuthWindow(1000, 994));
}

TEST(UdpstAuth, KeyTableReadsTheReferenceFormat) {
  auto t = KeyTable::parse("# comment\n0,legacykey\t# Legacy\n 7 , second key \n\n", "f");
  ASSERT_TRUE(t.ok()) << t.error().message;
  ASSERT_NE(t->find(0), nullptr);
  EXPECT_EQ(*t->find(0), "legacykey");
  ASSERT_NE(t->find(7), nullptr);
  EXPECT_EQ(*t->find(7), "secondkey");  // blanks are ignored, as by the reference
  EXPECT_EQ(t->find(1), nullptr);
  auto bad = KeyTable::parse("1,ok\n300,x\n", "keys.csv");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message, "keys.csv line 2: key id must be 0-255");
  EXPECT_FALSE(KeyTable::parse("1,ok\n1,again\n", "f").ok());
  EXPECT_FALSE(KeyTable::parse("# nothing\n", "f").ok());
  EXPECT_FALSE(KeyTable::parse("2,\n", "f").ok());
  EXPECT_FALSE(KeyTable::parse("2," + std::string(65, 'k') + "\n", "f").ok());
}

TEST(UdpstProtocol, ChecksumVerifiesAndCatchesCorruption) {
  ActivationPdu a;
  a.test_int_time = 12;
  auto bytes = encodeActivation(a);
  insertChecksum(bytes, kActivationSize - 2);
  EXPECT_EQ(checksum(bytes), 0);
  EXPECT_TRUE(decodeActivation(bytes).ok());
  bytes[10] ^= 0x01;
  auto bad = decodeActivation(bytes);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message, "activation PDU: bad header checksum");
  // RFC 1071 example words 0001 f203 f4f5 f6f7: sum ddf2, checksum 220d.
  std::vector<std::uint8_t> rfc{0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
  EXPECT_EQ(checksum(rfc), 0x220d);
}

TEST(UdpstProtocol, ActivationRoundTripKeepsEveryFieldInPlace) {
  ActivationPdu a;
  a.cmd_request = kActivateUpstream;
  a.low_thresh = 0x0102;
  a.upper_thresh = 0x0304;
  a.trial_int = 0x0506;
  a.test_int_time = 0x0708;
  a.dscp_ecn = 0x09;
  a.sr_index_conf = 0x0a0b;
  a.rate_adj_algo = kAlgorithmC;
  a.sr = SendingRate{100, 1222, 3, 1000, 1222, 4, 97};
  a.sub_int_period = 0x0c0d;
  a.sr_adj_supp_count = 0x0e0f;
  auto bytes = encodeActivation(a);
  ASSERT_EQ(bytes.size(), kActivationSize);
  // Offsets from the reference's struct controlHdrTA (offsetof).
  EXPECT_EQ(bytes[6], 0x01);
  EXPECT_EQ(bytes[12], 0x07);
  EXPECT_EQ(bytes[16], 0x0a);
  EXPECT_EQ(bytes[26], kAlgorithmC);
  EXPECT_EQ(bytes[28 + 3], 100);  // srStruct.txInterval1
  EXPECT_EQ(bytes[56], 0x0c);     // subIntPeriod
  EXPECT_EQ(bytes[60], 0x0e);     // reserved4 = rate adjustment suppression count
  auto back = decodeActivation(bytes);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(encodeActivation(*back), bytes);
  EXPECT_EQ(back->sr, a.sr);
}

TEST(UdpstProtocol, StatusAndLoadRoundTrip) {
  StatusPdu s;
  s.spdu_seq_no = 77;
  s.sr = SendingRate{100, 1222, 9, 1000, 1222, 9, 1097};
  s.sub_int_seq_no = 3;
  s.sis_sav.rx_bytes = 0x0102030405060708ull;
  s.sis_sav.accum_time_ms = 3000;
  s.rtt_minimum = 12;
  s.spdu_time_nsec = 999;
  s.auth_mode = kAuthMode1;
  auto bytes = encodeStatus(s);
  ASSERT_EQ(bytes.size(), kStatusSize);
  EXPECT_EQ(bytes[44], 0x01);  // sisSav.rxBytes, 64-bit big endian at offset 40 + 4
  EXPECT_EQ(bytes[51], 0x08);
  EXPECT_EQ(bytes[131], 12);  // rttMinimum at 128
  EXPECT_EQ(bytes[163], kAuthMode1);
  auto back = decodeStatus(bytes);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back->sis_sav, s.sis_sav);
  EXPECT_EQ(encodeStatus(*back), bytes);

  LoadHeader h;
  h.seq_no = 0x01020304;
  h.udp_payload = 1222;
  h.rtt_resp_delay = 5;
  std::vector<std::uint8_t> dgram(1222, 0);
  encodeLoadHeader(h, dgram);
  auto lh = decodeLoadHeader(dgram);
  ASSERT_TRUE(lh.ok());
  EXPECT_EQ(lh->seq_no, 0x01020304u);
  EXPECT_EQ(lh->udp_payload, 1222);
  EXPECT_EQ(lh->rtt_resp_delay, 5);
}

TEST(UdpstProtocol, RejectsShortWrongAndUnknown) {
  std::vector<std::uint8_t> shortp(10, 0);
  auto r = decodeSetup(shortp);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "setup PDU: 10 bytes, expected 56");
  auto bytes = fromHex(kRefSetupRequest);
  bytes[0] = 0xBE;
  EXPECT_FALSE(decodeSetup(bytes).ok());
  bytes = fromHex(kRefSetupRequest);
  bytes[8] = 9;  // cmdRequest
  EXPECT_FALSE(decodeSetup(bytes).ok());
  EXPECT_FALSE(decodeLoadHeader(std::vector<std::uint8_t>(31, 0)).ok());
  EXPECT_EQ(pduId(std::vector<std::uint8_t>{0xFE}), 0);
  EXPECT_EQ(pduId(fromHex(kRefNullRequest)), kNullId);
}

}  // namespace
}  // namespace uplinkprobe::udpst
