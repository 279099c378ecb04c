// The collector's MQTT 5 codec against byte vectors written from the specification
// (OASIS MQTT 5.0, §2–3), and its bounds: packet size, variable byte integers, properties.
#include "collector/ingest/mqtt_codec.h"

#include <gtest/gtest.h>

#include <string>

using namespace uplinkprobe::collector::mqtt;

namespace {

std::string bytes(std::initializer_list<int> b) {
  std::string s;
  for (int x : b) s.push_back(static_cast<char>(x));
  return s;
}

// Feeds `wire` to a reader and returns its single packet (or the error).
DecodeResult one(const std::string& wire, std::uint32_t max = 1 << 20) {
  FrameReader r(max);
  r.append(wire.data(), wire.size());
  Packet p;
  DecodeError e;
  switch (r.next(p, e)) {
    case FrameReader::Status::kPacket:
      EXPECT_EQ(r.buffered(), 0u);
      return p;
    case FrameReader::Status::kError:
      return e;
    case FrameReader::Status::kNeedMore:
      break;
  }
  return DecodeError{0, "need more"};
}

template <typename T>
const T& as(const DecodeResult& r) {
  static T empty{};
  if (auto* e = std::get_if<DecodeError>(&r)) {
    ADD_FAILURE() << "decode error: " << e->message;
    return empty;
  }
  const auto* t = std::get_if<T>(&std::get<Packet>(r));
  if (t == nullptr) {
    ADD_FAILURE() << "other packet type";
    return empty;
  }
  return *t;
}

std::uint8_t errorCode(const DecodeResult& r) {
  auto* e = std::get_if<DecodeError>(&r);
  return e ? e->reason_code : 0xFF;
}

}  // namespace

TEST(MqttCodec, ConnectIsPersistentWithReceiveMaximumAndPacketSize) {
  ConnectOptions o;
  o.client_id = "c1";
  o.keep_alive_s = 30;
  o.session_expiry_interval_s = 3600;
  o.receive_maximum = 1000;
  o.maximum_packet_size = 65536;
  o.username = "u";
  o.password = "pw";
  const std::string wire = encodeConnect(o);
  const std::string expected =
      bytes({0x10, 35,                                 // CONNECT, remaining length
             0x00, 0x04, 'M',  'Q',  'T',  'T', 0x05,  // protocol name, level 5
             0xC0,                                     // user name + password, Clean Start 0
             0x00, 30,                                 // keep alive
             13,                                       // properties length
             0x11, 0x00, 0x00, 0x0E, 0x10,             // Session Expiry Interval 3600
             0x21, 0x03, 0xE8,                         // Receive Maximum 1000
             0x27, 0x00, 0x01, 0x00, 0x00,             // Maximum Packet Size 65536
             0x00, 0x02, 'c',  '1',                    // client id
             0x00, 0x01, 'u',                          // user name
             0x00, 0x02, 'p',  'w'});                  // password
  EXPECT_EQ(wire, expected);
  EXPECT_EQ(wire[9] & 0x02, 0) << "Clean Start must be 0 for a persistent session";
}

TEST(MqttCodec, SubscribeQos1WithRetainHandling) {
  EXPECT_EQ(encodeSubscribe(7, "$share/g/up/#", 1),
            bytes({0x82, 19,  0x00, 0x07, 0x00, 0x00, 13,  '$', 's', 'h', 'a',
                   'r',  'e', '/',  'g',  '/',  'u',  'p', '/', '#', 0x11}));
}

TEST(MqttCodec, SmallPackets) {
  EXPECT_EQ(encodePuback(0x1234), bytes({0x40, 0x02, 0x12, 0x34}));
  EXPECT_EQ(encodePingreq(), bytes({0xC0, 0x00}));
  EXPECT_EQ(encodeDisconnect(), bytes({0xE0, 0x00}));
  EXPECT_EQ(encodeDisconnect(reason::kProtocolError), bytes({0xE0, 0x02, 0x82, 0x00}));
}

