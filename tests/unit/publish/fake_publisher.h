// FakePublisher: records every call and lets a test play the broker (accept, refuse, drop,
// acknowledge) synchronously on the test thread, as the owner-thread contract requires.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "agent/publish/publisher.h"

namespace uplinkprobe::publish::testing {

class FakePublisher final : public Publisher {
 public:
  struct Sent {
    std::string topic;
    std::string payload;
    int qos;
    bool retain;
    std::function<void(bool)> on_done;
  };

  void setListener(PublisherListener* l) override { listener = l; }
  void connectAsync() override { ++connect_calls; }
  bool connected() const override { return connected_; }
  void publish(const std::string& topic, const std::string& payload, int qos, bool retain,
               std::function<void(bool)> on_done) override {
    sent.push_back({topic, payload, qos, retain, std::move(on_done)});
  }
  void disconnect(std::chrono::milliseconds) override { connected_ = false; }

  void accept() {
    connected_ = true;
    listener->onConnected();
  }
  void refuse(ErrorKind kind = ErrorKind::kAuth) {
    listener->onConnectFailed(Error{kind, "refused by test"});
  }
  void drop() {
    connected_ = false;
    listener->onConnectionLost("test drop");
  }
  // Completes sent[i]; the callback is consumed so a double ack is a test bug, not a pass.
  void complete(size_t i, bool ok = true) {
    auto cb = std::move(sent.at(i).on_done);
    sent.at(i).on_done = nullptr;
    if (cb) cb(ok);
  }
  // Records only (status messages filtered out), in send order.
  std::vector<Sent> records() const {
    std::vector<Sent> out;
    for (const auto& s : sent) {
      if (s.topic.size() < 7 || s.topic.compare(s.topic.size() - 7, 7, "/status") != 0) {
        out.push_back(s);
      }
    }
    return out;
  }
  size_t indexOfSeqPayload(const std::string& payload, size_t from = 0) const {
    for (size_t i = from; i < sent.size(); ++i) {
      if (sent[i].payload == payload) return i;
    }
    return static_cast<size_t>(-1);
  }

  PublisherListener* listener = nullptr;
  int connect_calls = 0;
  std::vector<Sent> sent;

 private:
  bool connected_ = false;
};

}  // namespace uplinkprobe::publish::testing
