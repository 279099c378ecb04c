#include "agent/publish/paho_publisher.h"

#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>

#include <MQTTAsync.h>
#include <mqtt/async_client.h>
#include <spdlog/spdlog.h>

#include "agent/publish/topic.h"

namespace uplinkprobe::publish {
namespace {

// Paho's own in-flight limit must exceed the pump's window plus the status message, or
// publish() fails with MQTTASYNC_MAX_MESSAGES_INFLIGHT.
constexpr int kPahoMaxInflight = 256;
constexpr int kConnectTimeoutS = 15;
// A signed command lives at most 24 h (docs/control.md): the broker need not keep a silent
// probe's session longer than that.
constexpr uint32_t kCommandSessionS = 24 * 3600;

// State shared with Paho's threads. Paho callbacks lock `mu`, check `alive`, and post.
struct Shared {
  std::mutex mu;
  bool alive = true;
  Post post;
  uint64_t next_id = 1;
  std::map<uint64_t, std::function<void(bool)>> pending;  // publish id -> on_done
};

Error classifyConnectFailure(int rc, int reason, const ConnectSettings& s) {
  // Reason codes exist only in MQTT 5 CONNACKs; otherwise Paho reports 255 or 0 here.
  // Paho reports an MQTT 5 CONNACK reason code as the return code of the failed token.
  if (s.mqtt_version == 5 && rc >= 0x80 && rc <= 0xA2) reason = rc;
  if (s.mqtt_version != 5 || reason < 0x80 || reason > 0xA2) reason = 0;
  // MQTT 3.1.1 CONNACK return codes arrive as rc 1..5, MQTT 5 reason codes as reason >= 0x80.
  if (rc == 4 || reason == 0x86) {
    return makeError("auth", "broker " + s.uri + " refused user \"" + s.username +
                                 "\": bad user name or password (check password_file)");
  }
  if (rc == 5 || reason == 0x87) {
    // mosquitto answers a wrong password with "not authorised" too.
    return makeError("auth", "broker " + s.uri + " refused user \"" + s.username +
                                 "\" / client \"" + s.client_id +
                                 "\": not authorised (wrong password in password_file, unknown "
                                 "user, or certificate/ACL refused)");
  }
  if (rc == 2 || reason == 0x85) {
    return makeError("protocol", "broker " + s.uri + " rejected client id \"" + s.client_id + "\"");
  }
  if (rc == 1 || reason == 0x84) {
    return makeError("protocol", "broker " + s.uri + " does not accept MQTT protocol version " +
                                     std::to_string(s.mqtt_version));
  }
  if (rc == 3 || reason == 0x88 || reason == 0x89) {
    return makeError("connect", "broker " + s.uri + " is unavailable or busy");
  }
  if (reason >= 0x80) {
    return makeError("protocol", "broker " + s.uri + " refused the connection (reason code " +
                                     std::to_string(reason) + ")");
  }
  if (s.tls) {
    return makeError("tls", "TCP/TLS connection to " + s.uri +
                                " failed: broker unreachable, or TLS handshake failed (broker "
                                "certificate not signed by ca_file \"" +
                                (s.ca_file.empty() ? std::string("<system store>") : s.ca_file) +
                                "\", host name mismatch, or client certificate refused)" +
                                " [paho rc " + std::to_string(rc) + "]");
  }
  return makeError("connect", "TCP connection to " + s.uri +
                                  " failed: broker down or unreachable [paho rc " +
                                  std::to_string(rc) + "]");
}

class PahoPublisher final : public Publisher {
 public:
  PahoPublisher(ConnectSettings settings, StatusInfo status, Post post, const Clock& clock)
      : settings_(std::move(settings)),
        status_(std::move(status)),
        clock_(clock),
        shared_(std::make_shared<Shared>()),
        connect_listener_(shared_, this),
        publish_listener_(shared_) {
    shared_->post = post ? std::move(post) : Post([](std::function<void()> f) { f(); });
  }

