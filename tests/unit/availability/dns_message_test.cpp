#include "agent/availability/dns_message.h"

#include <gtest/gtest.h>

namespace uplinkprobe::availability {
namespace {

// A response as a real resolver sends it: header, the echoed question, then answers
// whose owner names are compression pointers to the question name at offset 12.
class ResponseBuilder {
 public:
  ResponseBuilder(uint16_t id, int rcode, const std::string& name, DnsType type) {
    auto q = buildDnsQuery(id, name, type);
    EXPECT_TRUE(q.ok());
    bytes_ = *q;
    bytes_[2] = 0x81;                                // QR=1, RD=1
    bytes_[3] = static_cast<uint8_t>(0x80 | rcode);  // RA=1
  }
  ResponseBuilder& answer(uint16_t type, std::vector<uint8_t> rdata,
                          std::vector<uint8_t> owner = {0xC0, 0x0C}) {
    bytes_.insert(bytes_.end(), owner.begin(), owner.end());
    push16(type);
    push16(1);
    bytes_.insert(bytes_.end(), {0, 0, 0x0E, 0x10});  // TTL 3600
    push16(static_cast<uint16_t>(rdata.size()));
    bytes_.insert(bytes_.end(), rdata.begin(), rdata.end());
    ++ancount_;
    bytes_[6] = static_cast<uint8_t>(ancount_ >> 8);
    bytes_[7] = static_cast<uint8_t>(ancount_ & 0xFF);
    return *this;
  }
  std::vector<uint8_t> bytes() const { return bytes_; }

