#include "agent/publish/paho_publisher.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdint>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "agent/publish/mqtt_library.h"
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
// The first byte of an MQTT 5 reason code that is a failure.
constexpr int kFirstFailureReason = 0x80;

class PahoPublisher;

// What Paho's threads may reach of one publisher. The owner pointer is used only on the owner
// thread and only while `alive` (the destructor clears it on the owner thread first).
struct Shared {
  std::mutex mu;
  bool alive = true;
  Post post;
  PahoPublisher* owner = nullptr;
  const MqttLibrary* lib = nullptr;
};

// Paho's callbacks get a context pointer; it is never a pointer to an object that could be
// gone (MQTTAsync_destroy does not wait for a callback already running on Paho's thread).
// It is a key into this registry instead: a session key for the session's callbacks
// (connect, connection lost, message), a publish key for one publish's completion. The
// registry outlives every Paho thread (never destroyed). Its mutex is never held while a
// Paho function is called, nor while posting.
struct PendingPublish {
  uintptr_t session = 0;
  std::function<void(bool)> on_done;
};

struct Registry {
  std::mutex mu;
  uintptr_t next_key = 1;
  std::unordered_map<uintptr_t, std::shared_ptr<Shared>> sessions;
  std::unordered_map<uintptr_t, PendingPublish> publishes;

  // Under mu. Keys are unique among the live ones (uintptr_t is 32 bits on armhf: a wrap
  // after 2^32 keys skips 0 and any key still in use).
  uintptr_t newKey() {
    for (;;) {
      const uintptr_t k = next_key++;
      if (k != 0 && sessions.count(k) == 0 && publishes.count(k) == 0) return k;
    }
  }
};

Registry& registry() {
  static Registry* r = new Registry;  // never destroyed: Paho threads may call back at exit
  return *r;
}

void* contextOf(uintptr_t key) { return reinterpret_cast<void*>(key); }
uintptr_t keyOf(void* context) { return reinterpret_cast<uintptr_t>(context); }

std::shared_ptr<Shared> sessionOf(uintptr_t key) {
  Registry& r = registry();
  std::lock_guard<std::mutex> g(r.mu);
  auto it = r.sessions.find(key);
  return it == r.sessions.end() ? nullptr : it->second;
}

bool alive(Shared& sh) {
  std::lock_guard<std::mutex> g(sh.mu);
  return sh.alive;
}

// Runs f(owner) on the owner thread, unless the publisher is gone by then.
template <typename F>
void postToOwner(const std::shared_ptr<Shared>& sh, F f) {
  if (!alive(*sh)) return;
  sh->post([sh, f = std::move(f)] {
    if (!alive(*sh)) return;
    f(*sh->owner);
  });
}

// Drops the pending completions of a session: their PUBACKs will never come (connection
// lost) or must not be delivered (publisher destroyed). The pump re-sends from the journal.
void dropPublishes(uintptr_t session) {
  Registry& r = registry();
  std::vector<std::function<void(bool)>> dropped;  // destroyed outside the lock
  std::lock_guard<std::mutex> g(r.mu);
  for (auto it = r.publishes.begin(); it != r.publishes.end();) {
    if (it->second.session == session) {
      dropped.push_back(std::move(it->second.on_done));
      it = r.publishes.erase(it);
    } else {
      ++it;
    }
  }
}

// Hands on_done(ok) of one publish to the owner thread once; unknown keys (dropped on
// connection loss or destruction) are ignored.
void completePublish(uintptr_t key, bool ok) {
  std::function<void(bool)> cb;
  std::shared_ptr<Shared> sh;
  {
    Registry& r = registry();
    std::lock_guard<std::mutex> g(r.mu);
    auto it = r.publishes.find(key);
    if (it == r.publishes.end()) return;
    cb = std::move(it->second.on_done);
    auto s = r.sessions.find(it->second.session);
    r.publishes.erase(it);
    if (s == r.sessions.end()) return;
    sh = s->second;
  }
  if (!alive(*sh)) return;
  sh->post([sh, cb = std::move(cb), ok] {
    if (!alive(*sh)) return;
    if (cb) cb(ok);
  });
}