TEST(MqttCodec, VarintBoundaries) {
  const std::pair<std::uint32_t, std::string> cases[] = {
      {0, bytes({0x00})},
      {127, bytes({0x7F})},
      {128, bytes({0x80, 0x01})},
      {16383, bytes({0xFF, 0x7F})},
      {16384, bytes({0x80, 0x80, 0x01})},
      {2097151, bytes({0xFF, 0xFF, 0x7F})},
      {2097152, bytes({0x80, 0x80, 0x80, 0x01})},
      {268435455, bytes({0xFF, 0xFF, 0xFF, 0x7F})},
  };
  for (const auto& [v, enc] : cases) {
    std::string out;
    appendVarint(out, v);
    EXPECT_EQ(out, enc) << v;
  }
}

TEST(MqttCodec, ConnackWithProperties) {
  // Session present, success, Receive Maximum 20, Maximum QoS 1, Shared Sub Available 1,
  // Server Keep Alive 60, Reason String "ok", User Property a=b.
  const std::string wire =
      bytes({0x20, 25,   0x01, 0x00, 22,  0x21, 0x00, 20,   0x24, 0x01, 0x2A, 0x01, 0x13, 0x00,
             60,   0x1F, 0x00, 0x02, 'o', 'k',  0x26, 0x00, 0x01, 'a',  0x00, 0x01, 'b'});
  const auto r = one(wire);
  const auto& c = as<Connack>(r);
  EXPECT_TRUE(c.session_present);
  EXPECT_EQ(c.reason_code, 0);
  EXPECT_EQ(c.receive_maximum, 20);
  EXPECT_EQ(c.maximum_qos, 1);
  EXPECT_EQ(c.shared_subscription_available, 1);
  EXPECT_EQ(c.server_keep_alive, 60);
  EXPECT_EQ(c.reason_string, "ok");
}

TEST(MqttCodec, ConnackRefusal) {
  const auto r = one(bytes({0x20, 0x03, 0x00, 0x87, 0x00}));
  EXPECT_EQ(as<Connack>(r).reason_code, 0x87);
  EXPECT_EQ(reasonName(0x87), "not authorized");
  // Session present with a failure is a protocol error.
  EXPECT_EQ(errorCode(one(bytes({0x20, 0x03, 0x01, 0x87, 0x00}))), reason::kProtocolError);
  // Reserved flag bits.
  EXPECT_EQ(errorCode(one(bytes({0x20, 0x03, 0x02, 0x00, 0x00}))), reason::kMalformedPacket);
}

TEST(MqttCodec, PublishQos1WithProperties) {
  // QoS 1, retain, topic "a/b", id 10, properties: Payload Format 1, Subscription Id 5,
  // Content Type "j"; payload "{}".
  const std::string wire = bytes({0x33, 18,   0x00, 0x03, 'a',  '/',  'b',  0x00, 0x0A, 8,
                                  0x01, 0x01, 0x0B, 0x05, 0x03, 0x00, 0x01, 'j',  '{',  '}'});
  const auto r = one(wire);
  const auto& p = as<Publish>(r);
  EXPECT_EQ(p.qos, 1);
  EXPECT_TRUE(p.retain);
  EXPECT_FALSE(p.dup);
  EXPECT_EQ(p.topic, "a/b");
  EXPECT_EQ(p.packet_id, 10);
  EXPECT_EQ(p.payload_format_indicator, 1);
  ASSERT_EQ(p.subscription_identifiers.size(), 1u);
  EXPECT_EQ(p.subscription_identifiers[0], 5u);
  EXPECT_EQ(p.content_type, "j");
  EXPECT_EQ(p.payload, "{}");
}

TEST(MqttCodec, PublishQos0HasNoPacketId) {
  const auto r = one(bytes({0x30, 0x06, 0x00, 0x01, 't', 0x00, 'h', 'i'}));
  const auto& p = as<Publish>(r);
  EXPECT_EQ(p.qos, 0);
  EXPECT_EQ(p.packet_id, 0);
  EXPECT_EQ(p.payload, "hi");
}

