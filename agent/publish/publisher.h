// Publisher: the narrow interface over the MQTT broker session, so that delivery logic
// (DeliveryPump) is unit-tested with a fake and mqtt::async_client never leaks past the Paho
// adapter (paho_publisher.h).
//
// Threads (the contract both the adapter and fakes keep):
// - Every method is called from ONE owner thread (the daemon's Asio loop).
// - Every notification (PublisherListener methods and publish() completions) is delivered
//   on the owner thread too: the adapter receives them on Paho's threads and hands them over
//   through the Post function it was given (the daemon passes
//   `[&io](auto f) { asio::post(io, std::move(f)); }`). Nothing is called back from inside
//   connectAsync()/publish() themselves, so the caller's state is never re-entered.
// - Nothing here blocks except disconnect(), which waits at most its timeout.
#pragma once

#include <chrono>
#include <functional>
#include <string>

#include "common/result.h"

namespace uplinkprobe::publish {

// Schedules a closure onto the owner thread. Must be callable from any thread; must not run
// the closure inline when called from a foreign thread if the owner thread may be busy with
// the same objects (asio::post is right; an inline runner is only for single-threaded tools).
using Post = std::function<void(std::function<void()>)>;

class PublisherListener {
 public:
  virtual ~PublisherListener() = default;
  // The session is up (CONNACK accepted). Called after every successful connectAsync().
  virtual void onConnected() = 0;
  // A connectAsync() attempt failed. error.kind: "auth" (bad user name/password or not
  // authorised), "tls" (handshake/verification), "connect" (refused, unreachable, timeout),
  // "protocol"; error.message names the cause for a technician.
  virtual void onConnectFailed(const Error& error) = 0;
  // An established session dropped. Pending publish() completions of that session may never
  // arrive; the listener must treat them as not acknowledged.
  virtual void onConnectionLost(const std::string& cause) = 0;
};

class Publisher {
 public:
  virtual ~Publisher() = default;
  // The listener receives session events; nullptr detaches. Not owned; must outlive the
  // Publisher or be detached first.
  virtual void setListener(PublisherListener* listener) = 0;
  // Starts one connection attempt; its outcome arrives as onConnected() or
  // onConnectFailed(). No automatic retry here: the caller owns the retry policy (Paho's
  // own automatic reconnect does not retry the first connect, see docs/mqtt.md). A call
  // while connected or while an attempt is pending is ignored.
  virtual void connectAsync() = 0;
  // True between onConnected() and onConnectionLost()/disconnect() as seen on the owner
  // thread.
  virtual bool connected() const = 0;
  // Sends one message. on_done(true) when the broker acknowledged it (PUBACK for QoS 1, the
  // write for QoS 0); on_done(false) when the send failed or was refused (e.g. an MQTT 5
  // PUBACK reason code >= 0x80, not connected). on_done may never be called if the
  // session drops first (see onConnectionLost). Called at most once, on the owner thread.
  virtual void publish(const std::string& topic, const std::string& payload, int qos, bool retain,
                       std::function<void(bool ok)> on_done) = 0;
  // Incoming messages (the device's command topic, docs/control.md). `handler` is called on
  // the owner thread with each message on `filter`, QoS 1; the subscription is (re)made
  // after every successful connect, before onConnected() is delivered (the session is clean,
  // so the broker keeps nothing between connections). Call once, before connectAsync().
  // Default: no subscriptions (fakes that only publish).
  using MessageHandler = std::function<void(const std::string& topic, const std::string& payload)>;
  virtual void subscribe(const std::string& filter, MessageHandler handler) {}
  // Clean shutdown: publishes the retained offline status (so the Last Will is not
  // needed), then disconnects. Blocks at most `timeout` in total.
  virtual void disconnect(std::chrono::milliseconds timeout) = 0;
};

}  // namespace uplinkprobe::publish