Error classifyConnectFailure(int rc, int reason, const ConnectSettings& s) {
  // Reason codes exist only in MQTT 5 CONNACKs; otherwise Paho reports 255 or 0 here.
  // Paho reports an MQTT 5 CONNACK reason code as the return code of the failed token.
  if (s.mqtt_version == 5 && rc >= 0x80 && rc <= 0xA2) reason = rc;
  if (s.mqtt_version != 5 || reason < 0x80 || reason > 0xA2) reason = 0;
  // MQTT 3.1.1 CONNACK return codes arrive as rc 1..5, MQTT 5 reason codes as reason >= 0x80.
  if (rc == 4 || reason == 0x86) {
    return makeError(ErrorKind::kAuth, "broker " + s.uri + " refused user \"" + s.username +
                                           "\": bad user name or password (check password_file)");
  }
  if (rc == 5 || reason == 0x87) {
    // mosquitto answers a wrong password with "not authorised" too.
    return makeError(ErrorKind::kAuth,
                     "broker " + s.uri + " refused user \"" + s.username + "\" / client \"" +
                         s.client_id +
                         "\": not authorised (wrong password in password_file, unknown "
                         "user, or certificate/ACL refused)");
  }
  if (rc == 2 || reason == 0x85) {
    return makeError(ErrorKind::kProtocol,
                     "broker " + s.uri + " rejected client id \"" + s.client_id + "\"");
  }
  if (rc == 1 || reason == 0x84) {
    return makeError(ErrorKind::kProtocol, "broker " + s.uri +
                                               " does not accept MQTT protocol version " +
                                               std::to_string(s.mqtt_version));
  }
  if (rc == 3 || reason == 0x88 || reason == 0x89) {
    return makeError(ErrorKind::kConnect, "broker " + s.uri + " is unavailable or busy");
  }
  if (reason >= 0x80) {
    return makeError(
        ErrorKind::kProtocol,
        "broker " + s.uri + " refused the connection (reason code " + std::to_string(reason) + ")");
  }
  if (s.tls) {
    return makeError(ErrorKind::kTls,
                     "TCP/TLS connection to " + s.uri +
                         " failed: broker unreachable, or TLS handshake failed (broker "
                         "certificate not signed by ca_file \"" +
                         (s.ca_file.empty() ? std::string("<system store>") : s.ca_file) +
                         "\", host name mismatch, or client certificate refused)" + " [paho rc " +
                         std::to_string(rc) + "]");
  }
  return makeError(ErrorKind::kConnect, "TCP connection to " + s.uri +
                                            " failed: broker down or unreachable [paho rc " +
                                            std::to_string(rc) + "]");
}

// Paho's callbacks (its threads). Defined after PahoPublisher.
void onConnectionLost(void* context, char* cause);
int onMessageArrived(void* context, char* topic, int topic_len, MQTTAsync_message* message);
void onConnectSuccess(void* context, MQTTAsync_successData* response);
void onConnectSuccess5(void* context, MQTTAsync_successData5* response);
void onConnectFailure(void* context, MQTTAsync_failureData* response);
void onConnectFailure5(void* context, MQTTAsync_failureData5* response);
void onPublishSuccess(void* context, MQTTAsync_successData* response);
void onPublishSuccess5(void* context, MQTTAsync_successData5* response);
void onPublishFailure(void* context, MQTTAsync_failureData* response);
void onPublishFailure5(void* context, MQTTAsync_failureData5* response);

class PahoPublisher final : public Publisher {
 public:
  PahoPublisher(ConnectSettings settings, StatusInfo status, Post post, const Clock& clock,
                const MqttLibrary& lib)
      : settings_(std::move(settings)),
        status_(std::move(status)),
        clock_(clock),
        lib_(lib),
        v5_(settings_.mqtt_version == 5),
        shared_(std::make_shared<Shared>()) {
    shared_->post = post ? std::move(post) : Post([](std::function<void()> f) { f(); });
    shared_->owner = this;
    shared_->lib = &lib_;
  }

