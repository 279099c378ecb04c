// MQTT 5.0 codec for the collector's subscriber: the few packets a subscriber sends
// (CONNECT, SUBSCRIBE, PUBACK, PINGREQ, DISCONNECT) and a strict, bounded decoder for what a
// broker may send it (CONNACK, PUBLISH, SUBACK, PINGRESP, DISCONNECT).
//
// Why our own client: neither Paho nor libmosquitto lets an application delay the QoS 1
// PUBACK until its work is done, and the collector's contract is "acknowledged only after
// its row is committed". Everything here is pure (bytes in, typed packets out), so it is
// unit-tested with byte vectors and fuzzed (fuzz/mqtt_decoder_fuzz.cpp).
//
// Decoder contract (everything from the network is hostile):
// - FrameReader never buffers more than one packet's worth beyond what it was given: a
//   Remaining Length above max_packet_size (the limit this client advertises in CONNECT,
//   counted over the whole packet as MQTT 5 does) is kPacketTooLarge before the body is read.
// - Variable byte integers use at most 4 bytes and the minimal encoding; every length field
//   is checked against the bytes that remain; UTF-8 strings are well-formed, without U+0000
//   and without surrogates; property identifiers are known, valid for the packet type, and
//   not repeated unless MQTT allows it (User Property, Subscription Identifier).
// - A packet that a client must never receive (CONNECT, SUBSCRIBE, PINGREQ, …), or one this
//   client never asked for (PUBACK/PUBREC/PUBCOMP/UNSUBACK: it never publishes or
//   unsubscribes; PUBREL/QoS 2: it subscribes with QoS 1 only; AUTH: no enhanced auth), is a
//   protocol error. Each error carries the MQTT 5 reason code the client puts in its
//   DISCONNECT (0x81 malformed, 0x82 protocol error, 0x95 packet too large).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace uplinkprobe::collector::mqtt {

enum class PacketType : std::uint8_t {
  kConnect = 1,
  kConnack = 2,
  kPublish = 3,
  kPuback = 4,
  kPubrec = 5,
  kPubrel = 6,
  kPubcomp = 7,
  kSubscribe = 8,
  kSuback = 9,
  kUnsubscribe = 10,
  kUnsuback = 11,
  kPingreq = 12,
  kPingresp = 13,
  kDisconnect = 14,
  kAuth = 15,
};

// MQTT 5 reason codes this client produces or interprets.
namespace reason {
inline constexpr std::uint8_t kSuccess = 0x00;
inline constexpr std::uint8_t kGrantedQos1 = 0x01;
inline constexpr std::uint8_t kUnspecified = 0x80;
inline constexpr std::uint8_t kMalformedPacket = 0x81;
inline constexpr std::uint8_t kProtocolError = 0x82;
inline constexpr std::uint8_t kReceiveMaximumExceeded = 0x93;
inline constexpr std::uint8_t kTopicAliasInvalid = 0x94;
inline constexpr std::uint8_t kPacketTooLarge = 0x95;
inline constexpr std::uint8_t kQosNotSupported = 0x9B;
}  // namespace reason

// Human name of a CONNACK/DISCONNECT/SUBACK reason code ("not authorized", …) for logs.
std::string reasonName(std::uint8_t code);

struct DecodeError {
  std::uint8_t reason_code = reason::kMalformedPacket;
  std::string message;
};

struct UserProperty {
  std::string key;
  std::string value;
};

struct Connack {
  bool session_present = false;
  std::uint8_t reason_code = 0;
  std::optional<std::uint32_t> session_expiry_interval;
  std::optional<std::uint16_t> receive_maximum;
  std::optional<std::uint8_t> maximum_qos;
  std::optional<std::uint32_t> maximum_packet_size;
  std::optional<std::string> assigned_client_identifier;
  std::optional<std::uint16_t> topic_alias_maximum;
  std::optional<std::string> reason_string;
  std::optional<std::uint8_t> wildcard_subscription_available;
  std::optional<std::uint8_t> shared_subscription_available;
  std::optional<std::uint16_t> server_keep_alive;
  std::optional<std::string> server_reference;
};

struct Publish {
  std::uint8_t qos = 0;
  bool dup = false;
  bool retain = false;
  std::string topic;
  std::uint16_t packet_id = 0;  // 0 for QoS 0
  std::string payload;
  std::optional<std::uint8_t> payload_format_indicator;
  std::optional<std::uint32_t> message_expiry_interval;
  std::optional<std::uint16_t> topic_alias;
  std::optional<std::string> content_type;
  std::vector<std::uint32_t> subscription_identifiers;
};

struct Suback {
  std::uint16_t packet_id = 0;
  std::vector<std::uint8_t> reason_codes;
  std::optional<std::string> reason_string;
};

struct Pingresp {};

struct Disconnect {
  std::uint8_t reason_code = 0;
  std::optional<std::string> reason_string;
  std::optional<std::string> server_reference;
};

using Packet = std::variant<Connack, Publish, Suback, Pingresp, Disconnect>;

// Outcome of decoding: a packet or the error that ends the connection.
using DecodeResult = std::variant<Packet, DecodeError>;

// Decodes one complete packet: `first` is the fixed header's first byte, `body` the bytes
// after the Remaining Length field.
DecodeResult decodePacket(std::uint8_t first, std::string_view body);

// Splits a byte stream into packets. Bounded: holds at most one partial packet, which is at
// most max_packet_size bytes.
class FrameReader {
 public:
  explicit FrameReader(std::uint32_t max_packet_size) : max_packet_size_(max_packet_size) {}

  void append(const char* data, std::size_t n) { buffer_.append(data, n); }
  // kPacket: `packet` set and consumed; kNeedMore: wait for bytes; kError: `error` set and
  // the stream is unusable (the caller disconnects).
  enum class Status { kNeedMore, kPacket, kError };
  Status next(Packet& packet, DecodeError& error);
  std::size_t buffered() const { return buffer_.size() - pos_; }
  void reset() {
    buffer_.clear();
    pos_ = 0;
  }

 private:
  std::uint32_t max_packet_size_;
  std::string buffer_;
  std::size_t pos_ = 0;
};

// --- Encoding (what the client sends) ---

struct ConnectOptions {
  std::string client_id;
  bool clean_start = false;
  std::uint16_t keep_alive_s = 30;
  std::uint32_t session_expiry_interval_s = 7 * 24 * 3600;
  std::uint16_t receive_maximum = 1000;
  std::uint32_t maximum_packet_size = 1024 * 1024;
  std::optional<std::string> username;
  std::optional<std::string> password;
};

std::string encodeConnect(const ConnectOptions& o);
// One subscription with maximum QoS 1. retain_handling: 0 send retained on subscribe,
// 1 only if the subscription is new, 2 never.
std::string encodeSubscribe(std::uint16_t packet_id, std::string_view filter,
                            std::uint8_t retain_handling);
std::string encodePuback(std::uint16_t packet_id);
std::string encodePingreq();
std::string encodeDisconnect(std::uint8_t reason_code = reason::kSuccess);

// Appends an MQTT Variable Byte Integer (value < 2^28).
void appendVarint(std::string& out, std::uint32_t value);
// Well-formed UTF-8 as MQTT requires for strings: no overlongs, no surrogates, ≤ U+10FFFF,
// and (allow_nul = false) no U+0000.
bool isValidUtf8(std::string_view s, bool allow_nul = false);

}  // namespace uplinkprobe::collector::mqtt
