// A stand-in agent run in a child process (the test binary re-executed with
// UP_MQTT_CHILD set): file journal + Paho publisher + DeliveryPump on one loop, appending a
// record every interval. Tests SIGKILL it to check the Last Will and that no seq is lost.
// Re-exec instead of a bare fork(): the parent may already run Paho threads.
#pragma once

#include <unistd.h>

#include <cstdlib>
#include <string>
#include <thread>

#include <spdlog/spdlog.h>

#include "agent/journal/journal.h"
#include "agent/publish/delivery_pump.h"
#include "agent/publish/paho_publisher.h"
#include "tests/integration/publish/mosquitto_fixture.h"

namespace uplinkprobe::publish::testing {

struct ChildSpec {
  std::string uri;
  std::string journal_dir;
  std::string prefix = "itest/v1";
  int keepalive_s = 2;
  int interval_ms = 30;  // 0 = only deliver, append nothing
};

inline std::string encode(const ChildSpec& s) {
  return s.uri + "|" + s.journal_dir + "|" + s.prefix + "|" + std::to_string(s.keepalive_s) + "|" +
         std::to_string(s.interval_ms);
}

// Spawns the child; returns its pid.
inline pid_t spawnChild(const ChildSpec& s) {
  const std::string env = "UP_MQTT_CHILD=" + encode(s);
  pid_t pid = ::fork();
  if (pid == 0) {
    ::putenv(const_cast<char*>(env.c_str()));
    ::execl("/proc/self/exe", "agent-child", static_cast<char*>(nullptr));
    ::_exit(127);
  }
  return pid;
}

[[noreturn]] inline void runChild(const std::string& spec) {
  ChildSpec s;
  std::string parts[5];
  size_t start = 0;
  for (int i = 0; i < 5; ++i) {
    size_t bar = spec.find('|', start);
    parts[i] = spec.substr(start, bar == std::string::npos ? std::string::npos : bar - start);
    start = bar == std::string::npos ? spec.size() : bar + 1;
  }
  s.uri = parts[0];
  s.journal_dir = parts[1];
  s.prefix = parts[2];
  s.keepalive_s = std::atoi(parts[3].c_str());
  s.interval_ms = std::atoi(parts[4].c_str());
  const Clock& clock = SystemClock::instance();
  journal::JournalOptions jo;
  jo.dir = s.journal_dir;
  jo.device_id = "dev1";
  auto journal = journal::openFileJournal(jo, clock);
  if (!journal) {
    spdlog::error("child: {}", journal.error().message);
    ::_exit(3);
  }
  config::MqttConfig m;
  m.uri = s.uri;
  m.topic_prefix = s.prefix;
  m.keepalive_s = s.keepalive_s;
  StatusInfo info{{"dev1", "sch1", "", "", "", ""}, "0.1.0", "", "hash"};
  EventQueue loop;
  auto pub = makePahoPublisher(m, info, loop.poster(), clock);
  if (!pub) ::_exit(4);
  DeliveryOptions o;
  o.topic_prefix = s.prefix;
  o.status = info;
  o.replay_per_second = 200;
  o.reconnect_initial = std::chrono::milliseconds(200);
  o.reconnect_max = std::chrono::milliseconds(1000);
  DeliveryPump pump(**journal, **pub, clock, o);
  auto next_append = std::chrono::steady_clock::now();
  while (true) {
    loop.runUntil(
        nullptr, std::chrono::milliseconds(10), [&] { pump.tick(); },
        std::chrono::milliseconds(10));
    if (s.interval_ms > 0 && std::chrono::steady_clock::now() >= next_append) {
      auto r = (*journal)->append({{"schema", "uplinkprobe/1"},
                                   {"kind", "event"},
                                   {"event", "test"},
                                   {"device_id", "dev1"},
                                   {"school_id", "sch1"},
                                   {"pid", ::getpid()}});
      if (r) pump.onRecordAppended(*r);
      next_append += std::chrono::milliseconds(s.interval_ms);
    }
  }
}

// Runs the child instead of the tests when the binary was re-executed by spawnChild().
struct ChildHook {
  ChildHook() {
    if (const char* spec = std::getenv("UP_MQTT_CHILD")) runChild(spec);
  }
};

}  // namespace uplinkprobe::publish::testing