  Status init() {
    {
      Registry& r = registry();
      std::lock_guard<std::mutex> g(r.mu);
      key_ = r.newKey();
      r.sessions.emplace(key_, shared_);
    }
    // No persistence (the journal is the only store) and no offline buffering
    // (sendWhileDisconnected = 0): nothing is published while disconnected.
    MQTTAsync_createOptions create = MQTTAsync_createOptions_initializer;
    create.MQTTVersion = v5_ ? MQTTVERSION_5 : MQTTVERSION_3_1_1;
    create.sendWhileDisconnected = 0;
    int rc = lib_.create_with_options(&client_, settings_.uri.c_str(), settings_.client_id.c_str(),
                                      MQTTCLIENT_PERSISTENCE_NONE, nullptr, &create);
    if (rc != MQTTASYNC_SUCCESS) {
      client_ = nullptr;
      return makeError(ErrorKind::kConfig,
                       "[mqtt] uri \"" + settings_.uri + "\": " + pahoError(rc));
    }
    rc = lib_.set_callbacks(client_, contextOf(key_), onConnectionLost, onMessageArrived, nullptr);
    if (rc != MQTTASYNC_SUCCESS) {
      return makeError(ErrorKind::kInternal,
                       "mqtt: cannot install the Paho callbacks: " + pahoError(rc));
    }
    will_topic_ = statusTopic();
    will_payload_ = statusOfflineJson(status_, "lwt", clock_.wallNow());
    return Status::Ok();
  }

  ~PahoPublisher() override {
    {
      std::lock_guard<std::mutex> g(shared_->mu);
      shared_->alive = false;
    }
    if (client_ != nullptr) {
      if (lib_.is_connected(client_)) {
        MQTTAsync_disconnectOptions d = disconnectOptions();
        d.timeout = 0;
        if (lib_.disconnect(client_, &d) == MQTTASYNC_SUCCESS) {
          waitUntilDisconnected(std::chrono::steady_clock::now() + std::chrono::seconds(2));
        }
      }
      // Stops this client's callbacks (one already running finds the registry entry or not;
      // both are safe) before the registry forgets the session.
      lib_.destroy(&client_);
    }
    dropPublishes(key_);
    Registry& r = registry();
    std::lock_guard<std::mutex> g(r.mu);
    r.sessions.erase(key_);
  }

  void setListener(PublisherListener* listener) override { listener_ = listener; }

