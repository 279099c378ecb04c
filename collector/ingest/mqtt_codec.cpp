#include "collector/ingest/mqtt_codec.h"

#include <array>

#include "common/utf8.h"

namespace uplinkprobe::collector::mqtt {
namespace {

constexpr std::uint32_t kMaxVarint = 268'435'455;

// Which packets a property may appear in (only the ones this client decodes).
enum PacketMask : std::uint8_t {
  kInConnack = 1,
  kInPublish = 2,
  kInSuback = 4,
  kInDisconnect = 8,
};

enum class PropType : std::uint8_t { kNone, kByte, kTwo, kFour, kVarint, kString, kBinary, kPair };

struct PropSpec {
  PropType type = PropType::kNone;
  std::uint8_t packets = 0;
  bool repeatable = false;
};

constexpr std::array<PropSpec, 0x2B> makeSpecs() {
  std::array<PropSpec, 0x2B> s{};
  s[0x01] = {PropType::kByte, kInPublish, false};                    // Payload Format Indicator
  s[0x02] = {PropType::kFour, kInPublish, false};                    // Message Expiry Interval
  s[0x03] = {PropType::kString, kInPublish, false};                  // Content Type
  s[0x08] = {PropType::kString, kInPublish, false};                  // Response Topic
  s[0x09] = {PropType::kBinary, kInPublish, false};                  // Correlation Data
  s[0x0B] = {PropType::kVarint, kInPublish, true};                   // Subscription Identifier
  s[0x11] = {PropType::kFour, kInConnack | kInDisconnect, false};    // Session Expiry Interval
  s[0x12] = {PropType::kString, kInConnack, false};                  // Assigned Client Identifier
  s[0x13] = {PropType::kTwo, kInConnack, false};                     // Server Keep Alive
  s[0x15] = {PropType::kString, kInConnack, false};                  // Authentication Method
  s[0x16] = {PropType::kBinary, kInConnack, false};                  // Authentication Data
  s[0x1A] = {PropType::kString, kInConnack, false};                  // Response Information
  s[0x1C] = {PropType::kString, kInConnack | kInDisconnect, false};  // Server Reference
  s[0x1F] = {PropType::kString, kInConnack | kInSuback | kInDisconnect, false};  // Reason String
  s[0x21] = {PropType::kTwo, kInConnack, false};                                 // Receive Maximum
  s[0x22] = {PropType::kTwo, kInConnack, false};   // Topic Alias Maximum
  s[0x23] = {PropType::kTwo, kInPublish, false};   // Topic Alias
  s[0x24] = {PropType::kByte, kInConnack, false};  // Maximum QoS
  s[0x25] = {PropType::kByte, kInConnack, false};  // Retain Available
  s[0x26] = {PropType::kPair, kInConnack | kInPublish | kInSuback | kInDisconnect,
             true};                                // User Property
  s[0x27] = {PropType::kFour, kInConnack, false};  // Maximum Packet Size
  s[0x28] = {PropType::kByte, kInConnack, false};  // Wildcard Subscription Available
  s[0x29] = {PropType::kByte, kInConnack, false};  // Subscription Identifier Available
  s[0x2A] = {PropType::kByte, kInConnack, false};  // Shared Subscription Available
  return s;
}
constexpr std::array<PropSpec, 0x2B> kSpecs = makeSpecs();

DecodeError malformed(std::string m) { return DecodeError{reason::kMalformedPacket, std::move(m)}; }
DecodeError protocol(std::string m) { return DecodeError{reason::kProtocolError, std::move(m)}; }

// Reads fields from a packet body; every read checks the bytes that remain.
class Cursor {
 public:
  explicit Cursor(std::string_view b) : b_(b) {}
  std::size_t remaining() const { return b_.size() - pos_; }
  bool u8(std::uint8_t& v) {
    if (remaining() < 1) return false;
    v = static_cast<std::uint8_t>(b_[pos_++]);
    return true;
  }
  bool u16(std::uint16_t& v) {
    if (remaining() < 2) return false;
    v = static_cast<std::uint16_t>((byte(0) << 8) | byte(1));
    pos_ += 2;
    return true;
  }
  bool u32(std::uint32_t& v) {
    if (remaining() < 4) return false;
    v = (static_cast<std::uint32_t>(byte(0)) << 24) | (static_cast<std::uint32_t>(byte(1)) << 16) |
        (static_cast<std::uint32_t>(byte(2)) << 8) | byte(3);
    pos_ += 4;
    return true;
  }
  // 0 ok, 1 truncated, 2 malformed (5th byte or non-minimal).
  int varint(std::uint32_t& v) {
    v = 0;
    for (int i = 0; i < 4; ++i) {
      std::uint8_t b;
      if (!u8(b)) return 1;
      v |= static_cast<std::uint32_t>(b & 0x7F) << (7 * i);
      if ((b & 0x80) == 0) {
        // Minimal encoding: a multi-byte integer never ends with a zero byte.
        if (i > 0 && b == 0) return 2;
        return 0;
      }
    }
    return 2;
  }
  bool bytes(std::size_t n, std::string_view& out) {
    if (remaining() < n) return false;
    out = b_.substr(pos_, n);
    pos_ += n;
    return true;
  }
  bool binary(std::string_view& out) {
    std::uint16_t n;
    return u16(n) && bytes(n, out);
  }
  std::string_view rest() {
    std::string_view r = b_.substr(pos_);
    pos_ = b_.size();
    return r;
  }