TEST(MqttCodec, PublishViolations) {
  // QoS 2: this client subscribes with QoS 1 at most.
  EXPECT_EQ(errorCode(one(bytes({0x34, 0x06, 0x00, 0x01, 't', 0x00, 0x01, 0x00}))),
            reason::kProtocolError);
  // QoS 3.
  EXPECT_EQ(errorCode(one(bytes({0x36, 0x06, 0x00, 0x01, 't', 0x00, 0x01, 0x00}))),
            reason::kMalformedPacket);
  // QoS 0 with DUP.
  EXPECT_EQ(errorCode(one(bytes({0x38, 0x04, 0x00, 0x01, 't', 0x00}))), reason::kMalformedPacket);
  // Packet id 0.
  EXPECT_EQ(errorCode(one(bytes({0x32, 0x06, 0x00, 0x01, 't', 0x00, 0x00, 0x00}))),
            reason::kMalformedPacket);
  // Wildcard in the topic name.
  EXPECT_EQ(errorCode(one(bytes({0x30, 0x04, 0x00, 0x01, '#', 0x00}))), reason::kMalformedPacket);
  // Topic not UTF-8 (lone continuation byte), and U+0000.
  EXPECT_EQ(errorCode(one(bytes({0x30, 0x04, 0x00, 0x01, 0x80, 0x00}))), reason::kMalformedPacket);
  EXPECT_EQ(errorCode(one(bytes({0x30, 0x04, 0x00, 0x01, 0x00, 0x00}))), reason::kMalformedPacket);
  // Topic Alias: we advertise none.
  EXPECT_EQ(errorCode(one(bytes({0x30, 0x07, 0x00, 0x01, 't', 0x03, 0x23, 0x00, 0x01}))),
            reason::kTopicAliasInvalid);
  // Empty topic.
  EXPECT_EQ(errorCode(one(bytes({0x30, 0x03, 0x00, 0x00, 0x00}))), reason::kProtocolError);
  // Topic length beyond the packet.
  EXPECT_EQ(errorCode(one(bytes({0x30, 0x03, 0x00, 0x09, 't'}))), reason::kMalformedPacket);
  // Property length beyond the packet.
  EXPECT_EQ(errorCode(one(bytes({0x30, 0x04, 0x00, 0x01, 't', 0x09}))), reason::kMalformedPacket);
  // A CONNACK-only property in PUBLISH.
  EXPECT_EQ(errorCode(one(bytes({0x30, 0x06, 0x00, 0x01, 't', 0x02, 0x24, 0x01}))),
            reason::kProtocolError);
  // Unknown property id.
  EXPECT_EQ(errorCode(one(bytes({0x30, 0x06, 0x00, 0x01, 't', 0x02, 0x7F, 0x01}))),
            reason::kProtocolError);
  // Non-repeatable property twice.
  EXPECT_EQ(errorCode(one(bytes({0x30, 0x08, 0x00, 0x01, 't', 0x04, 0x01, 0x00, 0x01, 0x00}))),
            reason::kProtocolError);
  // Payload Format Indicator 2.
  EXPECT_EQ(errorCode(one(bytes({0x30, 0x06, 0x00, 0x01, 't', 0x02, 0x01, 0x02}))),
            reason::kProtocolError);
  // Subscription Identifier 0.
  EXPECT_EQ(errorCode(one(bytes({0x30, 0x06, 0x00, 0x01, 't', 0x02, 0x0B, 0x00}))),
            reason::kProtocolError);
}

TEST(MqttCodec, SubackAndPingrespAndDisconnect) {
  const auto s = one(bytes({0x90, 0x04, 0x00, 0x01, 0x00, 0x01}));
  EXPECT_EQ(as<Suback>(s).packet_id, 1);
  EXPECT_EQ(as<Suback>(s).reason_codes, std::vector<std::uint8_t>{0x01});
  EXPECT_EQ(errorCode(one(bytes({0x90, 0x03, 0x00, 0x01, 0x00}))), reason::kProtocolError);
  EXPECT_TRUE(std::holds_alternative<Pingresp>(std::get<Packet>(one(bytes({0xD0, 0x00})))));
  EXPECT_EQ(errorCode(one(bytes({0xD0, 0x01, 0x00}))), reason::kMalformedPacket);
  EXPECT_EQ(as<Disconnect>(one(bytes({0xE0, 0x00}))).reason_code, 0);
  EXPECT_EQ(as<Disconnect>(one(bytes({0xE0, 0x01, 0x8E}))).reason_code, 0x8E);
  const auto d = one(bytes({0xE0, 0x06, 0x8B, 0x04, 0x1F, 0x00, 0x01, 'x'}));
  EXPECT_EQ(as<Disconnect>(d).reason_code, 0x8B);
  EXPECT_EQ(as<Disconnect>(d).reason_string, "x");
}