  Status init() {
    try {
      mqtt::create_options create(settings_.mqtt_version == 5 ? MQTTVERSION_5 : MQTTVERSION_3_1_1);
      client_ =
          std::make_unique<mqtt::async_client>(settings_.uri, settings_.client_id, create, nullptr);
      std::weak_ptr<Shared> weak = shared_;
      PahoPublisher* self = this;
      client_->set_connection_lost_handler([weak, self](const std::string& cause) {
        auto sh = weak.lock();
        if (!sh) return;
        {
          std::lock_guard<std::mutex> g(sh->mu);
          if (!sh->alive) return;
          sh->pending.clear();  // their completions will never come; the pump re-sends
        }
        sh->post([weak, self, cause] {
          auto s2 = weak.lock();
          if (!s2 || !alive(*s2)) return;
          self->handleLost(cause);
        });
      });
      client_->set_message_callback([weak, self](mqtt::const_message_ptr m) {
        auto sh = weak.lock();
        if (!sh || !m || !alive(*sh)) return;
        std::string topic = m->get_topic();
        std::string payload = m->to_string();
        sh->post([weak, self, topic = std::move(topic), payload = std::move(payload)] {
          auto s2 = weak.lock();
          if (!s2 || !alive(*s2)) return;
          if (self->message_handler_) self->message_handler_(topic, payload);
        });
      });
      buildConnectOptions();
    } catch (const mqtt::exception& e) {
      return makeError("config", "[mqtt] uri \"" + settings_.uri + "\": " + e.what());
    }
    return Status::Ok();
  }

  ~PahoPublisher() override {
    {
      std::lock_guard<std::mutex> g(shared_->mu);
      shared_->alive = false;
      shared_->pending.clear();
    }
    if (client_) {
      try {
        if (client_->is_connected()) client_->disconnect(0)->wait_for(std::chrono::seconds(2));
      } catch (const mqtt::exception&) {
      }
      // Stops Paho's threads before the listeners (members) go away.
      client_.reset();
    }
  }

  void setListener(PublisherListener* listener) override { listener_ = listener; }

  void connectAsync() override {
    if (connected_ || attempt_pending_) return;
    attempt_pending_ = true;
    try {
      applySessionMode();
      client_->connect(conn_opts_, nullptr, connect_listener_);
    } catch (const mqtt::exception& e) {
      const int rc = e.get_return_code();
      Error err = classifyConnectFailure(rc, 0, settings_);
      err.message += std::string(" (") + e.what() + ")";
      std::weak_ptr<Shared> weak = shared_;
      shared_->post([weak, this, err] {
        auto sh = weak.lock();
        if (!sh || !alive(*sh)) return;
        handleConnectResult(false, err);
      });
    }
  }

  bool connected() const override { return connected_; }

  void subscribe(const std::string& filter, MessageHandler handler) override {
    subscription_ = filter;
    message_handler_ = std::move(handler);
  }

  void publish(const std::string& topic, const std::string& payload, int qos, bool retain,
               std::function<void(bool ok)> on_done) override {
    uint64_t id = 0;
    {
      std::lock_guard<std::mutex> g(shared_->mu);
      id = shared_->next_id++;
      shared_->pending.emplace(id, std::move(on_done));
    }
    bool failed = !connected_;
    if (!failed) {
      try {
        auto msg = mqtt::make_message(topic, payload, qos, retain);
        client_->publish(msg, reinterpret_cast<void*>(static_cast<uintptr_t>(id)),
                         publish_listener_);
      } catch (const mqtt::exception& e) {
        spdlog::warn("mqtt: publish to {} failed: {}", topic, e.what());
        failed = true;
      }
    }
    if (failed) publish_listener_.complete(id, false);
  }

  void disconnect(std::chrono::milliseconds timeout) override {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    auto left = [&] {
      return std::max(std::chrono::milliseconds(1),
                      std::chrono::duration_cast<std::chrono::milliseconds>(
                          deadline - std::chrono::steady_clock::now()));
    };
    if (!client_) return;
    try {
      if (client_->is_connected()) {
        auto msg = mqtt::make_message(
            statusTopic(), statusOfflineJson(status_, "shutdown", clock_.wallNow()), 1, true);
        auto tok = client_->publish(msg);
        if (!tok->wait_for(left() / 2)) {
          spdlog::warn("mqtt: offline status not acknowledged before shutdown deadline");
        }
        client_->disconnect(static_cast<int>(left().count()))->wait_for(left());
      }
    } catch (const mqtt::exception& e) {
      spdlog::warn("mqtt: clean disconnect failed: {}", e.what());
    }
    connected_ = false;
  }

