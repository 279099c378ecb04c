#include "collector/ingest/mqtt_client.h"

#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <fstream>
#include <sstream>

namespace uplinkprobe::collector::mqtt {
namespace {

std::optional<std::string> readSecret(const std::string& path, std::string& error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = "cannot read password_file " + path;
    return std::nullopt;
  }
  std::stringstream s;
  s << in.rdbuf();
  std::string v = s.str();
  while (!v.empty() && (v.back() == '\n' || v.back() == '\r')) v.pop_back();
  return v;
}

}  // namespace

Result<BrokerAddress> parseBrokerUri(const std::string& uri) {
  BrokerAddress a;
  const auto sep = uri.find("://");
  if (sep == std::string::npos) {
    return makeError(ErrorKind::kConfig,
                     "mqtt uri '" + uri + "': expected tcp://host:port or ssl://host:port");
  }
  const std::string scheme = uri.substr(0, sep);
  if (scheme == "tcp" || scheme == "mqtt") {
    a.tls = false;
  } else if (scheme == "ssl" || scheme == "mqtts" || scheme == "tls") {
    a.tls = true;
  } else {
    return makeError(ErrorKind::kConfig, "mqtt uri '" + uri + "': unknown scheme " + scheme);
  }
  std::string rest = uri.substr(sep + 3);
  if (const auto slash = rest.find('/'); slash != std::string::npos) rest.resize(slash);
  std::string port;
  if (!rest.empty() && rest[0] == '[') {
    const auto close = rest.find(']');
    if (close == std::string::npos)
      return makeError(ErrorKind::kConfig, "mqtt uri '" + uri + "': bad [v6]");
    a.host = rest.substr(1, close - 1);
    if (close + 1 < rest.size()) {
      if (rest[close + 1] != ':')
        return makeError(ErrorKind::kConfig, "mqtt uri '" + uri + "': bad port");
      port = rest.substr(close + 2);
    }
  } else {
    const auto colon = rest.rfind(':');
    a.host = rest.substr(0, colon);
    if (colon != std::string::npos) port = rest.substr(colon + 1);
  }
  if (a.host.empty()) return makeError(ErrorKind::kConfig, "mqtt uri '" + uri + "': no host");
  if (port.empty()) port = a.tls ? "8883" : "1883";
  if (port.find_first_not_of("0123456789") != std::string::npos || port.size() > 5 ||
      std::stoi(port) == 0 || std::stoi(port) > 65535) {
    return makeError(ErrorKind::kConfig, "mqtt uri '" + uri + "': bad port " + port);
  }
  a.port = port;
  return a;
}

std::string subscriptionFilter(const std::string& topic_prefix, const std::string& shared_group) {
  if (shared_group.empty()) return topic_prefix + "/#";
  return "$share/" + shared_group + "/" + topic_prefix + "/#";
}

MqttClient::MqttClient(asio::io_context& io, ClientOptions options, Handlers handlers)
    : io_(io),
      options_(std::move(options)),
      handlers_(std::move(handlers)),
      resolver_(io),
      connect_timer_(io),
      keepalive_timer_(io),
      reconnect_timer_(io),
      reader_(options_.maximum_packet_size),
      in_flight_(65536, false),
      rng_(std::random_device{}()) {}

MqttClient::~MqttClient() { closeSockets(); }

void MqttClient::start() {
  auto a = parseBrokerUri(options_.uri);
  if (!a) {
    spdlog::error("mqtt: {}", a.error().message);
    return;
  }
  address_ = *a;
  stopping_ = false;
  connect();
}

void MqttClient::stop() {
  stopping_ = true;
  reconnect_timer_.cancel();
  if (open_) {
    // Normal disconnect: the session (and its un-acked messages) stays on the broker.
    const std::uint64_t conn = conn_;
    send(encodeDisconnect());
    // Give the write a moment, then close whatever is left.
    connect_timer_.expires_after(std::chrono::milliseconds(200));
    connect_timer_.async_wait([this, conn](const asio::error_code&) {
      if (conn_ == conn) fail(conn, "stopped");
    });
  } else {
    closeSockets();
  }
}

