// fleet_sim: a fleet of simulated uplinkprobe agents speaking real MQTT to a real broker.
//
// Records are built by the agent's own code (see fleet_device.h); this file is the transport:
// a small non-blocking MQTT 3.1.1 client (CONNECT with the retained-status Last Will,
// PUBLISH QoS 1, PUBACK, PINGREQ) over epoll, one thread, so that 10^4 connections fit in one
// process (Paho's async client costs threads and a global lock per client). Like the agent's
// DeliveryPump, each device keeps at most --window unacknowledged records in flight and, in a
// replay, draws from a token bucket of --replay-per-second (burst one second).
//
// Modes:
//   steady  records in virtual-time order over the whole fleet at --rate records/s for
//           --duration s (or --records N): time is compressed by rate / natural rate.
//   storm   every device sends its backlog of --backlog-hours at once (after all connected).
//   none    connect, publish statuses, disconnect (with --schools-csv: write the sheet only).
// Output: one JSON summary line on stdout; progress on stderr; --manifest FILE writes
// device_id,journal_id,school_id,last_seq per device (for exactly-once checks).
// Exit: 0 ok, 1 not every record acknowledged, 2 error, 64 usage.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <map>
#include <queue>
#include <string>
#include <unordered_map>
#include <vector>

#include "bench/fleet_device.h"
#include "bench/fleet_registry.h"
#include "common/time_format.h"

using namespace uplinkprobe;
using namespace uplinkprobe::bench;

namespace {

struct Options {
  std::string host = "127.0.0.1";
  int port = 1883;
  size_t devices = 10000;
  size_t per_conn = 1;
  size_t schools = 0;  // 0 = devices
  size_t unknown_schools = 0;
  uint64_t seed = 1;
  std::string mode = "steady";
  double rate = 1000;
  double duration = 60;
  uint64_t records = 0;
  double backlog_hours = 24;
  std::string start;
  int window = 20;
  double replay = 20;
  int keepalive = 300;
  std::string schools_csv, manifest;
  int connect_parallel = 64;
  std::string client_prefix = "fleet-sim";
  double progress_s = 5;
  bool status = true;
  FleetProfile profile;
};

void usage() {
  std::fprintf(stderr,
               "usage: fleet_sim [--host H] [--port P] [--devices N] [--devices-per-connection K]\n"
               "  [--schools N] [--unknown-schools N] [--seed S] [--prefix P]\n"
               "  [--mode steady|storm|none] [--rate R] [--duration S] [--records N]\n"
               "  [--backlog-hours H] [--start RFC3339] [--window W] [--replay-per-second R]\n"
               "  [--outage-per-day P] [--tests-per-day N] [--no-status]\n"
               "  [--schools-csv FILE]"
               "  [--manifest FILE] [--connect-parallel N] [--client-prefix S] [--progress-s S]\n");
}

double nowS() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

std::string randomHex16() {
  uint64_t v = 0;
  if (getrandom(&v, sizeof v, 0) != sizeof v) std::abort();
  char b[17];
  std::snprintf(b, sizeof b, "%016llx", static_cast<unsigned long long>(v));
  return b;
}

// ---- MQTT 3.1.1 wire ------------------------------------------------------------------------
void putLen(std::string& o, size_t n) {
  do {
    uint8_t b = n % 128;
    n /= 128;
    if (n) b |= 0x80;
    o.push_back(static_cast<char>(b));
  } while (n);
}
void putStr(std::string& o, const std::string& s) {
  o.push_back(static_cast<char>(s.size() >> 8));
  o.push_back(static_cast<char>(s.size() & 0xff));
  o += s;
}
std::string connectPacket(const std::string& client_id, int keepalive, const Message* will) {
  std::string v;
  putStr(v, "MQTT");
  v.push_back(4);
  uint8_t flags = 0x02;                   // clean session, like the agent
  if (will) flags |= 0x04 | 0x08 | 0x20;  // will, will QoS 1, will retain
  v.push_back(static_cast<char>(flags));
  v.push_back(static_cast<char>(keepalive >> 8));
  v.push_back(static_cast<char>(keepalive & 0xff));
  putStr(v, client_id);
  if (will) {
    putStr(v, will->topic);
    putStr(v, will->payload);
  }
  std::string o(1, '\x10');
  putLen(o, v.size());
  return o + v;
}
void appendPublish(std::string& o, const Message& m, uint16_t pid) {
  o.push_back(static_cast<char>(0x32 | (m.retained ? 1 : 0)));
  putLen(o, 2 + m.topic.size() + 2 + m.payload.size());
  putStr(o, m.topic);
  o.push_back(static_cast<char>(pid >> 8));
  o.push_back(static_cast<char>(pid & 0xff));
  o += m.payload;
}

// ---- fleet state ------------------------------------------------------------------------------
struct Dev {
  std::unique_ptr<SimDevice> sim;
  int conn = -1;
  std::deque<Message> pending;
  int inflight = 0;
  bool exhausted = false;  // storm: backlog fully generated
  bool dead = false;       // its connection failed
  double tokens = 0, tokens_at = 0;
  bool timer_armed = false;
};

enum class CState { kIdle, kConnecting, kWaitConnack, kUp, kDead, kClosed };
struct Conn {
  int fd = -1;
  CState st = CState::kIdle;
  std::string out;
  size_t off = 0;
  std::string in;
  std::vector<int> devs;
  std::unordered_map<uint16_t, int> pids;  // pid -> device index (-1 - dev for a status)
  uint16_t next_pid = 1;
  double last_tx = 0;
  bool epollout = false;
  bool dirty = false;
};

struct Stats {
  uint64_t generated = 0, sent = 0, acked = 0, lost_inflight = 0, status_sent = 0, status_acked = 0;
  uint64_t bytes = 0;
  std::map<std::string, uint64_t> by_kind;
  size_t conn_up = 0, conn_failed = 0, conn_lost = 0;
  std::string first_conn_error;
};

class Fleet {
 public:
  explicit Fleet(Options o) : o_(std::move(o)) {}
  int run();