 private:
  void push16(uint16_t v) {
    bytes_.push_back(static_cast<uint8_t>(v >> 8));
    bytes_.push_back(static_cast<uint8_t>(v & 0xFF));
  }
  std::vector<uint8_t> bytes_;
  uint16_t ancount_ = 0;
};

TEST(DnsMessage, BuildsTheWireQuery) {
  auto q = buildDnsQuery(0xBEEF, "www.example.com.", DnsType::kA);
  ASSERT_TRUE(q.ok());
  std::vector<uint8_t> expected = {0xBE, 0xEF, 0x01, 0x00, 0,   1,   0,   0,   0,   0,   0,
                                   0,    3,    'w',  'w',  'w', 7,   'e', 'x', 'a', 'm', 'p',
                                   'l',  'e',  3,    'c',  'o', 'm', 0,   0,   1,   0,   1};
  EXPECT_EQ(*q, expected);
}

TEST(DnsMessage, RejectsBadNames) {
  EXPECT_FALSE(buildDnsQuery(1, "", DnsType::kA).ok());
  EXPECT_FALSE(buildDnsQuery(1, "a..b", DnsType::kA).ok());
  EXPECT_FALSE(buildDnsQuery(1, std::string(64, 'a') + ".com", DnsType::kA).ok());
  EXPECT_FALSE(buildDnsQuery(1, "bad name.com", DnsType::kA).ok());
}

TEST(DnsMessage, ParsesAnswersThroughCnameAndCompression) {
  // CNAME first (skipped), then two A records.
  auto r = ResponseBuilder(7, 0, "www.example.com", DnsType::kA)
               .answer(5, {4, 'e', 'd', 'g', 'e', 0xC0, 0x10})  // edge.example.com
               .answer(1, {93, 184, 216, 34})
               .answer(1, {10, 0, 0, 1})
               .bytes();
  auto parsed = parseDnsResponse(r, 7, "WWW.Example.com", DnsType::kA);
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_EQ(parsed->rcode, 0);
  EXPECT_EQ(parsed->answer_count, 3);
  EXPECT_EQ(parsed->addresses, (std::vector<std::string>{"93.184.216.34", "10.0.0.1"}));
}

TEST(DnsMessage, ParsesAaaa) {
  std::vector<uint8_t> v6(16, 0);
  v6[0] = 0x20;
  v6[1] = 0x01;
  v6[2] = 0x0d;
  v6[3] = 0xb8;
  v6[15] = 1;
  auto r = ResponseBuilder(9, 0, "example.com", DnsType::kAAAA).answer(28, v6).bytes();
  auto parsed = parseDnsResponse(r, 9, "example.com", DnsType::kAAAA);
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_EQ(parsed->addresses, std::vector<std::string>{"2001:db8::1"});
}

TEST(DnsMessage, ReportsServfailAsRcode) {
  auto r = ResponseBuilder(11, 2, "www.example.com", DnsType::kA).bytes();
  auto parsed = parseDnsResponse(r, 11, "www.example.com", DnsType::kA);
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->rcode, 2);
  EXPECT_EQ(dnsRcodeName(parsed->rcode), "SERVFAIL");
  EXPECT_TRUE(parsed->addresses.empty());
}

TEST(DnsMessage, RejectsWrongIdQueryBitAndQuestion) {
  auto r = ResponseBuilder(11, 0, "www.example.com", DnsType::kA).answer(1, {1, 2, 3, 4}).bytes();
  EXPECT_FALSE(parseDnsResponse(r, 12, "www.example.com", DnsType::kA).ok());
  EXPECT_FALSE(parseDnsResponse(r, 11, "www.example.org", DnsType::kA).ok());
  EXPECT_FALSE(parseDnsResponse(r, 11, "www.example.com", DnsType::kAAAA).ok());
  auto query = r;
  query[2] &= 0x7F;  // clear QR
  EXPECT_FALSE(parseDnsResponse(query, 11, "www.example.com", DnsType::kA).ok());
}

TEST(DnsMessage, EveryTruncationIsAnErrorNotACrash) {
  auto r = ResponseBuilder(5, 0, "www.example.com", DnsType::kA)
               .answer(1, {1, 2, 3, 4})
               .answer(1, {5, 6, 7, 8})
               .bytes();
  ASSERT_TRUE(parseDnsResponse(r, 5, "www.example.com", DnsType::kA).ok());
  for (size_t len = 0; len < r.size(); ++len) {
    std::span<const uint8_t> cut(r.data(), len);
    EXPECT_FALSE(parseDnsResponse(cut, 5, "www.example.com", DnsType::kA).ok()) << len;
  }
}

TEST(DnsMessage, CompressionLoopsAreRejected) {
  // Answer owner name is a pointer to itself.
  auto self = ResponseBuilder(5, 0, "a.com", DnsType::kA).bytes();
  uint16_t at = static_cast<uint16_t>(self.size());
  auto r = ResponseBuilder(5, 0, "a.com", DnsType::kA)
               .answer(1, {1, 2, 3, 4},
                       {static_cast<uint8_t>(0xC0 | (at >> 8)), static_cast<uint8_t>(at & 0xFF)})
               .bytes();
  auto parsed = parseDnsResponse(r, 5, "a.com", DnsType::kA);
  ASSERT_FALSE(parsed.ok());
  EXPECT_NE(parsed.error().message.find("pointer"), std::string::npos);

  // Two labels pointing at each other: 12: "\x01x" ptr->20 ; 20: "\x01y" ptr->12.
  std::vector<uint8_t> loop = {0, 5, 0x81, 0x80, 0, 1, 0, 0, 0, 0, 0, 0};
  loop.insert(loop.end(), {1, 'x', 0xC0, 18, 0, 0, 1, 'y', 0xC0, 12, 0, 1, 0, 1});
  EXPECT_FALSE(parseDnsResponse(loop, 5, "x.y", DnsType::kA).ok());
}

TEST(DnsMessage, RejectsAddressWithWrongLengthAndRunawayRdata) {
  auto bad_len = ResponseBuilder(5, 0, "a.com", DnsType::kA).answer(1, {1, 2, 3}).bytes();
  EXPECT_FALSE(parseDnsResponse(bad_len, 5, "a.com", DnsType::kA).ok());
  auto runaway = ResponseBuilder(5, 0, "a.com", DnsType::kA).answer(1, {1, 2, 3, 4}).bytes();
  runaway[runaway.size() - 5] = 0xFF;  // rdlength low byte
  EXPECT_FALSE(parseDnsResponse(runaway, 5, "a.com", DnsType::kA).ok());
}

TEST(DnsMessage, ErrorWithoutQuestionIsAccepted) {
  std::vector<uint8_t> refused = {0, 5, 0x81, 0x85, 0, 0, 0, 0, 0, 0, 0, 0};
  auto parsed = parseDnsResponse(refused, 5, "a.com", DnsType::kA);
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(dnsRcodeName(parsed->rcode), "REFUSED");
}

// NOERROR and NXDOMAIN make the probe count the resolver as answering, so a bare header
// (what an off-path spoofer who guessed the id can send) must not pass without our question.
TEST(DnsMessage, AnsweringRcodesWithoutQuestionAreRejected) {
  for (uint8_t rcode : {uint8_t{0}, uint8_t{3}}) {
    std::vector<uint8_t> bare = {0, 5, 0x81, static_cast<uint8_t>(0x80 | rcode), 0, 0, 0, 0, 0,
                                 0, 0, 0};
    EXPECT_FALSE(parseDnsResponse(bare, 5, "a.com", DnsType::kA).ok()) << int{rcode};
  }
  auto nx = ResponseBuilder(5, 3, "a.com", DnsType::kA).bytes();
  auto parsed = parseDnsResponse(nx, 5, "a.com", DnsType::kA);
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->rcode, 3);
}

}  // namespace
}  // namespace uplinkprobe::availability