 private:
  static bool alive(Shared& sh) {
    std::lock_guard<std::mutex> g(sh.mu);
    return sh.alive;
  }

  std::string statusTopic() const {
    return topicFor(settings_.topic_prefix, status_.identity.school_id, status_.identity.device_id,
                    "status");
  }

  void buildConnectOptions() {
    conn_opts_.set_mqtt_version(settings_.mqtt_version == 5 ? MQTTVERSION_5 : MQTTVERSION_3_1_1);
    if (settings_.mqtt_version == 5) {
      conn_opts_.set_clean_start(true);
    } else {
      conn_opts_.set_clean_session(true);
    }
    conn_opts_.set_keep_alive_interval(settings_.keepalive_s);
    conn_opts_.set_connect_timeout(kConnectTimeoutS);
    conn_opts_.set_automatic_reconnect(false);
    conn_opts_.set_max_inflight(kPahoMaxInflight);
    if (!settings_.username.empty()) conn_opts_.set_user_name(settings_.username);
    if (!settings_.password.empty()) conn_opts_.set_password(settings_.password);
    conn_opts_.set_will_message(mqtt::make_message(
        statusTopic(), statusOfflineJson(status_, "lwt", clock_.wallNow()), 1, true));
    if (settings_.tls) {
      mqtt::ssl_options ssl;
      if (!settings_.ca_file.empty()) ssl.set_trust_store(settings_.ca_file);
      if (!settings_.cert_file.empty()) ssl.set_key_store(settings_.cert_file);
      if (!settings_.key_file.empty()) ssl.set_private_key(settings_.key_file);
      ssl.set_enable_server_cert_auth(!settings_.insecure_skip_verify);
      ssl.set_verify(!settings_.insecure_skip_verify);  // host name check
      conn_opts_.set_ssl(std::move(ssl));
    }
  }

  // With a command subscription the broker keeps the session (and so the subscription and
  // the QoS 1 commands that arrive while the probe is offline) for kCommandSessionS: a
  // command queued during a power cut or a broker outage is delivered on reconnect and
  // judged then (an expired one is refused). Without one the session is clean: records are
  // re-sent from the journal, so nothing is lost by the broker forgetting the probe.
  void applySessionMode() {
    const bool keep = !subscription_.empty();
    if (settings_.mqtt_version == 5) {
      conn_opts_.set_clean_start(!keep);
      mqtt::properties props;
      if (keep) props.add({mqtt::property::SESSION_EXPIRY_INTERVAL, kCommandSessionS});
      conn_opts_.set_properties(std::move(props));
    } else {
      conn_opts_.set_clean_session(!keep);
    }
  }

  void handleConnectResult(bool ok, const Error& err) {
    attempt_pending_ = false;
    connected_ = ok;
    if (ok && !subscription_.empty()) {
      try {
        // Not awaited: a refused subscription (ACL) shows in the broker log; the probe
        // measures and publishes regardless.
        client_->subscribe(subscription_, 1);
      } catch (const mqtt::exception& e) {
        spdlog::warn("mqtt: cannot subscribe to {}: {}", subscription_, e.what());
      }
    }
    if (listener_ == nullptr) return;
    if (ok) {
      listener_->onConnected();
    } else {
      listener_->onConnectFailed(err);
    }
  }

  void handleLost(const std::string& cause) {
    const bool was = connected_;
    connected_ = false;
    attempt_pending_ = false;
    if (was && listener_ != nullptr) listener_->onConnectionLost(cause);
  }

  class ConnectListener final : public mqtt::iaction_listener {
   public:
    ConnectListener(std::shared_ptr<Shared> shared, PahoPublisher* owner)
        : shared_(std::move(shared)), owner_(owner) {}
    void on_success(const mqtt::token&) override { deliver(true, Error{}); }
    void on_failure(const mqtt::token& tok) override {
      deliver(false,
              classifyConnectFailure(tok.get_return_code(), static_cast<int>(tok.get_reason_code()),
                                     owner_->settings_));
    }

