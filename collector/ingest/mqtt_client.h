// MqttClient: the collector's MQTT 5 subscriber, on standalone Asio, plain TCP or TLS.
//
// Guarantees:
// - Persistent session: CONNECT with Clean Start = 0 and Session Expiry Interval > 0, one
//   fixed client id; the broker keeps the subscription and every un-acknowledged QoS 1
//   message while the collector is away and redelivers them on reconnect.
// - A QoS 1 message is acknowledged ONLY by ack(connection, packet_id), which the
//   application calls after the message's row is committed. A message whose ack never comes
//   (crash, DB failure, lost connection) is redelivered by the broker.
// - Acks are sent in the order ack() is called; the caller keeps reception order (MQTT 5
//   §4.6). An ack for a connection that is gone is dropped (the packet id may already name a
//   different message on the new connection); the broker redelivers that message, and the
//   store counts it as a duplicate.
// - Bounded: receive_maximum un-acknowledged QoS 1 messages is advertised as Receive Maximum.
//   A broker may overshoot it (mosquitto 2.0.11 does: after one PUBACK it sends a whole window
//   more, and on reconnect it resends every queued message at once); the client then stops
//   reading the socket (TCP back-pressure) until acks bring it below the window again, so
//   memory stays bounded by about one window plus one read chunk. Disconnecting instead would
//   loop forever against such a broker. No packet above maximum_packet_size (advertised and
//   enforced by the decoder); one read buffer, one write buffer.
// - Keep-alive: PINGREQ when nothing was sent for 3/4 of the keep-alive; a connection that
//   receives nothing for a keep-alive after a PINGREQ is dropped (not while reading is paused
//   for back-pressure: then the answer waits in our socket buffer). The Server Keep Alive in
//   CONNACK wins.
// - Reconnect with capped exponential back-off and jitter (half to full delay); the back-off
//   restarts only after a connection stayed up kStableConnection, so two collectors fighting
//   over one client id (session taken over) do not spin.
// - QoS 2 is refused: the subscription asks for QoS 1 at most, a QoS 2 PUBLISH is a protocol
//   error (DISCONNECT 0x82), as are topic aliases (0x94, we advertise none).
// - TLS (ssl:// or mqtts://): the peer certificate is verified against ca_file (or the system
//   store) and the host name of the URI (SNI set); cert_file/key_file for mutual TLS.
//   username + password_file (read at every connect: a rotated password needs no restart).
//
// Threading: every member function, and every handler, runs on the io_context's thread
// (one thread runs it). Post ack() there from other threads. Destroy the client only when no
// handler of it can run any more (after stop() and the io_context has finished, or stopped).
#pragma once

#include <asio.hpp>
#include <asio/ssl.hpp>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "collector/ingest/mqtt_codec.h"
#include "common/result.h"

namespace uplinkprobe::collector::mqtt {

struct BrokerAddress {
  bool tls = false;
  std::string host;
  std::string port;
};
// tcp://host[:port], mqtt://…, ssl://…, mqtts://…, tls://…; [v6]:port. Default ports 1883/8883.
Result<BrokerAddress> parseBrokerUri(const std::string& uri);

// "{prefix}/#", or "$share/{group}/{prefix}/#" when group is not empty.
std::string subscriptionFilter(const std::string& topic_prefix, const std::string& shared_group);

struct ClientOptions {
  std::string uri;
  std::string client_id;
  std::string topic_filter;
  std::string username;  // empty: none
  std::string password_file;
  std::string ca_file;  // empty: the system's trust store
  std::string cert_file;
  std::string key_file;
  std::uint16_t keep_alive_s = 30;
  std::uint32_t session_expiry_s = 7 * 24 * 3600;
  // Larger than IngestOptions::max_commit, so messages keep arriving while a commit runs.
  std::uint16_t receive_maximum = 5000;
  std::uint32_t maximum_packet_size = 1024 * 1024;
  std::chrono::milliseconds connect_timeout{10000};
  std::chrono::milliseconds backoff_initial{250};
  std::chrono::milliseconds backoff_max{30000};
};

struct InboundMessage {
  std::uint64_t connection = 0;  // pass back to ack()
  std::uint16_t packet_id = 0;   // 0 for QoS 0 (nothing to ack)
  std::uint8_t qos = 0;
  bool retained = false;
  bool dup = false;
  std::string topic;
  std::string payload;
};

// Read by /metrics and health checks from any thread.
struct ClientStats {
  std::atomic<bool> connected{false};  // CONNACK + SUBACK received on the live connection
  std::atomic<std::uint64_t> connects{0};
  std::atomic<std::uint64_t> connection_losses{0};
  std::atomic<std::uint64_t> protocol_errors{0};
  std::atomic<std::uint64_t> messages{0};
  std::atomic<std::uint64_t> acks_sent{0};
  std::atomic<std::uint64_t> stale_acks{0};  // ack for a connection that is gone
  std::atomic<std::uint32_t> in_flight{0};
  std::atomic<std::uint64_t> receive_maximum_exceeded{0};  // broker overshoot (tolerated)
  std::atomic<std::uint64_t> read_pauses{0};               // reading paused for back-pressure
};

class MqttClient {
 public:
  static constexpr std::chrono::seconds kStableConnection{10};

