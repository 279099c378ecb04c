// tundelay: a user-space delay line for the network lab.
//
//   tundelay --dev NAME --delay-ms D [--queue PACKETS] [--stats-s S]
//
// Reads every IP packet routed into TUN device NAME, holds it D ms and writes it back into the
// same device, from where the kernel routes it on (the lab's policy routing sends packets that
// arrive on the router's veths into the TUN, and packets coming back out of the TUN use the main
// table). Why: netem is not built into every kernel we run on; this gives a real, constant
// propagation delay that TCP sees exactly like a long path.
//
// One thread, one ppoll loop: read everything available, release everything due, sleep until
// the next release or the next packet. Bounded: at most --queue packets are held (tail drop,
// counted), each at most the device MTU. SIGINT/SIGTERM print the counters and exit 0;
// SIGUSR1 prints them and continues.
#include <poll.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "tools/tundelay/delay_line.h"
#include "tools/tundelay/tun_device.h"

namespace {

constexpr double kMaxDelayMs = 10000.0;
constexpr long kMaxQueue = 1000000;
constexpr int kMaxMtu = 9216;
// Packets read per wake-up before releasing due ones, so that a flood cannot starve release.
constexpr int kReadBatch = 64;

volatile sig_atomic_t g_stop = 0;
volatile sig_atomic_t g_report = 0;

void onStop(int) { g_stop = 1; }
void onReport(int) { g_report = 1; }

std::int64_t nowNs() {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

struct Counters {
  std::uint64_t forwarded = 0;
  std::uint64_t write_errors = 0;
  std::uint64_t read_errors = 0;
};

void report(const char* dev, const tundelay::DelayLine& line, const Counters& c) {
  std::fprintf(stderr,
               "tundelay: dev=%s accepted=%" PRIu64 " forwarded=%" PRIu64 " dropped=%" PRIu64
               " queued=%zu high_water=%zu write_errors=%" PRIu64 " read_errors=%" PRIu64 "\n",
               dev, line.accepted(), c.forwarded, line.dropped(), line.size(), line.highWater(),
               c.write_errors, c.read_errors);
}

int usage(const char* msg) {
  if (msg) std::fprintf(stderr, "tundelay: %s\n", msg);
  std::fprintf(stderr,
               "usage: tundelay --dev NAME --delay-ms D [--queue PACKETS] [--stats-s S]\n"
               "  --delay-ms  one-way delay added to every packet, 0..%.0f\n"
               "  --queue     packets held at most (tail drop beyond), 1..%ld, default 8192\n"
               "  --stats-s   print counters every S seconds (0 = only at exit)\n",
               kMaxDelayMs, kMaxQueue);
  return 64;
}

bool parseDouble(const char* s, double lo, double hi, double* out) {
  char* end = nullptr;
  errno = 0;
  double v = std::strtod(s, &end);
  if (errno != 0 || end == s || *end != '\0' || !(v >= lo && v <= hi)) return false;
  *out = v;
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  std::string dev;
  double delay_ms = -1;
  double queue = 8192;
  double stats_s = 0;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "-h" || a == "--help") return usage(nullptr);
    if (i + 1 >= argc) return usage(("missing value for " + a).c_str());
    const char* v = argv[++i];
    if (a == "--dev") {
      dev = v;
    } else if (a == "--delay-ms") {
      if (!parseDouble(v, 0, kMaxDelayMs, &delay_ms)) return usage("bad --delay-ms");
    } else if (a == "--queue") {
      if (!parseDouble(v, 1, kMaxQueue, &queue)) return usage("bad --queue");
    } else if (a == "--stats-s") {
      if (!parseDouble(v, 0, 86400, &stats_s)) return usage("bad --stats-s");
    } else {
      return usage(("unknown option " + a).c_str());
    }
  }
  if (dev.empty() || delay_ms < 0) return usage("--dev and --delay-ms are required");

  tundelay::TunDevice tun;
  std::string error;
  if (!tundelay::openTun(dev, &tun, &error)) {
    std::fprintf(stderr, "tundelay: %s\n", error.c_str());
    return 2;
  }
  if (tun.mtu > kMaxMtu) {
    std::fprintf(stderr, "tundelay: MTU %d of %s is above the supported %d\n", tun.mtu, dev.c_str(),
                 kMaxMtu);
    return 2;
  }

  struct sigaction sa {};
  sa.sa_handler = onStop;
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  sa.sa_handler = onReport;
  sigaction(SIGUSR1, &sa, nullptr);

  const auto delay_ns = static_cast<std::int64_t>(delay_ms * 1e6);
  tundelay::DelayLine line(static_cast<std::size_t>(queue), static_cast<std::size_t>(tun.mtu),
                           delay_ns);
  Counters counters;
  std::uint8_t scratch[kMaxMtu];
  const std::int64_t stats_ns = static_cast<std::int64_t>(stats_s * 1e9);
  std::int64_t next_stats = stats_ns > 0 ? nowNs() + stats_ns : INT64_MAX;

  std::printf("tundelay: running dev=%s delay_ms=%g queue=%zu mtu=%d\n", dev.c_str(), delay_ms,
              static_cast<std::size_t>(queue), tun.mtu);
  std::fflush(stdout);

  struct pollfd pfd {};
  pfd.fd = tun.fd;
  pfd.events = POLLIN;
  while (!g_stop) {
    std::int64_t now = nowNs();
    while (!line.empty() && line.headDueNs() <= now) {
      ssize_t n = ::write(tun.fd, line.headData(), line.headLength());
      if (n < 0) {
        ++counters.write_errors;
      } else {
        ++counters.forwarded;
      }
      line.pop();
    }
    if (g_report || now >= next_stats) {
      g_report = 0;
      report(dev.c_str(), line, counters);
      if (stats_ns > 0) next_stats = now + stats_ns;
    }
    // Sleep until the next release, the next stats line, or a packet (at most 1 s).
    std::int64_t wait_ns = 1000000000;
    if (!line.empty()) wait_ns = std::min(wait_ns, line.headDueNs() - now);
    if (stats_ns > 0) wait_ns = std::min(wait_ns, next_stats - now);
    if (wait_ns < 0) wait_ns = 0;
    struct timespec timeout {
      static_cast<time_t>(wait_ns / 1000000000), static_cast<long>(wait_ns % 1000000000)
    };
    int ready = ::ppoll(&pfd, 1, &timeout, nullptr);
    if (ready < 0) {
      if (errno == EINTR) continue;
      std::fprintf(stderr, "tundelay: ppoll: %s\n", std::strerror(errno));
      return 2;
    }
    if (ready == 0) continue;
    if (pfd.revents & (POLLERR | POLLHUP | POLLNVAL)) {
      std::fprintf(stderr, "tundelay: device %s went away\n", dev.c_str());
      report(dev.c_str(), line, counters);
      return 2;
    }
    for (int i = 0; i < kReadBatch; ++i) {
      std::uint8_t* slot = line.reserve();
      // When full, still read (into scratch) so the packet is dropped here and counted.
      std::uint8_t* buf = slot ? slot : scratch;
      ssize_t n = ::read(tun.fd, buf, line.slotBytes());
      if (n < 0) {
        if (errno == EAGAIN || errno == EINTR) break;
        ++counters.read_errors;  // e.g. a packet larger than the MTU we sized slots for
        continue;
      }
      if (slot) {
        line.commit(static_cast<std::size_t>(n), nowNs());
      } else {
        line.countDrop();
      }
    }
  }
  report(dev.c_str(), line, counters);
  ::close(tun.fd);
  return 0;
}