void MqttClient::connect() {
  if (stopping_) return;
  closeSockets();
  const std::uint64_t conn = ++conn_;
  reader_.reset();
  out_pending_.clear();
  writing_ = false;
  subscribed_ = false;
  auto t = std::make_shared<Transport>();
  if (address_.tls) {
    try {
      t->tls_ctx = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_client);
      auto& ctx = *t->tls_ctx;
      ctx.set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                      asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                      asio::ssl::context::no_tlsv1_1);
      ctx.set_verify_mode(asio::ssl::verify_peer);
      if (options_.ca_file.empty()) {
        ctx.set_default_verify_paths();
      } else {
        ctx.load_verify_file(options_.ca_file);
      }
      if (!options_.cert_file.empty()) {
        ctx.use_certificate_chain_file(options_.cert_file);
        ctx.use_private_key_file(options_.key_file.empty() ? options_.cert_file : options_.key_file,
                                 asio::ssl::context::pem);
      }
      t->tls = std::make_unique<TlsStream>(io_, ctx);
      // Host name (or IP address SAN) checked by OpenSSL itself during the handshake, so a
      // mismatch fails it with "hostname mismatch" / "IP address mismatch".
      SSL* ssl = t->tls->native_handle();
      X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
      X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
      asio::error_code not_ip;
      asio::ip::make_address(address_.host, not_ip);
      const int set = not_ip ? X509_VERIFY_PARAM_set1_host(param, address_.host.c_str(), 0)
                             : X509_VERIFY_PARAM_set1_ip_asc(param, address_.host.c_str());
      if (set != 1) throw std::runtime_error("cannot verify host " + address_.host);
      // SNI for names only (RFC 6066: no IP literals).
      if (not_ip && !SSL_set_tlsext_host_name(ssl, address_.host.c_str())) {
        spdlog::warn("mqtt: could not set TLS SNI host name {}", address_.host);
      }
    } catch (const std::exception& e) {
      spdlog::error("mqtt: TLS setup failed (ca_file, cert_file, key_file?): {}", e.what());
      scheduleReconnect();
      return;
    }
  } else {
    t->tcp = std::make_unique<Tcp::socket>(io_);
  }
  t_ = t;
  got_publish_ = false;
  connect_timer_.expires_after(options_.connect_timeout);
  connect_timer_.async_wait([this, conn](const asio::error_code& ec) {
    // A resumed session that already delivers messages is up: its SUBACK may sit behind the
    // broker's resend of every in-flight message (mosquitto 2.0.11: a whole backlog) while
    // reading is paused, so waiting for it here reconnected forever after a kill -9.
    if (ec || conn != conn_ || subscribed_ || got_publish_) return;
    fail(conn, "connect timed out");
  });
  resolver_.async_resolve(address_.host, address_.port,
                          [this, conn](const asio::error_code& ec, Tcp::resolver::results_type r) {
                            onResolved(conn, ec, std::move(r));
                          });
}

void MqttClient::onResolved(std::uint64_t conn, const asio::error_code& ec,
                            Tcp::resolver::results_type r) {
  if (conn != conn_) return;
  if (ec) return fail(conn, "resolve " + address_.host + ": " + ec.message());
  auto t = t_;
  asio::async_connect(
      t->lowest(), r, [this, conn, t](const asio::error_code& ec, const Tcp::endpoint&) {
        if (conn != conn_) return;
        if (ec) {
          return fail(conn, "connect " + address_.host + ":" + address_.port + ": " + ec.message());
        }
        onConnected(conn);
      });
}

void MqttClient::onConnected(std::uint64_t conn) {
  open_ = true;
  auto t = t_;
  asio::error_code ignore;
  t->lowest().set_option(Tcp::no_delay(true), ignore);
  if (!t->tls) return startSession(conn);
  t->tls->async_handshake(asio::ssl::stream_base::client,
                          [this, conn, t](const asio::error_code& ec) {
                            if (conn != conn_) return;
                            if (ec) {
                              std::string why = ec.message();
                              const long v = SSL_get_verify_result(t->tls->native_handle());
                              if (v != X509_V_OK) {
                                why += std::string(" (") + X509_verify_cert_error_string(v) + ")";
                              }
                              return fail(conn, "TLS handshake with " + address_.host + ": " + why);
                            }
                            startSession(conn);
                          });
}

void MqttClient::startSession(std::uint64_t conn) {
  ConnectOptions c;
  c.client_id = options_.client_id;
  c.clean_start = false;
  c.keep_alive_s = options_.keep_alive_s;
  c.session_expiry_interval_s = options_.session_expiry_s;
  c.receive_maximum = options_.receive_maximum;
  c.maximum_packet_size = options_.maximum_packet_size;
  if (!options_.username.empty()) c.username = options_.username;
  if (!options_.password_file.empty()) {
    std::string err;
    c.password = readSecret(options_.password_file, err);
    if (!c.password) return fail(conn, err);
  }
  keep_alive_s_ = options_.keep_alive_s;
  last_received_ = std::chrono::steady_clock::now();
  ping_outstanding_ = false;
  send(encodeConnect(c));
  readMore(conn);
}

void MqttClient::readMore(std::uint64_t conn) {
  auto t = t_;
  auto handler = [this, conn, t](const asio::error_code& ec, std::size_t n) {
    onRead(conn, ec, n);
  };
  if (t->tls) {
    t->tls->async_read_some(asio::buffer(t->read_buf), handler);
  } else {
    t->tcp->async_read_some(asio::buffer(t->read_buf), handler);
  }
}