  struct Handlers {
    std::function<void(InboundMessage)> on_message;
    // The connection is gone: its un-acknowledged messages will come again; acks for it are
    // dropped from now on.
    std::function<void(std::uint64_t connection)> on_connection_lost;
    // Subscribed on a fresh connection (session_present as the broker said).
    std::function<void(bool session_present)> on_ready;
  };

  MqttClient(asio::io_context& io, ClientOptions options, Handlers handlers);
  ~MqttClient();
  MqttClient(const MqttClient&) = delete;
  MqttClient& operator=(const MqttClient&) = delete;

  void start();
  // Sends DISCONNECT (normal, session kept) if connected, closes, and stops reconnecting.
  void stop();
  void ack(std::uint64_t connection, std::uint16_t packet_id);
  // Drops the current connection (its un-acked messages stay with the broker) and
  // reconnects after the back-off, e.g. when the database refuses a batch.
  void reconnectNow(const std::string& why);

  const ClientStats& stats() const { return stats_; }
  const ClientOptions& options() const { return options_; }

 private:
  using Tcp = asio::ip::tcp;
  using TlsStream = asio::ssl::stream<Tcp::socket>;

  void connect();
  void onResolved(std::uint64_t conn, const asio::error_code& ec, Tcp::resolver::results_type r);
  void onConnected(std::uint64_t conn);
  void startSession(std::uint64_t conn);
  void readMore(std::uint64_t conn);
  void onRead(std::uint64_t conn, const asio::error_code& ec, std::size_t n);
  bool handle(std::uint64_t conn, Packet& p);
  void send(std::string bytes);
  void flush();
  void armKeepAlive(std::uint64_t conn);
  void fail(std::uint64_t conn, const std::string& why, std::optional<std::uint8_t> reason = {});
  void closeSockets();
  void scheduleReconnect();

  // One connection's streams. Handlers hold a shared_ptr to it, so a stream is destroyed only
  // after its last pending operation completed (an ssl::stream must not die under an op).
  struct Transport {
    std::unique_ptr<asio::ssl::context> tls_ctx;
    std::unique_ptr<TlsStream> tls;
    std::unique_ptr<Tcp::socket> tcp;
    std::vector<char> read_buf = std::vector<char>(64 * 1024);
    std::string writing;  // bytes of the write in progress
    Tcp::socket& lowest() { return tls ? tls->next_layer() : *tcp; }
  };

  asio::io_context& io_;
  ClientOptions options_;
  Handlers handlers_;
  BrokerAddress address_;
  ClientStats stats_;

  Tcp::resolver resolver_;
  std::shared_ptr<Transport> t_;
  asio::steady_timer connect_timer_;
  asio::steady_timer keepalive_timer_;
  asio::steady_timer reconnect_timer_;

  std::uint64_t conn_ = 0;  // generation; 0 = none
  bool open_ = false;       // socket connected (TCP/TLS up)
  bool subscribed_ = false;
  bool stopping_ = false;
  bool session_present_ = false;
  bool writing_ = false;
  bool read_paused_ = false;  // in-flight at the window: socket not read until acks
  std::string out_pending_;
  FrameReader reader_;
  std::vector<bool> in_flight_;
  std::uint32_t in_flight_count_ = 0;
  std::uint16_t keep_alive_s_ = 0;
  std::chrono::steady_clock::time_point last_sent_{};
  std::chrono::steady_clock::time_point last_received_{};
  std::chrono::steady_clock::time_point ping_sent_{};
  bool ping_outstanding_ = false;
  bool got_publish_ = false;  // this connection has delivered a PUBLISH (see connect timer)
  std::chrono::steady_clock::time_point connected_at_{};
  int attempts_ = 0;
  std::mt19937_64 rng_;
};

}  // namespace uplinkprobe::collector::mqtt