   private:
    void deliver(bool ok, Error err) {
      std::weak_ptr<Shared> weak = shared_;
      PahoPublisher* owner = owner_;
      if (!alive(*shared_)) return;
      // Posted outside the lock: an inline Post runs the listener, which may publish.
      shared_->post([weak, owner, ok, err] {
        auto sh = weak.lock();
        if (!sh || !alive(*sh)) return;
        owner->handleConnectResult(ok, err);
      });
    }
    std::shared_ptr<Shared> shared_;
    PahoPublisher* owner_;
  };

  class PublishListener final : public mqtt::iaction_listener {
   public:
    explicit PublishListener(std::shared_ptr<Shared> shared) : shared_(std::move(shared)) {}
    void on_success(const mqtt::token& tok) override { complete(idOf(tok), true); }
    void on_failure(const mqtt::token& tok) override { complete(idOf(tok), false); }
    // Hands on_done(ok) to the owner thread once; unknown ids (dropped on connection loss
    // or destruction) are ignored.
    void complete(uint64_t id, bool ok) {
      std::function<void(bool)> cb;
      {
        std::lock_guard<std::mutex> g(shared_->mu);
        if (!shared_->alive) return;
        auto it = shared_->pending.find(id);
        if (it == shared_->pending.end()) return;
        cb = std::move(it->second);
        shared_->pending.erase(it);
      }
      std::weak_ptr<Shared> weak = shared_;
      shared_->post([weak, cb = std::move(cb), ok] {
        auto sh = weak.lock();
        if (!sh || !alive(*sh)) return;
        if (cb) cb(ok);
      });
    }

   private:
    static uint64_t idOf(const mqtt::token& tok) {
      return static_cast<uint64_t>(reinterpret_cast<uintptr_t>(tok.get_user_context()));
    }
    std::shared_ptr<Shared> shared_;
  };

  ConnectSettings settings_;
  StatusInfo status_;
  const Clock& clock_;
  std::shared_ptr<Shared> shared_;
  ConnectListener connect_listener_;
  PublishListener publish_listener_;
  mqtt::connect_options conn_opts_;             // lives as long as the client (Paho keeps pointers)
  std::unique_ptr<mqtt::async_client> client_;  // declared last: destroyed first
  PublisherListener* listener_ = nullptr;       // owner thread only
  std::string subscription_;                    // owner thread only
  MessageHandler message_handler_;              // owner thread only
  bool connected_ = false;                      // owner thread only
  bool attempt_pending_ = false;                // owner thread only
};

}  // namespace

void initMqttLibraryAtStart() {
  MQTTAsync_init_options init = MQTTAsync_init_options_initializer;
  init.do_openssl_init = 0;
  MQTTAsync_global_init(&init);
}

Result<std::unique_ptr<Publisher>> makePahoPublisher(const ConnectSettings& settings,
                                                     const StatusInfo& status, Post post,
                                                     const Clock& clock) {
  for (const auto& w : settings.warnings) spdlog::warn("mqtt: {}", w);
  if (settings.tls && settings.insecure_skip_verify) {
    spdlog::critical(
        "mqtt: insecure_skip_verify = true: the broker's TLS certificate is NOT verified; "
        "anyone on the path can impersonate the broker. LAB USE ONLY.");
  }
  auto p = std::make_unique<PahoPublisher>(settings, status, std::move(post), clock);
  if (auto st = p->init(); !st) return st.error();
  return std::unique_ptr<Publisher>(std::move(p));
}

Result<std::unique_ptr<Publisher>> makePahoPublisher(const config::MqttConfig& mqtt,
                                                     const StatusInfo& status, Post post,
                                                     const Clock& clock) {
  auto s = makeConnectSettings(mqtt, status.identity.device_id);
  if (!s) return s.error();
  return makePahoPublisher(s.value(), status, std::move(post), clock);
}

}  // namespace uplinkprobe::publish