  void connectAsync() override {
    if (connected_ || attempt_pending_) return;
    attempt_pending_ = true;
    // With a command subscription the broker keeps the session (and so the subscription and
    // the QoS 1 commands that arrive while the probe is offline) for kCommandSessionS: a
    // command queued during a power cut or a broker outage is delivered on reconnect and
    // judged then (an expired one is refused). Without one the session is clean: records are
    // re-sent from the journal, so nothing is lost by the broker forgetting the probe.
    const bool keep = !subscription_.empty();
    MQTTAsync_connectOptions o = MQTTAsync_connectOptions_initializer;
    MQTTAsync_connectOptions o5 = MQTTAsync_connectOptions_initializer5;
    if (v5_) o = o5;
    o.MQTTVersion = v5_ ? MQTTVERSION_5 : MQTTVERSION_3_1_1;
    if (v5_) {
      o.cleansession = 0;
      o.cleanstart = keep ? 0 : 1;
    } else {
      o.cleansession = keep ? 0 : 1;
    }
    o.keepAliveInterval = settings_.keepalive_s;
    o.connectTimeout = kConnectTimeoutS;
    o.automaticReconnect = 0;
    o.maxInflight = kPahoMaxInflight;
    o.username = settings_.username.empty() ? nullptr : settings_.username.c_str();
    o.password = settings_.password.empty() ? nullptr : settings_.password.c_str();
    // The Last Will: retained offline status, QoS 1 (Paho copies it, as every option string).
    MQTTAsync_willOptions will = MQTTAsync_willOptions_initializer;
    will.topicName = will_topic_.c_str();
    will.message = nullptr;
    will.payload.data = will_payload_.data();
    will.payload.len = static_cast<int>(will_payload_.size());
    will.retained = 1;
    will.qos = 1;
    o.will = &will;
    // TLS. The error callback (ssl_error_cb) is not installed: failures are classified from
    // the connect outcome. CApath is not used: ca_file or the system store.
    MQTTAsync_SSLOptions ssl = MQTTAsync_SSLOptions_initializer;
    if (settings_.tls) {
      ssl.trustStore = settings_.ca_file.empty() ? nullptr : settings_.ca_file.c_str();
      ssl.keyStore = settings_.cert_file.empty() ? nullptr : settings_.cert_file.c_str();
      ssl.privateKey = settings_.key_file.empty() ? nullptr : settings_.key_file.c_str();
      ssl.enableServerCertAuth = settings_.insecure_skip_verify ? 0 : 1;
      ssl.verify = settings_.insecure_skip_verify ? 0 : 1;  // host name check
      o.ssl = &ssl;
    }
    MQTTProperties props = MQTTProperties_initializer;
    if (v5_ && keep) {
      MQTTProperty expiry{};
      expiry.identifier = MQTTPROPERTY_CODE_SESSION_EXPIRY_INTERVAL;
      expiry.value.integer4 = kCommandSessionS;
      lib_.properties_add(&props, &expiry);
      o.connectProperties = &props;
    }
    o.context = contextOf(key_);
    if (v5_) {
      o.onSuccess5 = onConnectSuccess5;
      o.onFailure5 = onConnectFailure5;
    } else {
      o.onSuccess = onConnectSuccess;
      o.onFailure = onConnectFailure;
    }
    const int rc = lib_.connect(client_, &o);
    lib_.properties_free(&props);  // Paho copied them
    if (rc != MQTTASYNC_SUCCESS) {
      Error err = classifyConnectFailure(rc, 0, settings_);
      err.message += " (" + pahoError(rc) + ")";
      // Delivered like every other outcome: later, on the owner thread.
      postToOwner(shared_, [err](PahoPublisher& p) { p.handleConnectResult(false, err); });
    }
  }

  bool connected() const override { return connected_; }

  void subscribe(const std::string& filter, MessageHandler handler) override {
    subscription_ = filter;
    message_handler_ = std::move(handler);
  }

  void publish(const std::string& topic, const std::string& payload, int qos, bool retain,
               std::function<void(bool ok)> on_done) override {
    uintptr_t key = 0;
    {
      Registry& r = registry();
      std::lock_guard<std::mutex> g(r.mu);
      key = r.newKey();
      r.publishes.emplace(key, PendingPublish{key_, std::move(on_done)});
    }
    bool failed = !connected_;
    if (!failed) {
      MQTTAsync_message msg = MQTTAsync_message_initializer;
      msg.payload = const_cast<char*>(payload.data());  // Paho copies it
      msg.payloadlen = static_cast<int>(payload.size());
      msg.qos = qos;
      msg.retained = retain ? 1 : 0;
      MQTTAsync_responseOptions ro = MQTTAsync_responseOptions_initializer;
      ro.context = contextOf(key);
      if (v5_) {
        ro.onSuccess5 = onPublishSuccess5;
        ro.onFailure5 = onPublishFailure5;
      } else {
        ro.onSuccess = onPublishSuccess;
        ro.onFailure = onPublishFailure;
      }
      const int rc = lib_.send_message(client_, topic.c_str(), &msg, &ro);
      if (rc != MQTTASYNC_SUCCESS) {
        spdlog::warn("mqtt: publish to {} failed: {}", topic, pahoError(rc));
        failed = true;
      }
    }
    if (failed) completePublish(key, false);
  }