void MqttClient::onRead(std::uint64_t conn, const asio::error_code& ec, std::size_t n) {
  if (conn != conn_) return;
  if (ec) return fail(conn, ec == asio::error::eof ? "broker closed the connection" : ec.message());
  last_received_ = std::chrono::steady_clock::now();
  reader_.append(t_->read_buf.data(), n);
  while (true) {
    Packet p;
    DecodeError err;
    const auto s = reader_.next(p, err);
    if (s == FrameReader::Status::kNeedMore) break;
    if (s == FrameReader::Status::kError) {
      stats_.protocol_errors++;
      return fail(conn, "bad packet from broker: " + err.message, err.reason_code);
    }
    if (!handle(conn, p)) return;
  }
  if (in_flight_count_ >= options_.receive_maximum) {
    // Back-pressure: the broker sent (at least) a full window; read again after acks.
    read_paused_ = true;
    stats_.read_pauses++;
    return;
  }
  readMore(conn);
}

bool MqttClient::handle(std::uint64_t conn, Packet& packet) {
  if (auto* ca = std::get_if<Connack>(&packet)) {
    if (ca->reason_code != reason::kSuccess) {
      fail(conn, "broker refused the connection: " + reasonName(ca->reason_code) +
                     (ca->reason_string ? " (" + *ca->reason_string + ")" : ""));
      return false;
    }
    if (ca->server_keep_alive) keep_alive_s_ = *ca->server_keep_alive;
    if (options_.topic_filter.rfind("$share/", 0) == 0 && ca->shared_subscription_available &&
        *ca->shared_subscription_available == 0) {
      spdlog::error("mqtt: broker says shared subscriptions are not available");
    }
    stats_.connects++;
    connected_at_ = std::chrono::steady_clock::now();
    spdlog::info("mqtt: connected to {}:{} as {} (session {})", address_.host, address_.port,
                 options_.client_id, ca->session_present ? "resumed" : "new");
    // Retain Handling 1: retained messages only when the subscription is new, so a resumed
    // session does not re-ingest every retained status on each reconnect.
    send(encodeSubscribe(1, options_.topic_filter, 1));
    armKeepAlive(conn);
    session_present_ = ca->session_present;
    return true;
  }
  if (auto* pub = std::get_if<Publish>(&packet)) {
    stats_.messages++;
    got_publish_ = true;
    if (pub->qos == 1) {
      if (in_flight_[pub->packet_id]) {
        stats_.protocol_errors++;
        fail(conn, "broker reused packet id " + std::to_string(pub->packet_id) + " before our ack",
             reason::kProtocolError);
        return false;
      }
      if (in_flight_count_ >= options_.receive_maximum) stats_.receive_maximum_exceeded++;
      in_flight_[pub->packet_id] = true;
      ++in_flight_count_;
      stats_.in_flight = in_flight_count_;
    }
    InboundMessage m;
    m.connection = conn;
    m.packet_id = pub->qos == 1 ? pub->packet_id : 0;
    m.qos = pub->qos;
    m.retained = pub->retain;
    m.dup = pub->dup;
    m.topic = std::move(pub->topic);
    m.payload = std::move(pub->payload);
    if (handlers_.on_message) handlers_.on_message(std::move(m));
    return conn == conn_;
  }
  if (auto* sa = std::get_if<Suback>(&packet)) {
    const std::uint8_t rc = sa->reason_codes.front();
    if (rc >= 0x80) {
      fail(conn, "subscription to " + options_.topic_filter + " refused: " + reasonName(rc));
      return false;
    }
    if (rc == 0) {
      spdlog::warn("mqtt: broker granted only QoS 0 on {}: messages may be lost in transit",
                   options_.topic_filter);
    }
    subscribed_ = true;
    stats_.connected = true;
    connect_timer_.cancel();
    spdlog::info("mqtt: subscribed to {}", options_.topic_filter);
    if (handlers_.on_ready) handlers_.on_ready(session_present_);
    return conn == conn_;
  }
  if (std::holds_alternative<Pingresp>(packet)) {
    ping_outstanding_ = false;
    return true;
  }
  if (auto* d = std::get_if<Disconnect>(&packet)) {
    fail(conn, "broker disconnected: " + reasonName(d->reason_code) +
                   (d->reason_string ? " (" + *d->reason_string + ")" : ""));
    return false;
  }
  return true;
}

void MqttClient::ack(std::uint64_t connection, std::uint16_t packet_id) {
  if (packet_id == 0) return;
  if (connection != conn_ || !open_ || !in_flight_[packet_id]) {
    stats_.stale_acks++;
    return;
  }
  in_flight_[packet_id] = false;
  --in_flight_count_;
  stats_.in_flight = in_flight_count_;
  stats_.acks_sent++;
  send(encodePuback(packet_id));
  if (read_paused_ && in_flight_count_ < options_.receive_maximum) {
    read_paused_ = false;
    last_received_ = std::chrono::steady_clock::now();
    ping_outstanding_ = false;
    readMore(conn_);
  }
}