 private:
  void startConnect(int ci);
  void onWritable(int ci);
  void onReadable(int ci);
  void handlePacket(int ci, uint8_t type, const char* body, size_t len);
  void fail(int ci, const std::string& why, bool lost);
  void pump(int di);
  void send(int ci, int di, const Message& m);
  void flush(int ci);
  void setOut(int ci, bool want);
  bool connectingDone() const { return connects_done_ >= conns_.size(); }
  uint64_t inflightTotal() const { return stats_.sent - stats_.acked - stats_.lost_inflight; }

  Options o_;
  SimClock clock_;
  std::vector<School> schools_;
  std::vector<Dev> devs_;
  std::vector<Conn> conns_;
  std::unordered_map<int, int> fd_conn_;
  int ep_ = -1;
  size_t next_connect_ = 0, connecting_ = 0, connects_done_ = 0;
  std::vector<int> dirty_;
  using Timer = std::pair<double, int>;
  std::priority_queue<Timer, std::vector<Timer>, std::greater<Timer>> timers_;
  std::priority_queue<std::pair<WallTime, int>, std::vector<std::pair<WallTime, int>>,
                      std::greater<std::pair<WallTime, int>>>
      order_;
  Stats stats_;
  double t0_ = 0;
  WallTime storm_end_{};
  WallTime vt_first_{}, vt_last_{};
};

void Fleet::setOut(int ci, bool want) {
  Conn& c = conns_[ci];
  if (c.epollout == want || c.fd < 0) return;
  epoll_event ev{};
  ev.events = want ? (EPOLLIN | EPOLLOUT) : EPOLLIN;
  ev.data.u32 = static_cast<uint32_t>(ci);
  epoll_ctl(ep_, EPOLL_CTL_MOD, c.fd, &ev);
  c.epollout = want;
}

void Fleet::startConnect(int ci) {
  Conn& c = conns_[ci];
  c.fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (c.fd < 0) {
    fail(ci, std::string("socket: ") + std::strerror(errno), false);
    return;
  }
  int one = 1;
  setsockopt(c.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (o_.host.rfind("127.", 0) == 0) {
    // Spread the connections over source addresses 127.1.x.y: with one source address the
    // kernel's ephemeral port search grows with every connection (20 s of system time for
    // 2*10^4 connections), with 250 per address it stays flat.
    setsockopt(c.fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
    sockaddr_in src{};
    src.sin_family = AF_INET;
    src.sin_addr.s_addr = htonl(0x7f010001u + ((static_cast<uint32_t>(ci) / 250) << 8) +
                                static_cast<uint32_t>(ci) % 250);
    if (::bind(c.fd, reinterpret_cast<sockaddr*>(&src), sizeof src) != 0) {
      fail(ci, std::string("bind: ") + std::strerror(errno), false);
      return;
    }
  }
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(o_.port));
  inet_pton(AF_INET, o_.host.c_str(), &a.sin_addr);
  int rc = ::connect(c.fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  if (rc < 0 && errno != EINPROGRESS) {
    fail(ci, std::string("connect: ") + std::strerror(errno), false);
    return;
  }
  c.st = CState::kConnecting;
  ++connecting_;
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLOUT;
  ev.data.u32 = static_cast<uint32_t>(ci);
  epoll_ctl(ep_, EPOLL_CTL_ADD, c.fd, &ev);
  c.epollout = true;
}

void Fleet::fail(int ci, const std::string& why, bool lost) {
  Conn& c = conns_[ci];
  if (c.st == CState::kConnecting || c.st == CState::kWaitConnack) {
    --connecting_;
    ++connects_done_;
  } else if (c.st == CState::kIdle) {
    ++connects_done_;  // socket() itself failed (EMFILE)
  }
  if (lost)
    ++stats_.conn_lost;
  else
    ++stats_.conn_failed;
  if (stats_.first_conn_error.empty()) stats_.first_conn_error = why;
  if (c.fd >= 0) {
    epoll_ctl(ep_, EPOLL_CTL_DEL, c.fd, nullptr);
    ::close(c.fd);
  }
  c.fd = -1;
  c.st = CState::kDead;
  for (auto& [pid, di] : c.pids) {
    if (di >= 0)
      ++stats_.lost_inflight;  // published, never acknowledged
    else
      ++stats_.status_acked;
  }
  for (int di : c.devs) devs_[di].dead = true;
  c.pids.clear();
}

void Fleet::send(int ci, int di, const Message& m) {
  Conn& c = conns_[ci];
  uint16_t pid = c.next_pid;
  while (pid == 0 || c.pids.count(pid)) ++pid;
  c.next_pid = static_cast<uint16_t>(pid + 1);
  c.pids[pid] = m.journaled ? di : -1 - di;
  appendPublish(c.out, m, pid);
  stats_.bytes += m.payload.size();
  if (m.journaled) {
    ++stats_.sent;
    ++stats_.by_kind[m.kind];
    devs_[di].inflight++;
  } else {
    ++stats_.status_sent;
  }
  if (!c.dirty) {
    c.dirty = true;
    dirty_.push_back(ci);
  }
}

void Fleet::flush(int ci) {
  Conn& c = conns_[ci];
  c.dirty = false;
  if (c.fd < 0) return;
  while (c.off < c.out.size()) {
    ssize_t n = ::send(c.fd, c.out.data() + c.off, c.out.size() - c.off, MSG_NOSIGNAL);
    if (n > 0) {
      c.off += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      setOut(ci, true);
      return;
    }
    fail(ci, std::string("send: ") + std::strerror(errno), true);
    return;
  }
  c.out.clear();
  c.off = 0;
  c.last_tx = nowS();
  setOut(ci, false);
}

void Fleet::pump(int di) {
  Dev& d = devs_[di];
  Conn& c = conns_[d.conn];
  if (c.st != CState::kUp) return;
  const bool storm = o_.mode == "storm";
  while (d.inflight < o_.window) {
    if (d.pending.empty()) {
      if (!storm || d.exhausted) return;
      if (d.sim->nextTime() >= storm_end_) {
        d.exhausted = true;
        return;
      }
      stats_.generated += d.sim->generate(d.pending);
      continue;
    }
    if (storm && o_.replay > 0) {
      const double now = nowS();
      d.tokens = std::min(o_.replay, d.tokens + (now - d.tokens_at) * o_.replay);
      d.tokens_at = now;
      if (d.tokens < 1) {
        if (!d.timer_armed) {
          d.timer_armed = true;
          timers_.push({now + (1 - d.tokens) / o_.replay, di});
        }
        return;
      }
      d.tokens -= 1;
    }
    send(d.conn, di, d.pending.front());
    d.pending.pop_front();
  }
}

void Fleet::onWritable(int ci) {
  Conn& c = conns_[ci];
  if (c.st == CState::kConnecting) {
    int err = 0;
    socklen_t len = sizeof err;
    getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0) {
      fail(ci, std::string("connect: ") + std::strerror(err), false);
      return;
    }
    const Message* will = nullptr;
    Message lwt;
    if (o_.status && !c.devs.empty()) {
      lwt = devs_[c.devs.front()].sim->statusLastWill(clock_.wallNow());
      will = &lwt;
    }
    c.out += connectPacket(o_.client_prefix + "-" + std::to_string(ci), o_.keepalive, will);
    c.st = CState::kWaitConnack;
  }
  flush(ci);
}

void Fleet::handlePacket(int ci, uint8_t type, const char* body, size_t len) {
  Conn& c = conns_[ci];
  switch (type >> 4) {
    case 2: {  // CONNACK
      if (len < 2 || body[1] != 0) {
        fail(ci, "CONNACK refused, code " + std::to_string(len >= 2 ? body[1] : -1), false);
        return;
      }
      c.st = CState::kUp;
      --connecting_;
      ++connects_done_;
      ++stats_.conn_up;
      if (o_.status) {
        const WallTime now = vt_first_;
        for (int di : c.devs) send(ci, di, devs_[di].sim->statusOnline(now));
      }
      break;
    }
    case 4: {  // PUBACK
      if (len < 2) return;
      const uint16_t pid = static_cast<uint16_t>((static_cast<uint8_t>(body[0]) << 8) |
                                                 static_cast<uint8_t>(body[1]));
      auto it = c.pids.find(pid);
      if (it == c.pids.end()) return;
      const int v = it->second;
      c.pids.erase(it);
      if (v < 0) {
        ++stats_.status_acked;
        return;
      }
      ++stats_.acked;
      devs_[v].inflight--;
      pump(v);
      break;
    }
    default:
      break;  // PINGRESP and anything else
  }
}

void Fleet::onReadable(int ci) {
  Conn& c = conns_[ci];
  char buf[65536];
  for (;;) {
    ssize_t n = ::recv(c.fd, buf, sizeof buf, 0);
    if (n > 0) {
      c.in.append(buf, static_cast<size_t>(n));
      if (static_cast<size_t>(n) < sizeof buf) break;
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
    fail(ci, n == 0 ? "closed by broker" : std::string("recv: ") + std::strerror(errno),
         c.st == CState::kUp);
    return;
  }
  size_t pos = 0;
  while (c.fd >= 0 && c.in.size() - pos >= 2) {
    size_t len = 0, mul = 1, i = pos + 1;
    bool complete = false;
    for (; i < c.in.size() && i < pos + 5; ++i) {
      const uint8_t b = static_cast<uint8_t>(c.in[i]);
      len += (b & 0x7f) * mul;
      mul *= 128;
      if (!(b & 0x80)) {
        complete = true;
        ++i;
        break;
      }
    }
    if (!complete || c.in.size() - i < len) break;
    handlePacket(ci, static_cast<uint8_t>(c.in[pos]), c.in.data() + i, len);
    pos = i + len;
  }
  if (c.fd >= 0) c.in.erase(0, pos);
}

int Fleet::run() {
  // File descriptors: one per connection; raise the soft limit to the hard one.
  rlimit rl{};
  getrlimit(RLIMIT_NOFILE, &rl);
  rl.rlim_cur = rl.rlim_max;
  setrlimit(RLIMIT_NOFILE, &rl);

  const double t_gen0 = nowS();
  const size_t nschools = std::max(o_.schools ? o_.schools : o_.devices, size_t{1});
  schools_ = makeSchools(nschools, o_.seed);
  if (!o_.schools_csv.empty()) {
    std::ofstream f(o_.schools_csv);
    writeSchoolSheet(f, schools_);
    if (!f) {
      std::fprintf(stderr, "fleet_sim: cannot write %s\n", o_.schools_csv.c_str());
      return 2;
    }
  }
  if (o_.mode == "none" && o_.devices == 0) return 0;

  // Virtual time.
  const double natural_per_s =
      static_cast<double>(o_.devices) *
      (86400.0 / o_.profile.availability_period_s + o_.profile.tests_per_day + 1) / 86400.0;
  const auto now =
      std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
  WallTime start;
  if (!o_.start.empty()) {
    auto t = parseRfc3339(o_.start);
    if (!t) {
      std::fprintf(stderr, "fleet_sim: bad --start %s\n", o_.start.c_str());
      return 64;
    }
    start = *t;
  } else if (o_.mode == "storm") {
    start = now - std::chrono::seconds(static_cast<long>(o_.backlog_hours * 3600));
  } else {
    const double n = o_.records ? static_cast<double>(o_.records) : o_.rate * o_.duration;
    start = now - std::chrono::seconds(static_cast<long>(n / std::max(natural_per_s, 1e-9)) + 600);
  }
  storm_end_ = start + std::chrono::seconds(static_cast<long>(o_.backlog_hours * 3600));
  vt_first_ = start;
  clock_.set(start, SteadyTime{});

  devs_.resize(o_.devices);
  const size_t nconn = (o_.devices + o_.per_conn - 1) / std::max<size_t>(o_.per_conn, 1);
  conns_.resize(nconn);
  for (size_t i = 0; i < o_.devices; ++i) {
    School s;
    if (i >= o_.devices - std::min(o_.unknown_schools, o_.devices)) {
      s = schools_[i % schools_.size()];
      char id[32];
      std::snprintf(id, sizeof id, "2299%06zu", i % 1000000);  // a school the sheet does not know
      s.school_id = id;
    } else {
      s = schools_[i % schools_.size()];
    }
    std::string dev_id = "up-" + s.school_id +
                         (i >= schools_.size() ? "-" + std::to_string(i / schools_.size()) : "");
    devs_[i].sim = std::make_unique<SimDevice>(s, dev_id, randomHex16(), o_.seed * 1000003 + i,
                                               start, o_.profile, clock_);
    devs_[i].conn = static_cast<int>(i / o_.per_conn);
    devs_[i].tokens = o_.replay;
    conns_[devs_[i].conn].devs.push_back(static_cast<int>(i));
  }

  // A replay storm sends what the journals already hold: build the whole backlog first, so
  // that generating JSON does not compete for CPU with the broker and the collector.
  if (o_.mode == "storm") {
    const double g0 = nowS();
    for (auto& d : devs_) {
      while (d.sim->nextTime() < storm_end_) stats_.generated += d.sim->generate(d.pending);
      d.exhausted = true;
    }
    std::fprintf(stderr, "fleet_sim: backlog of %llu records built in %.1f s\n",
                 static_cast<unsigned long long>(stats_.generated), nowS() - g0);
  }

  ep_ = epoll_create1(EPOLL_CLOEXEC);
  std::vector<epoll_event> evs(4096);
  t0_ = nowS();
  double phase_start = t0_, last_progress = t0_, last_ping_sweep = t0_;
  bool emitting = false, finished = false;
  double emit_start = 0, emit_end = 0;
  uint64_t emitted = 0;
  const bool storm = o_.mode == "storm";
  const bool steady = o_.mode == "steady";
  const uint64_t target_records =
      o_.records ? o_.records : static_cast<uint64_t>(std::llround(o_.rate * o_.duration));

  while (!finished) {
    // Connect in bounded parallel batches (the broker's listen backlog is finite).
    while (next_connect_ < conns_.size() && connecting_ < static_cast<size_t>(o_.connect_parallel))
      startConnect(static_cast<int>(next_connect_++));

    const int timeout = emitting && steady ? 1 : 10;
    const int n = epoll_wait(ep_, evs.data(), static_cast<int>(evs.size()), timeout);
    for (int k = 0; k < n; ++k) {
      const int ci = static_cast<int>(evs[k].data.u32);
      if (conns_[ci].fd < 0) continue;
      if (evs[k].events & (EPOLLERR | EPOLLHUP)) {
        if (conns_[ci].st == CState::kConnecting) {
          onWritable(ci);  // reports the SO_ERROR
        } else {
          fail(ci, "socket error/hangup", conns_[ci].st == CState::kUp);
        }
        continue;
      }
      if (evs[k].events & EPOLLOUT) onWritable(ci);
      if (conns_[ci].fd >= 0 && (evs[k].events & EPOLLIN)) onReadable(ci);
    }
    const double t = nowS();

    if (!emitting && connectingDone() && stats_.status_acked >= stats_.status_sent) {
      emitting = true;
      emit_start = t;
      std::fprintf(stderr, "fleet_sim: %zu/%zu connections up in %.2f s (%zu failed%s%s)\n",
                   stats_.conn_up, conns_.size(), t - phase_start, stats_.conn_failed,
                   stats_.first_conn_error.empty() ? "" : ": ", stats_.first_conn_error.c_str());
      if (storm) {
        for (size_t di = 0; di < devs_.size(); ++di) {
          devs_[di].tokens = o_.replay;
          devs_[di].tokens_at = t;
          if (!devs_[di].dead) pump(static_cast<int>(di));
        }
      } else if (steady) {
        for (size_t di = 0; di < devs_.size(); ++di)
          if (!devs_[di].dead) order_.push({devs_[di].sim->nextTime(), static_cast<int>(di)});
      }
    }

    if (emitting && steady && emitted < target_records) {
      const double due =
          std::min<double>(static_cast<double>(target_records), (t - emit_start) * o_.rate);
      while (static_cast<double>(emitted) < due && !order_.empty()) {
        auto [vt, di] = order_.top();
        order_.pop();
        Dev& d = devs_[di];
        if (d.dead) continue;
        vt_last_ = vt;
        const int got = d.sim->generate(d.pending);
        emitted += got;
        stats_.generated += got;
        order_.push({d.sim->nextTime(), di});
        pump(di);
      }
      if (emitted >= target_records) emit_end = t;
    }

    while (!timers_.empty() && timers_.top().first <= t) {
      const int di = timers_.top().second;
      timers_.pop();
      devs_[di].timer_armed = false;
      pump(di);
    }

    for (int ci : dirty_) flush(ci);
    dirty_.clear();

    if (t - last_ping_sweep > o_.keepalive / 4.0) {
      last_ping_sweep = t;
      for (size_t ci = 0; ci < conns_.size(); ++ci) {
        Conn& c = conns_[ci];
        if (c.st == CState::kUp && t - c.last_tx > o_.keepalive / 2.0) {
          c.out += std::string("\xC0\x00", 2);
          flush(static_cast<int>(ci));
        }
      }
    }

    if (emitting) {
      bool done = inflightTotal() == 0 && stats_.status_acked >= stats_.status_sent;
      if (done && steady) done = emitted >= target_records || order_.empty();
      if (done) {
        for (const Dev& d : devs_)
          if (!d.dead && (!d.pending.empty() || (storm && !d.exhausted))) {
            done = false;
            break;
          }
      }
      if (o_.mode == "none") done = true;
      if (done) finished = true;
    }
    if (o_.progress_s > 0 && t - last_progress >= o_.progress_s) {
      last_progress = t;
      std::fprintf(stderr, "fleet_sim: %.0f s  sent %llu  acked %llu  in flight %llu  conns %zu\n",
                   t - t0_, static_cast<unsigned long long>(stats_.sent),
                   static_cast<unsigned long long>(stats_.acked),
                   static_cast<unsigned long long>(inflightTotal()), stats_.conn_up);
    }
  }
  const double t_end = nowS();
  if (emit_end == 0) emit_end = t_end;
  // Clean disconnect: no Last Will (the devices stay "online" in their retained status).
  for (size_t ci = 0; ci < conns_.size(); ++ci) {
    Conn& c = conns_[ci];
    if (c.fd < 0) continue;
    c.out += std::string("\xE0\x00", 2);
    flush(static_cast<int>(ci));
    ::close(c.fd);
    c.fd = -1;
  }

  if (!o_.manifest.empty()) {
    std::ofstream m(o_.manifest);
    m << "device_id,journal_id,school_id,last_seq\n";
    for (const Dev& d : devs_)
      m << d.sim->deviceId() << ',' << d.sim->journalId() << ',' << d.sim->schoolId() << ','
        << d.sim->lastSeq() << '\n';
  }
  uint64_t lost = 0;
  for (const Dev& d : devs_)
    if (d.dead) lost += d.pending.size();
  nlohmann::json s = {
      {"mode", o_.mode},
      {"devices", o_.devices},
      {"schools_in_sheet", schools_.size()},
      {"connections", conns_.size()},
      {"connections_up", stats_.conn_up},
      {"connections_failed", stats_.conn_failed},
      {"connections_lost", stats_.conn_lost},
      {"first_connection_error", stats_.first_conn_error},
      {"records", stats_.sent},
      {"records_generated", stats_.generated},
      {"records_acked", stats_.acked},
      {"records_not_sent_dead_connection", lost},
      {"records_unacked_dead_connection", stats_.lost_inflight},
      {"status_messages", stats_.status_sent},
      {"by_kind", stats_.by_kind},
      {"payload_bytes", stats_.bytes},
      {"mean_payload_bytes", stats_.sent ? static_cast<double>(stats_.bytes) /
                                               static_cast<double>(stats_.sent + stats_.status_sent)
                                         : 0.0},
      {"generate_s", t0_ - t_gen0},
      {"connect_s", emit_start - t0_},
      {"publish_s", t_end - emit_start},
      {"records_per_s", stats_.sent / std::max(t_end - emit_start, 1e-9)},
      {"virtual_start", formatRfc3339Utc(start)},
      {"virtual_end", formatRfc3339Utc(storm ? storm_end_ : vt_last_)},
  };
  std::printf("%s\n", s.dump().c_str());
  std::fflush(stdout);
  if (stats_.conn_failed || stats_.conn_lost) return 1;
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto val = [&]() -> std::string {
      if (i + 1 >= argc) {
        usage();
        std::exit(64);
      }
      return argv[++i];
    };
    try {
      if (a == "--host")
        o.host = val();
      else if (a == "--port")
        o.port = std::stoi(val());
      else if (a == "--devices")
        o.devices = std::stoul(val());
      else if (a == "--devices-per-connection")
        o.per_conn = std::max(1ul, std::stoul(val()));
      else if (a == "--schools")
        o.schools = std::stoul(val());
      else if (a == "--unknown-schools")
        o.unknown_schools = std::stoul(val());
      else if (a == "--seed")
        o.seed = std::stoull(val());
      else if (a == "--prefix")
        o.profile.topic_prefix = val();
      else if (a == "--mode")
        o.mode = val();
      else if (a == "--rate")
        o.rate = std::stod(val());
      else if (a == "--duration")
        o.duration = std::stod(val());
      else if (a == "--records")
        o.records = std::stoull(val());
      else if (a == "--backlog-hours")
        o.backlog_hours = std::stod(val());
      else if (a == "--start")
        o.start = val();
      else if (a == "--window")
        o.window = std::max(1, std::stoi(val()));
      else if (a == "--replay-per-second")
        o.replay = std::stod(val());
      else if (a == "--outage-per-day")
        o.profile.outage_per_day = std::stod(val());
      else if (a == "--tests-per-day")
        o.profile.tests_per_day = std::stoi(val());
      else if (a == "--no-status")
        o.status = false;
      else if (a == "--schools-csv")
        o.schools_csv = val();
      else if (a == "--manifest")
        o.manifest = val();
      else if (a == "--connect-parallel")
        o.connect_parallel = std::max(1, std::stoi(val()));
      else if (a == "--client-prefix")
        o.client_prefix = val();
      else if (a == "--progress-s")
        o.progress_s = std::stod(val());
      else if (a == "-h" || a == "--help") {
        usage();
        return 0;
      } else {
        std::fprintf(stderr, "fleet_sim: unknown option %s\n", a.c_str());
        usage();
        return 64;
      }
    } catch (const std::exception&) {
      std::fprintf(stderr, "fleet_sim: bad value for %s\n", a.c_str());
      return 64;
    }
  }
  if (o.mode != "steady" && o.mode != "storm" && o.mode != "none") {
    usage();
    return 64;
  }
  if (o.unknown_schools > o.devices) o.unknown_schools = o.devices;
  setenv("TZ", "Asia/Shanghai", 1);  // school days are local days in Jilin
  tzset();
  try {
    return Fleet(std::move(o)).run();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "fleet_sim: %s\n", e.what());
    return 2;
  }
}