  void disconnect(std::chrono::milliseconds timeout) override {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    auto left = [&] {
      return std::max(std::chrono::milliseconds(1),
                      std::chrono::duration_cast<std::chrono::milliseconds>(
                          deadline - std::chrono::steady_clock::now()));
    };
    if (client_ == nullptr) return;
    if (lib_.is_connected(client_)) {
      const std::string topic = statusTopic();
      const std::string payload = statusOfflineJson(status_, "shutdown", clock_.wallNow());
      MQTTAsync_message msg = MQTTAsync_message_initializer;
      msg.payload = const_cast<char*>(payload.data());
      msg.payloadlen = static_cast<int>(payload.size());
      msg.qos = 1;
      msg.retained = 1;
      MQTTAsync_responseOptions ro = MQTTAsync_responseOptions_initializer;  // awaited below
      int rc = lib_.send_message(client_, topic.c_str(), &msg, &ro);
      if (rc != MQTTASYNC_SUCCESS) {
        spdlog::warn("mqtt: offline status not sent before shutdown: {}", pahoError(rc));
      } else if (lib_.wait_for_completion(client_, ro.token,
                                          static_cast<unsigned long>((left() / 2).count())) !=
                 MQTTASYNC_SUCCESS) {
        spdlog::warn("mqtt: offline status not acknowledged before shutdown deadline");
      }
      MQTTAsync_disconnectOptions d = disconnectOptions();
      d.timeout = static_cast<int>(left().count());
      rc = lib_.disconnect(client_, &d);
      if (rc != MQTTASYNC_SUCCESS) {
        spdlog::warn("mqtt: clean disconnect failed: {}", pahoError(rc));
      } else {
        waitUntilDisconnected(deadline);
      }
    }
    connected_ = false;
  }

  // Owner thread (posted by the callbacks below).
  void handleConnectResult(bool ok, const Error& err) {
    attempt_pending_ = false;
    connected_ = ok;
    if (ok && !subscription_.empty()) {
      // Not awaited: a refused subscription (ACL) shows in the broker log; the probe
      // measures and publishes regardless.
      MQTTAsync_responseOptions ro = MQTTAsync_responseOptions_initializer;
      const int rc = lib_.subscribe(client_, subscription_.c_str(), 1, &ro);
      if (rc != MQTTASYNC_SUCCESS) {
        spdlog::warn("mqtt: cannot subscribe to {}: {}", subscription_, pahoError(rc));
      }
    }
    if (listener_ == nullptr) return;
    if (ok) {
      listener_->onConnected();
    } else {
      listener_->onConnectFailed(err);
    }
  }

  void handleConnectFailure(int rc, int reason) {
    handleConnectResult(false, classifyConnectFailure(rc, reason, settings_));
  }

  void handleLost(const std::string& cause) {
    const bool was = connected_;
    connected_ = false;
    attempt_pending_ = false;
    if (was && listener_ != nullptr) listener_->onConnectionLost(cause);
  }

  void handleMessage(const std::string& topic, const std::string& payload) {
    if (message_handler_) message_handler_(topic, payload);
  }

 private:
  std::string pahoError(int rc) const {
    const char* what = lib_.strerror(rc);
    return std::string(what != nullptr ? what : "error") + " [paho rc " + std::to_string(rc) + "]";
  }

  std::string statusTopic() const {
    return topicFor(settings_.topic_prefix, status_.identity.school_id, status_.identity.device_id,
                    "status");
  }

  MQTTAsync_disconnectOptions disconnectOptions() const {
    MQTTAsync_disconnectOptions d = MQTTAsync_disconnectOptions_initializer;
    MQTTAsync_disconnectOptions d5 = MQTTAsync_disconnectOptions_initializer5;
    return v5_ ? d5 : d;
  }