void MqttClient::reconnectNow(const std::string& why) {
  if (stopping_ || conn_ == 0) return;
  fail(conn_, why);
}

void MqttClient::send(std::string bytes) {
  out_pending_ += bytes;
  last_sent_ = std::chrono::steady_clock::now();
  flush();
}

void MqttClient::flush() {
  if (writing_ || out_pending_.empty() || !open_) return;
  writing_ = true;
  t_->writing.swap(out_pending_);
  out_pending_.clear();
  const std::uint64_t conn = conn_;
  auto t = t_;
  auto handler = [this, conn, t](const asio::error_code& ec, std::size_t) {
    if (conn != conn_) return;
    writing_ = false;
    t->writing.clear();
    if (ec) return fail(conn, "write: " + ec.message());
    flush();
  };
  if (t->tls) {
    asio::async_write(*t->tls, asio::buffer(t->writing), handler);
  } else {
    asio::async_write(*t->tcp, asio::buffer(t->writing), handler);
  }
}

void MqttClient::armKeepAlive(std::uint64_t conn) {
  if (keep_alive_s_ == 0) return;
  const auto ka = std::chrono::seconds(keep_alive_s_);
  const auto tick = std::max<std::chrono::milliseconds>(std::chrono::milliseconds(250), ka / 4);
  keepalive_timer_.expires_after(tick);
  keepalive_timer_.async_wait([this, conn, ka](const asio::error_code& ec) {
    if (ec || conn != conn_ || !open_) return;
    const auto now = std::chrono::steady_clock::now();
    if (!read_paused_ && ping_outstanding_ && now - ping_sent_ >= ka &&
        last_received_ < ping_sent_ + ka) {
      stats_.protocol_errors++;
      return fail(conn, "no answer to PINGREQ within the keep-alive");
    }
    if (!ping_outstanding_ && now - last_sent_ >= ka * 3 / 4) {
      ping_outstanding_ = true;
      ping_sent_ = now;
      send(encodePingreq());
    }
    armKeepAlive(conn);
  });
}

void MqttClient::fail(std::uint64_t conn, const std::string& why, std::optional<std::uint8_t> rc) {
  if (conn != conn_) return;
  if (rc && open_ && !writing_ && t_ && t_->tcp) {
    // Best effort on plain TCP: tell the broker why (the socket closes right after). Not on
    // TLS: a synchronous write must not interleave with the pending TLS read.
    const std::string d = encodeDisconnect(*rc);
    asio::error_code ignore;
    asio::write(*t_->tcp, asio::buffer(d), ignore);
  }
  const bool was_up = open_;
  const bool was_subscribed = subscribed_;
  closeSockets();
  ++conn_;  // every handler of the old connection sees a stale generation from here
  std::fill(in_flight_.begin(), in_flight_.end(), false);
  in_flight_count_ = 0;
  stats_.in_flight = 0;
  stats_.connected = false;
  if (was_up || was_subscribed) stats_.connection_losses++;
  if (stopping_) {
    spdlog::info("mqtt: disconnected ({})", why);
  } else {
    spdlog::warn("mqtt: {}; reconnecting", why);
  }
  if (handlers_.on_connection_lost) handlers_.on_connection_lost(conn);
  if (was_subscribed && std::chrono::steady_clock::now() - connected_at_ >= kStableConnection) {
    attempts_ = 0;
  }
  scheduleReconnect();
}

void MqttClient::closeSockets() {
  asio::error_code ignore;
  connect_timer_.cancel();
  keepalive_timer_.cancel();
  resolver_.cancel();
  if (t_) {
    // Closing cancels pending operations; their handlers keep the streams alive until they
    // have run (they hold the shared_ptr) and then see a stale generation.
    t_->lowest().close(ignore);
    t_.reset();
  }
  open_ = false;
  subscribed_ = false;
  writing_ = false;
  read_paused_ = false;
}

void MqttClient::scheduleReconnect() {
  if (stopping_) return;
  const double base = static_cast<double>(options_.backoff_initial.count()) *
                      static_cast<double>(1ull << std::min(attempts_, 20));
  const double cap = std::min(base, static_cast<double>(options_.backoff_max.count()));
  std::uniform_real_distribution<double> jitter(cap / 2, cap);
  const auto delay = std::chrono::milliseconds(static_cast<std::int64_t>(jitter(rng_)));
  ++attempts_;
  reconnect_timer_.expires_after(delay);
  reconnect_timer_.async_wait([this](const asio::error_code& ec) {
    if (!ec) connect();
  });
}

}  // namespace uplinkprobe::collector::mqtt