 private:
  std::uint32_t byte(std::size_t i) const { return static_cast<std::uint8_t>(b_[pos_ + i]); }
  std::string_view b_;
  std::size_t pos_ = 0;
};

// Reads a UTF-8 string field: a truncated field is malformed, and so is bad UTF-8.
std::optional<DecodeError> readString(Cursor& c, std::string& out, const char* what) {
  std::string_view v;
  if (!c.binary(v)) return malformed(std::string(what) + ": truncated");
  if (!isValidUtf8(v)) return malformed(std::string(what) + ": not valid UTF-8");
  out.assign(v);
  return std::nullopt;
}

// Visits each property of the property block at the cursor. `on` is called with the id and a
// cursor positioned on its value (already bounds-checked by type); it returns an error or
// nullopt.
template <typename On>
std::optional<DecodeError> readProperties(Cursor& c, PacketMask where, On on) {
  std::uint32_t len = 0;
  int r = c.varint(len);
  if (r == 1) return malformed("property length truncated");
  if (r == 2) return malformed("property length: bad variable byte integer");
  std::string_view block;
  if (!c.bytes(len, block)) return malformed("property length exceeds packet");
  Cursor p(block);
  std::array<bool, kSpecs.size()> seen{};
  while (p.remaining() > 0) {
    std::uint32_t id = 0;
    r = p.varint(id);
    if (r != 0) return malformed("property identifier: bad variable byte integer");
    if (id >= kSpecs.size() || kSpecs[id].type == PropType::kNone ||
        (kSpecs[id].packets & where) == 0) {
      return protocol("property 0x" + std::to_string(id) + " not allowed here");
    }
    if (seen[id] && !kSpecs[id].repeatable) {
      return protocol("property " + std::to_string(id) + " repeated");
    }
    seen[id] = true;
    if (auto e = on(static_cast<std::uint8_t>(id), kSpecs[id].type, p)) return e;
  }
  return std::nullopt;
}

// Reads one value of type `t` into the given outputs (only the matching one is used).
struct PropValue {
  std::uint32_t number = 0;
  std::string text;
  std::string text2;
};

std::optional<DecodeError> readValue(PropType t, Cursor& p, PropValue& v) {
  switch (t) {
    case PropType::kByte: {
      std::uint8_t b;
      if (!p.u8(b)) return malformed("property truncated");
      v.number = b;
      return std::nullopt;
    }
    case PropType::kTwo: {
      std::uint16_t x;
      if (!p.u16(x)) return malformed("property truncated");
      v.number = x;
      return std::nullopt;
    }
    case PropType::kFour:
      if (!p.u32(v.number)) return malformed("property truncated");
      return std::nullopt;
    case PropType::kVarint: {
      int r = p.varint(v.number);
      if (r != 0) return malformed("property: bad variable byte integer");
      return std::nullopt;
    }
    case PropType::kString:
      return readString(p, v.text, "property string");
    case PropType::kBinary: {
      std::string_view b;
      if (!p.binary(b)) return malformed("property binary truncated");
      v.text.assign(b);
      return std::nullopt;
    }
    case PropType::kPair:
      if (auto e = readString(p, v.text, "user property key")) return e;
      return readString(p, v.text2, "user property value");
    case PropType::kNone:
      break;
  }
  return malformed("property type");
}

std::optional<DecodeError> boolByte(std::uint32_t v, const char* what) {
  if (v > 1) return protocol(std::string(what) + " must be 0 or 1");
  return std::nullopt;
}

DecodeResult decodeConnack(std::string_view body) {
  Cursor c(body);
  Connack out;
  std::uint8_t flags;
  if (!c.u8(flags) || !c.u8(out.reason_code)) return malformed("CONNACK truncated");
  if ((flags & 0xFE) != 0) return malformed("CONNACK reserved flags set");
  out.session_present = (flags & 1) != 0;
  if (out.session_present && out.reason_code != reason::kSuccess) {
    return protocol("CONNACK session present with a failure reason");
  }
  auto e = readProperties(c, kInConnack, [&](std::uint8_t id, PropType t, Cursor& p) {
    PropValue v;
    if (auto e = readValue(t, p, v)) return e;
    switch (id) {
      case 0x11:
        out.session_expiry_interval = v.number;
        break;
      case 0x12:
        out.assigned_client_identifier = v.text;
        break;
      case 0x13:
        out.server_keep_alive = static_cast<std::uint16_t>(v.number);
        break;
      case 0x1C:
        out.server_reference = v.text;
        break;
      case 0x1F:
        out.reason_string = v.text;
        break;
      case 0x21:
        if (v.number == 0) return std::optional(protocol("Receive Maximum 0"));
        out.receive_maximum = static_cast<std::uint16_t>(v.number);
        break;
      case 0x22:
        out.topic_alias_maximum = static_cast<std::uint16_t>(v.number);
        break;
      case 0x24:
        if (auto b = boolByte(v.number, "Maximum QoS")) return b;
        out.maximum_qos = static_cast<std::uint8_t>(v.number);
        break;
      case 0x27:
        if (v.number == 0) return std::optional(protocol("Maximum Packet Size 0"));
        out.maximum_packet_size = v.number;
        break;
      case 0x28:
        if (auto b = boolByte(v.number, "Wildcard Subscription Available")) return b;
        out.wildcard_subscription_available = static_cast<std::uint8_t>(v.number);
        break;
      case 0x2A:
        if (auto b = boolByte(v.number, "Shared Subscription Available")) return b;
        out.shared_subscription_available = static_cast<std::uint8_t>(v.number);
        break;
      case 0x25:
      case 0x29:
        if (auto b = boolByte(v.number, "availability flag")) return b;
        break;
      default:
        break;  // Authentication, Response Information, User Property: not used.
    }
    return std::optional<DecodeError>();
  });
  if (e) return *e;
  if (c.remaining() != 0) return malformed("CONNACK has trailing bytes");
  return Packet(out);
}

DecodeResult decodePublish(std::uint8_t flags, std::string_view body) {
  Publish out;
  out.dup = (flags & 0x08) != 0;
  out.qos = static_cast<std::uint8_t>((flags >> 1) & 0x03);
  out.retain = (flags & 0x01) != 0;
  if (out.qos == 3) return malformed("PUBLISH with QoS 3");
  if (out.qos == 0 && out.dup) return malformed("PUBLISH QoS 0 with DUP set");
  if (out.qos == 2) {
    // This client subscribes with maximum QoS 1; a broker that delivers QoS 2 broke the
    // subscription's contract.
    return protocol("PUBLISH with QoS 2 on a QoS 1 subscription");
  }
  Cursor c(body);
  if (auto e = readString(c, out.topic, "PUBLISH topic")) return *e;
  if (out.topic.find_first_of("+#") != std::string::npos) {
    return malformed("PUBLISH topic contains a wildcard");
  }
  if (out.qos > 0) {
    if (!c.u16(out.packet_id)) return malformed("PUBLISH packet identifier truncated");
    if (out.packet_id == 0) return malformed("PUBLISH packet identifier 0");
  }
  auto e = readProperties(c, kInPublish, [&](std::uint8_t id, PropType t, Cursor& p) {
    PropValue v;
    if (auto e = readValue(t, p, v)) return e;
    switch (id) {
      case 0x01:
        if (auto b = boolByte(v.number, "Payload Format Indicator")) return b;
        out.payload_format_indicator = static_cast<std::uint8_t>(v.number);
        break;
      case 0x02:
        out.message_expiry_interval = v.number;
        break;
      case 0x03:
        out.content_type = v.text;
        break;
      case 0x0B:
        if (v.number == 0) return std::optional(protocol("Subscription Identifier 0"));
        out.subscription_identifiers.push_back(v.number);
        break;
      case 0x23:
        // This client advertises Topic Alias Maximum 0: any alias is invalid.
        return std::optional(DecodeError{reason::kTopicAliasInvalid, "PUBLISH with Topic Alias"});
      default:
        break;  // Response Topic, Correlation Data, User Property: not used.
    }
    return std::optional<DecodeError>();
  });
  if (e) return *e;
  if (out.topic.empty()) return protocol("PUBLISH with empty topic and no alias");
  out.payload.assign(c.rest());
  return Packet(std::move(out));
}

DecodeResult decodeSuback(std::string_view body) {
  Cursor c(body);
  Suback out;
  if (!c.u16(out.packet_id)) return malformed("SUBACK truncated");
  auto e = readProperties(c, kInSuback, [&](std::uint8_t id, PropType t, Cursor& p) {
    PropValue v;
    if (auto e = readValue(t, p, v)) return e;
    if (id == 0x1F) out.reason_string = v.text;
    return std::optional<DecodeError>();
  });
  if (e) return *e;
  std::string_view codes = c.rest();
  if (codes.empty()) return protocol("SUBACK without reason codes");
  for (char ch : codes) out.reason_codes.push_back(static_cast<std::uint8_t>(ch));
  return Packet(std::move(out));
}

DecodeResult decodeDisconnect(std::string_view body) {
  Disconnect out;
  if (body.empty()) return Packet(out);
  Cursor c(body);
  (void)c.u8(out.reason_code);
  if (c.remaining() == 0) return Packet(out);
  auto e = readProperties(c, kInDisconnect, [&](std::uint8_t id, PropType t, Cursor& p) {
    PropValue v;
    if (auto e = readValue(t, p, v)) return e;
    if (id == 0x1F) out.reason_string = v.text;
    if (id == 0x1C) out.server_reference = v.text;
    return std::optional<DecodeError>();
  });
  if (e) return *e;
  if (c.remaining() != 0) return malformed("DISCONNECT has trailing bytes");
  return Packet(std::move(out));
}

void appendU16(std::string& out, std::uint16_t v) {
  out.push_back(static_cast<char>(v >> 8));
  out.push_back(static_cast<char>(v & 0xFF));
}
void appendU32(std::string& out, std::uint32_t v) {
  for (int s = 24; s >= 0; s -= 8) out.push_back(static_cast<char>((v >> s) & 0xFF));
}
void appendString(std::string& out, std::string_view s) {
  appendU16(out, static_cast<std::uint16_t>(s.size()));
  out.append(s);
}
std::string frame(std::uint8_t first, const std::string& body) {
  std::string out;
  out.push_back(static_cast<char>(first));
  appendVarint(out, static_cast<std::uint32_t>(body.size()));
  out += body;
  return out;
}

}  // namespace

std::string reasonName(std::uint8_t code) {
  switch (code) {
    case 0x00:
      return "success";
    case 0x01:
      return "granted QoS 1";
    case 0x02:
      return "granted QoS 2";
    case 0x04:
      return "disconnect with will message";
    case 0x80:
      return "unspecified error";
    case 0x81:
      return "malformed packet";
    case 0x82:
      return "protocol error";
    case 0x83:
      return "implementation specific error";
    case 0x84:
      return "unsupported protocol version";
    case 0x85:
      return "client identifier not valid";
    case 0x86:
      return "bad user name or password";
    case 0x87:
      return "not authorized";
    case 0x88:
      return "server unavailable";
    case 0x89:
      return "server busy";
    case 0x8A:
      return "banned";
    case 0x8B:
      return "server shutting down";
    case 0x8C:
      return "bad authentication method";
    case 0x8D:
      return "keep alive timeout";
    case 0x8E:
      return "session taken over";
    case 0x8F:
      return "topic filter invalid";
    case 0x90:
      return "topic name invalid";
    case 0x93:
      return "receive maximum exceeded";
    case 0x94:
      return "topic alias invalid";
    case 0x95:
      return "packet too large";
    case 0x97:
      return "quota exceeded";
    case 0x98:
      return "administrative action";
    case 0x99:
      return "payload format invalid";
    case 0x9B:
      return "QoS not supported";
    case 0x9C:
      return "use another server";
    case 0x9D:
      return "server moved";
    case 0x9E:
      return "shared subscriptions not supported";
    case 0x9F:
      return "connection rate exceeded";
    case 0xA0:
      return "maximum connect time";
    case 0xA1:
      return "subscription identifiers not supported";
    case 0xA2:
      return "wildcard subscriptions not supported";
    default:
      return "reason 0x" + std::to_string(code);
  }
}

bool isValidUtf8(std::string_view s, bool allow_nul) { return utf8::isValid(s, allow_nul); }

void appendVarint(std::string& out, std::uint32_t value) {
  if (value > kMaxVarint) value = kMaxVarint;
  do {
    std::uint8_t b = value & 0x7F;
    value >>= 7;
    if (value > 0) b |= 0x80;
    out.push_back(static_cast<char>(b));
  } while (value > 0);
}

DecodeResult decodePacket(std::uint8_t first, std::string_view body) {
  const auto type = static_cast<PacketType>(first >> 4);
  const std::uint8_t flags = first & 0x0F;
  switch (type) {
    case PacketType::kPublish:
      return decodePublish(flags, body);
    case PacketType::kConnack:
      if (flags != 0) return malformed("CONNACK flags");
      return decodeConnack(body);
    case PacketType::kSuback:
      if (flags != 0) return malformed("SUBACK flags");
      return decodeSuback(body);
    case PacketType::kPingresp:
      if (flags != 0 || !body.empty()) return malformed("PINGRESP with flags or body");
      return Packet(Pingresp{});
    case PacketType::kDisconnect:
      if (flags != 0) return malformed("DISCONNECT flags");
      return decodeDisconnect(body);
    case PacketType::kPubrel:
      return protocol("PUBREL: this client never accepts QoS 2");
    case PacketType::kPuback:
    case PacketType::kPubrec:
    case PacketType::kPubcomp:
    case PacketType::kUnsuback:
      return protocol("acknowledgement for something this client never sent");
    case PacketType::kAuth:
      return protocol("AUTH without an authentication method");
    case PacketType::kConnect:
    case PacketType::kSubscribe:
    case PacketType::kUnsubscribe:
    case PacketType::kPingreq:
      return protocol("packet type a server never sends");
  }
  return malformed("reserved packet type 0");
}

FrameReader::Status FrameReader::next(Packet& packet, DecodeError& error) {
  const std::size_t avail = buffer_.size() - pos_;
  if (avail < 2) return Status::kNeedMore;
  Cursor head(std::string_view(buffer_).substr(pos_ + 1, std::min<std::size_t>(4, avail - 1)));
  std::uint32_t remaining = 0;
  int r = head.varint(remaining);
  if (r == 1) {
    if (avail - 1 >= 4) {
      error = malformed("remaining length longer than 4 bytes");
      return Status::kError;
    }
    return Status::kNeedMore;
  }
  if (r == 2) {
    error = malformed("remaining length: bad variable byte integer");
    return Status::kError;
  }
  const std::size_t header = 1 + (std::min<std::size_t>(4, avail - 1) - head.remaining());
  const std::uint64_t total = header + static_cast<std::uint64_t>(remaining);
  if (total > max_packet_size_) {
    error = DecodeError{reason::kPacketTooLarge, "packet of " + std::to_string(total) +
                                                     " bytes exceeds the advertised " +
                                                     std::to_string(max_packet_size_)};
    return Status::kError;
  }
  if (avail < total) {
    // Compact before waiting so the buffer stays bounded by one packet.
    if (pos_ > 0) {
      buffer_.erase(0, pos_);
      pos_ = 0;
    }
    return Status::kNeedMore;
  }
  const auto first = static_cast<std::uint8_t>(buffer_[pos_]);
  DecodeResult d = decodePacket(first, std::string_view(buffer_).substr(pos_ + header, remaining));
  pos_ += static_cast<std::size_t>(total);
  if (pos_ == buffer_.size()) {
    buffer_.clear();
    pos_ = 0;
  }
  if (auto* e = std::get_if<DecodeError>(&d)) {
    error = std::move(*e);
    return Status::kError;
  }
  packet = std::move(std::get<Packet>(d));
  return Status::kPacket;
}

std::string encodeConnect(const ConnectOptions& o) {
  std::string body;
  appendString(body, "MQTT");
  body.push_back(5);  // protocol level
  std::uint8_t flags = 0;
  if (o.clean_start) flags |= 0x02;
  if (o.username) flags |= 0x80;
  if (o.password) flags |= 0x40;
  body.push_back(static_cast<char>(flags));
  appendU16(body, o.keep_alive_s);
  std::string props;
  props.push_back(0x11);
  appendU32(props, o.session_expiry_interval_s);
  props.push_back(0x21);
  appendU16(props, o.receive_maximum);
  props.push_back(0x27);
  appendU32(props, o.maximum_packet_size);
  appendVarint(body, static_cast<std::uint32_t>(props.size()));
  body += props;
  appendString(body, o.client_id);
  if (o.username) appendString(body, *o.username);
  if (o.password) appendString(body, *o.password);
  return frame(0x10, body);
}

std::string encodeSubscribe(std::uint16_t packet_id, std::string_view filter,
                            std::uint8_t retain_handling) {
  std::string body;
  appendU16(body, packet_id);
  appendVarint(body, 0);  // no properties
  appendString(body, filter);
  body.push_back(static_cast<char>(0x01 | ((retain_handling & 0x03) << 4)));  // max QoS 1
  return frame(0x82, body);
}

std::string encodePuback(std::uint16_t packet_id) {
  // Reason code Success and no properties may be omitted (Remaining Length 2).
  std::string out{'\x40', '\x02'};
  appendU16(out, packet_id);
  return out;
}

std::string encodePingreq() { return std::string{'\xC0', '\x00'}; }

std::string encodeDisconnect(std::uint8_t reason_code) {
  if (reason_code == reason::kSuccess) return std::string{'\xE0', '\x00'};
  std::string out{'\xE0', '\x02'};
  out.push_back(static_cast<char>(reason_code));
  out.push_back(0);  // no properties
  return out;
}

}  // namespace uplinkprobe::collector::mqtt