  // MQTTAsync_disconnect only queues the DISCONNECT; the session is closed when Paho's
  // thread has sent it (after in-flight messages, up to the disconnect timeout).
  void waitUntilDisconnected(std::chrono::steady_clock::time_point deadline) {
    while (lib_.is_connected(client_) && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }

  ConnectSettings settings_;
  StatusInfo status_;
  const Clock& clock_;
  const MqttLibrary& lib_;
  const bool v5_;
  std::shared_ptr<Shared> shared_;
  uintptr_t key_ = 0;           // this session in the registry
  MQTTAsync client_ = nullptr;  // owner thread only
  std::string will_topic_;
  std::string will_payload_;
  PublisherListener* listener_ = nullptr;  // owner thread only
  std::string subscription_;               // owner thread only
  MessageHandler message_handler_;         // owner thread only
  bool connected_ = false;                 // owner thread only
  bool attempt_pending_ = false;           // owner thread only
};

void onConnectionLost(void* context, char* cause) {
  const uintptr_t key = keyOf(context);
  auto sh = sessionOf(key);
  if (!sh) return;
  dropPublishes(key);  // their completions will never come; the pump re-sends
  std::string why = cause != nullptr ? cause : "";
  postToOwner(sh, [why = std::move(why)](PahoPublisher& p) { p.handleLost(why); });
}

int onMessageArrived(void* context, char* topic, int topic_len, MQTTAsync_message* message) {
  auto sh = sessionOf(keyOf(context));
  // A session is forgotten only after MQTTAsync_destroy, after which no message arrives.
  if (!sh) return 1;
  std::string t = topic_len > 0 ? std::string(topic, static_cast<size_t>(topic_len)) : topic;
  std::string payload;
  if (message != nullptr && message->payload != nullptr && message->payloadlen > 0) {
    payload.assign(static_cast<const char*>(message->payload),
                   static_cast<size_t>(message->payloadlen));
  }
  // Freed by the library that allocated them (Paho tracks its heap).
  sh->lib->free_message(&message);
  sh->lib->free(topic);
  postToOwner(sh, [t = std::move(t), payload = std::move(payload)](PahoPublisher& p) {
    p.handleMessage(t, payload);
  });
  return 1;  // handled: Paho acknowledges it
}

void deliverConnect(void* context, bool ok, int rc, int reason) {
  auto sh = sessionOf(keyOf(context));
  if (!sh) return;
  postToOwner(sh, [ok, rc, reason](PahoPublisher& p) {
    if (ok) {
      p.handleConnectResult(true, Error{});
    } else {
      p.handleConnectFailure(rc, reason);
    }
  });
}

void onConnectSuccess(void* context, MQTTAsync_successData*) {
  deliverConnect(context, true, 0, 0);
}
void onConnectSuccess5(void* context, MQTTAsync_successData5*) {
  deliverConnect(context, true, 0, 0);
}
void onConnectFailure(void* context, MQTTAsync_failureData* response) {
  // MQTT 3.1.1: a refused CONNACK's return code (1..5) is the code.
  deliverConnect(context, false, response != nullptr ? response->code : MQTTASYNC_FAILURE, 0);
}
void onConnectFailure5(void* context, MQTTAsync_failureData5* response) {
  deliverConnect(context, false, response != nullptr ? response->code : MQTTASYNC_FAILURE,
                 response != nullptr ? static_cast<int>(response->reasonCode) : 0);
}

void onPublishSuccess(void* context, MQTTAsync_successData*) {
  completePublish(keyOf(context), true);
}
void onPublishSuccess5(void* context, MQTTAsync_successData5* response) {
  // Paho 1.3 reports a PUBACK reason code >= 0x80 as a failure; checked here too.
  completePublish(keyOf(context), response == nullptr ||
                                      static_cast<int>(response->reasonCode) < kFirstFailureReason);
}
void onPublishFailure(void* context, MQTTAsync_failureData*) {
  completePublish(keyOf(context), false);
}
void onPublishFailure5(void* context, MQTTAsync_failureData5*) {
  completePublish(keyOf(context), false);
}

}  // namespace

Result<std::unique_ptr<Publisher>> makePahoPublisher(const ConnectSettings& settings,
                                                     const StatusInfo& status, Post post,
                                                     const Clock& clock) {
  for (const auto& w : settings.warnings) spdlog::warn("mqtt: {}", w);
  if (settings.tls && settings.insecure_skip_verify) {
    spdlog::critical(
        "mqtt: insecure_skip_verify = true: the broker's TLS certificate is NOT verified; "
        "anyone on the path can impersonate the broker. LAB USE ONLY.");
  }
  // tcp:// loads the Paho variant without TLS: no libssl/libcrypto for a plain broker.
  auto lib = loadMqtt(settings.tls);
  if (!lib) return lib.error();
  auto p = std::make_unique<PahoPublisher>(settings, status, std::move(post), clock, *lib.value());
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