TEST(MqttCodec, PacketsAServerMustNotSend) {
  EXPECT_EQ(errorCode(one(bytes({0x10, 0x00}))), reason::kProtocolError);              // CONNECT
  EXPECT_EQ(errorCode(one(bytes({0x62, 0x02, 0x00, 0x01}))), reason::kProtocolError);  // PUBREL
  EXPECT_EQ(errorCode(one(bytes({0x40, 0x02, 0x00, 0x01}))), reason::kProtocolError);  // PUBACK
  EXPECT_EQ(errorCode(one(bytes({0xC0, 0x00}))), reason::kProtocolError);              // PINGREQ
  EXPECT_EQ(errorCode(one(bytes({0xF0, 0x00}))), reason::kProtocolError);              // AUTH
  EXPECT_EQ(errorCode(one(bytes({0x00, 0x00}))), reason::kMalformedPacket);            // reserved 0
  EXPECT_EQ(errorCode(one(bytes({0xD1, 0x00}))), reason::kMalformedPacket);            // flags
}

TEST(MqttCodec, RemainingLengthBounds) {
  // Five-byte remaining length.
  EXPECT_EQ(errorCode(one(bytes({0x30, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F}))), reason::kMalformedPacket);
  // Non-minimal encoding (0x80 0x00 for 0).
  EXPECT_EQ(errorCode(one(bytes({0xD0, 0x80, 0x00}))), reason::kMalformedPacket);
  // Above the advertised maximum: refused from the header alone, nothing buffered.
  FrameReader r(100);
  const std::string head = bytes({0x30, 0x64});  // remaining length 100: 102 in all
  r.append(head.data(), head.size());
  Packet p;
  DecodeError e;
  EXPECT_EQ(r.next(p, e), FrameReader::Status::kError);
  EXPECT_EQ(e.reason_code, reason::kPacketTooLarge);
}

TEST(MqttCodec, TrickledAndCoalescedStream) {
  const std::string a = bytes({0x30, 0x06, 0x00, 0x01, 't', 0x00, 'h', 'i'});
  const std::string b = bytes({0xD0, 0x00});
  const std::string c = bytes({0x32, 0x07, 0x00, 0x01, 'u', 0x00, 0x05, 0x00, 'x'});
  const std::string all = a + b + c;
  FrameReader r(1024);
  std::vector<Packet> got;
  for (char ch : all) {
    r.append(&ch, 1);
    Packet p;
    DecodeError e;
    FrameReader::Status s;
    while ((s = r.next(p, e)) == FrameReader::Status::kPacket) got.push_back(p);
    ASSERT_NE(s, FrameReader::Status::kError) << e.message;
  }
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(std::get<Publish>(got[0]).payload, "hi");
  EXPECT_TRUE(std::holds_alternative<Pingresp>(got[1]));
  EXPECT_EQ(std::get<Publish>(got[2]).packet_id, 5);
  EXPECT_EQ(std::get<Publish>(got[2]).payload, "x");
  EXPECT_EQ(r.buffered(), 0u);
}

TEST(MqttCodec, Utf8Validation) {
  EXPECT_TRUE(isValidUtf8("plain"));
  EXPECT_TRUE(isValidUtf8("学校"));
  EXPECT_TRUE(isValidUtf8("\xF0\x9F\x98\x80"));   // U+1F600
  EXPECT_FALSE(isValidUtf8("\xC0\xAF"));          // overlong
  EXPECT_FALSE(isValidUtf8("\xE0\x80\xAF"));      // overlong 3-byte
  EXPECT_FALSE(isValidUtf8("\xED\xA0\x80"));      // surrogate
  EXPECT_FALSE(isValidUtf8("\xF4\x90\x80\x80"));  // > U+10FFFF
  EXPECT_FALSE(isValidUtf8("\xE5\xAD"));          // truncated
  EXPECT_FALSE(isValidUtf8(std::string_view("a\0b", 3)));
  EXPECT_TRUE(isValidUtf8(std::string_view("a\0b", 3), true));
}
