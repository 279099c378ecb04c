// A private mosquitto for integration tests: started by the test on an ephemeral loopback
// port with its own config in a temp directory (never the system service), stopped and
// restarted on the same port, killed on destruction. Also a small Paho subscriber that
// collects messages, and an owner-thread event queue to drive Publisher/DeliveryPump the
// way the daemon's loop does.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <deque>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <mqtt/async_client.h>

namespace uplinkprobe::publish::testing {

inline std::string makeTempDir() {
  char tmpl[] = "/tmp/up-mqtt-XXXXXX";
  if (mkdtemp(tmpl) == nullptr) std::abort();
  return tmpl;
}

inline int freeLoopbackPort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

inline bool tcpConnects(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(static_cast<uint16_t>(port));
  bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  ::close(fd);
  return ok;
}

class Mosquitto {
 public:
  // `extra` is appended to the generated config (listener line and log settings come first).
  explicit Mosquitto(std::string extra = "allow_anonymous true\n", std::string dir = "")
      : dir_(dir.empty() ? makeTempDir() : std::move(dir)), port_(freeLoopbackPort()) {
    std::ofstream(dir_ + "/mosquitto.conf")
        << "listener " << port_ << " 127.0.0.1\n"
        << "persistence true\npersistence_location " << dir_ << "/\n"
        << "max_queued_messages 0\nmax_inflight_messages 0\n"
        << "log_dest file " << dir_ << "/mosquitto.log\nlog_type all\n"
        << extra;
    // Run as root, mosquitto drops to the "mosquitto" user: it must own its directory to
    // write the log and persistence. Files the test puts here for it must be 0644.
    if (::geteuid() == 0) {
      if (const passwd* pw = ::getpwnam("mosquitto")) {
        if (::chown(dir_.c_str(), pw->pw_uid, pw->pw_gid) != 0) std::perror("chown");
      }
    }
  }
  ~Mosquitto() {
    stop(SIGKILL);
    if (std::getenv("UPLINKPROBE_KEEP_TMP") == nullptr) {
      std::error_code ec;
      std::filesystem::remove_all(dir_, ec);
    }
  }
  bool start() {
    if (pid_ > 0) return true;
    pid_t pid = ::fork();
    if (pid == 0) {
      ::execlp("mosquitto", "mosquitto", "-c", (dir_ + "/mosquitto.conf").c_str(),
               static_cast<char*>(nullptr));
      ::_exit(127);
    }
    pid_ = pid;
    for (int i = 0; i < 100; ++i) {  // at most 5 s
      if (tcpConnects(port_)) return true;
      int st = 0;
      if (::waitpid(pid_, &st, WNOHANG) == pid_) {
        pid_ = -1;
        return false;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  }
  // SIGTERM lets mosquitto save its persistence db (durable subscriber sessions survive).
  void stop(int sig = SIGTERM) {
    if (pid_ <= 0) return;
    ::kill(pid_, sig);
    for (int i = 0; i < 100; ++i) {  // at most 5 s, then SIGKILL
      int st = 0;
      if (::waitpid(pid_, &st, WNOHANG) == pid_) {
        pid_ = -1;
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }
  int port() const { return port_; }
  std::string uri() const { return "tcp://127.0.0.1:" + std::to_string(port_); }
  const std::string& dir() const { return dir_; }
  std::string log() const {
    std::ifstream f(dir_ + "/mosquitto.log");
    return std::string(std::istreambuf_iterator<char>(f), {});
  }

 private:
  std::string dir_;
  int port_;
  pid_t pid_ = -1;
};

// Durable QoS 1 subscriber (clean_session=false, fixed client id) that reconnects on its
// own, so with mosquitto persistence it misses nothing across a broker restart.
class Subscriber {
 public:
  struct Msg {
    std::string topic;
    std::string payload;
    bool retained;
  };
  Subscriber(const std::string& uri, const std::string& filter, std::string client_id = "",
             mqtt::ssl_options* ssl = nullptr, const std::string& user = "",
             const std::string& password = "")
      : client_(uri, client_id.empty() ? "test-sub-" + std::to_string(::getpid()) : client_id,
                nullptr),
        filter_(filter) {
    client_.set_message_callback([this](mqtt::const_message_ptr m) {
      std::lock_guard<std::mutex> g(mu_);
      msgs_.push_back({m->get_topic(), m->to_string(), m->is_retained()});
      cv_.notify_all();
    });
    client_.set_connected_handler([this](const std::string&) {
      // Re-subscribing is harmless with a persistent session and needed without one.
      try {
        client_.subscribe(filter_, 1);
      } catch (...) {
      }
    });
    opts_.set_clean_session(false);
    opts_.set_keep_alive_interval(5);
    opts_.set_automatic_reconnect(std::chrono::milliseconds(100), std::chrono::seconds(1));
    if (ssl != nullptr) opts_.set_ssl(*ssl);
    if (!user.empty()) {
      opts_.set_user_name(user);
      opts_.set_password(password);
    }
  }
  ~Subscriber() {
    try {
      client_.disconnect()->wait_for(std::chrono::seconds(2));
    } catch (...) {
    }
  }
  bool connect() {
    try {
      return client_.connect(opts_)->wait_for(std::chrono::seconds(5)) && client_.is_connected() &&
             waitSubscribed();
    } catch (const mqtt::exception&) {
      return false;
    }
  }
  // Waits until `pred(messages)` holds or the timeout passes.
  bool waitFor(const std::function<bool(const std::vector<Msg>&)>& pred,
               std::chrono::milliseconds timeout) {
    // The predicate runs on a copy without the lock, so it may call messages() itself.
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
      if (pred(messages())) return true;
      std::unique_lock<std::mutex> lk(mu_);
      const size_t seen = msgs_.size();
      if (std::chrono::steady_clock::now() >= deadline) return false;
      cv_.wait_until(
          lk, std::min(deadline, std::chrono::steady_clock::now() + std::chrono::milliseconds(100)),
          [&] { return msgs_.size() != seen; });
    }
  }
  std::vector<Msg> messages() {
    std::lock_guard<std::mutex> g(mu_);
    return msgs_;
  }

 private:
  bool waitSubscribed() {
    // subscribe is sent from the connected handler; give it a moment to be acked.
    try {
      return client_.subscribe(filter_, 1)->wait_for(std::chrono::seconds(5));
    } catch (...) {
      return false;
    }
  }
  mqtt::async_client client_;
  mqtt::connect_options opts_;
  std::string filter_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Msg> msgs_;
};

// The owner thread of the tests: Paho posts closures here; the test thread runs them (and
// its timer work) in runFor(), exactly like the daemon's single Asio loop.
class EventQueue {
 public:
  std::function<void(std::function<void()>)> poster() {
    return [this](std::function<void()> f) {
      std::lock_guard<std::mutex> g(mu_);
      q_.push_back(std::move(f));
      cv_.notify_all();
    };
  }
  // Runs posted closures and calls `tick` every `period` until `until()` or the timeout.
  bool runUntil(const std::function<bool()>& until, std::chrono::milliseconds timeout,
                const std::function<void()>& tick = nullptr,
                std::chrono::milliseconds period = std::chrono::milliseconds(50)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    auto next_tick = std::chrono::steady_clock::now();
    while (true) {
      drain();
      if (until && until()) return true;
      const auto now = std::chrono::steady_clock::now();
      if (now >= deadline) return false;
      if (tick && now >= next_tick) {
        tick();
        next_tick = now + period;
        continue;
      }
      std::unique_lock<std::mutex> lk(mu_);
      cv_.wait_until(lk, std::min(deadline, next_tick), [&] { return !q_.empty(); });
    }
  }
  void drain() {
    while (true) {
      std::function<void()> f;
      {
        std::lock_guard<std::mutex> g(mu_);
        if (q_.empty()) return;
        f = std::move(q_.front());
        q_.pop_front();
      }
      f();
    }
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> q_;
};

}  // namespace uplinkprobe::publish::testing
