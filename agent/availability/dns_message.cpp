#include "agent/availability/dns_message.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>

namespace uplinkprobe::availability {
namespace {

constexpr size_t kHeaderSize = 12;
constexpr size_t kMaxNameLength = 255;  // wire octets, RFC 1035 2.3.4

Error dnsError(std::string message) { return makeError(ErrorKind::kDns, std::move(message)); }

uint16_t read16(std::span<const uint8_t> p, size_t at) {
  return static_cast<uint16_t>((p[at] << 8) | p[at + 1]);
}

std::string normalizeName(const std::string& name) {
  std::string n = name;
  if (!n.empty() && n.back() == '.') n.pop_back();
  std::transform(n.begin(), n.end(), n.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return n;
}

// Reads a possibly compressed name starting at `offset`. On success `next` is the offset
// just after the name as it sits at `offset` (after the first pointer, if any).
Status readName(std::span<const uint8_t> p, size_t offset, std::string& out, size_t& next) {
  out.clear();
  size_t pos = offset;
  size_t wire_length = 0;
  int jumps = 0;
  bool jumped = false;
  // Pointers must go strictly backwards from the lowest position seen so far; together
  // with the jump cap this rules out every loop.
  size_t lowest = offset;
  while (true) {
    if (pos >= p.size()) return dnsError("name runs past the end of the packet");
    uint8_t len = p[pos];
    if ((len & 0xC0) == 0xC0) {
      if (pos + 1 >= p.size()) return dnsError("truncated compression pointer");
      size_t target = static_cast<size_t>(((len & 0x3F) << 8) | p[pos + 1]);
      if (!jumped) next = pos + 2;
      if (++jumps > kMaxCompressionJumps) return dnsError("too many compression pointers");
      if (target >= lowest) return dnsError("compression pointer loop or forward pointer");
      lowest = target;
      pos = target;
      jumped = true;
      continue;
    }
    if ((len & 0xC0) != 0) return dnsError("unsupported label type");
    if (len == 0) {
      if (!jumped) next = pos + 1;
      return Status::Ok();
    }
    wire_length += len + 1u;
    if (wire_length + 1 > kMaxNameLength) return dnsError("name longer than 255 octets");
    if (pos + 1 + len > p.size()) return dnsError("label runs past the end of the packet");
    if (!out.empty()) out.push_back('.');
    for (size_t i = 0; i < len; ++i) {
      out.push_back(static_cast<char>(std::tolower(p[pos + 1 + i])));
    }
    pos += 1u + len;
  }
}

std::string addressText(std::span<const uint8_t> rdata) {
  char buf[INET6_ADDRSTRLEN] = {};
  int af = rdata.size() == 4 ? AF_INET : AF_INET6;
  if (inet_ntop(af, rdata.data(), buf, sizeof(buf)) == nullptr) return "?";
  return buf;
}

}  // namespace

Result<std::vector<uint8_t>> buildDnsQuery(uint16_t id, const std::string& name, DnsType type) {
  std::string n = name;
  if (!n.empty() && n.back() == '.') n.pop_back();
  if (n.empty()) return dnsError("empty query name");
  if (n.size() > 253) return dnsError("query name longer than 253 characters");
  std::vector<uint8_t> q = {static_cast<uint8_t>(id >> 8),
                            static_cast<uint8_t>(id & 0xFF),
                            0x01,
                            0x00,  // RD=1, standard query
                            0x00,
                            0x01,  // QDCOUNT
                            0x00,
                            0x00,
                            0x00,
                            0x00,
                            0x00,
                            0x00};
  size_t start = 0;
  while (start <= n.size()) {
    size_t dot = n.find('.', start);
    if (dot == std::string::npos) dot = n.size();
    size_t len = dot - start;
    if (len == 0 || len > 63) return dnsError("bad label in query name '" + name + "'");
    q.push_back(static_cast<uint8_t>(len));
    for (size_t i = start; i < dot; ++i) {
      unsigned char c = static_cast<unsigned char>(n[i]);
      if (!(std::isalnum(c) || c == '-' || c == '_')) {
        return dnsError("invalid character in query name '" + name + "'");
      }
      q.push_back(c);
    }
    start = dot + 1;
  }
  q.push_back(0);
  uint16_t t = static_cast<uint16_t>(type);
  q.push_back(static_cast<uint8_t>(t >> 8));
  q.push_back(static_cast<uint8_t>(t & 0xFF));
  q.push_back(0x00);
  q.push_back(0x01);  // class IN
  return q;
}

Result<DnsResponse> parseDnsResponse(std::span<const uint8_t> p, uint16_t expected_id,
                                     const std::string& expected_name, DnsType expected_type) {
  if (p.size() < kHeaderSize) return dnsError("response shorter than a DNS header");
  if (p.size() > kMaxDnsPacket) return dnsError("response larger than 4096 bytes");
  DnsResponse r;
  r.id = read16(p, 0);
  if (r.id != expected_id) return dnsError("response id does not match the query");
  uint16_t flags = read16(p, 2);
  if ((flags & 0x8000) == 0) return dnsError("packet is a query, not a response");
  if (((flags >> 11) & 0xF) != 0) return dnsError("unexpected opcode in response");
  r.truncated = (flags & 0x0200) != 0;
  r.rcode = flags & 0xF;
  uint16_t qdcount = read16(p, 4);
  uint16_t ancount = read16(p, 6);
  r.answer_count = ancount;
  // Some servers omit the question in error responses (FORMERR/REFUSED); accept that only
  // with an error rcode that counts as a failure. NOERROR and NXDOMAIN count as "the
  // resolver answered", so they must echo our question: an off-path spoofer who guessed
  // the id must not be able to mark the resolver healthy with a bare 12-byte header.
  if (qdcount == 0 && r.rcode != 0 && r.rcode != 3) return r;
  if (qdcount != 1) return dnsError("response does not carry exactly one question");

  size_t pos = kHeaderSize;
  std::string qname;
  size_t next = 0;
  if (Status s = readName(p, pos, qname, next); !s) return s.error();
  pos = next;
  if (pos + 4 > p.size()) return dnsError("question runs past the end of the packet");
  uint16_t qtype = read16(p, pos);
  uint16_t qclass = read16(p, pos + 2);
  pos += 4;
  if (qname != normalizeName(expected_name) || qtype != static_cast<uint16_t>(expected_type) ||
      qclass != 1) {
    return dnsError("response question does not match the query");
  }

  for (uint16_t i = 0; i < ancount; ++i) {
    std::string owner;
    if (Status s = readName(p, pos, owner, next); !s) return s.error();
    pos = next;
    if (pos + 10 > p.size()) return dnsError("answer record runs past the end of the packet");
    uint16_t type = read16(p, pos);
    uint16_t cls = read16(p, pos + 2);
    uint16_t rdlength = read16(p, pos + 8);
    pos += 10;
    if (pos + rdlength > p.size()) return dnsError("answer data runs past the end of the packet");
    bool want = type == static_cast<uint16_t>(expected_type) && cls == 1;
    size_t want_len = expected_type == DnsType::kA ? 4 : 16;
    if (want && rdlength != want_len) return dnsError("address record with a wrong length");
    if (want && r.addresses.size() < kMaxAnswersKept) {
      r.addresses.push_back(addressText(p.subspan(pos, rdlength)));
    }
    pos += rdlength;
  }
  return r;
}

std::string dnsRcodeName(int rcode) {
  switch (rcode) {
    case 0:
      return "NOERROR";
    case 1:
      return "FORMERR";
    case 2:
      return "SERVFAIL";
    case 3:
      return "NXDOMAIN";
    case 4:
      return "NOTIMP";
    case 5:
      return "REFUSED";
    default:
      return "RCODE" + std::to_string(rcode);
  }
}

}  // namespace uplinkprobe::availability
