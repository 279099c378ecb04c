#include "platform/cpu_usage.h"

#include <sched.h>
#include <sys/resource.h>

namespace uplinkprobe::platform {

namespace {
std::chrono::microseconds cpuTimeOf(int who) {
  rusage ru{};
  if (getrusage(who, &ru) != 0) return std::chrono::microseconds(0);
  auto us = [](const timeval& tv) {
    return static_cast<long long>(tv.tv_sec) * 1'000'000 + tv.tv_usec;
  };
  return std::chrono::microseconds(us(ru.ru_utime) + us(ru.ru_stime));
}
}  // namespace

std::chrono::microseconds processCpuTime() { return cpuTimeOf(RUSAGE_SELF); }
std::chrono::microseconds threadCpuTime() { return cpuTimeOf(RUSAGE_THREAD); }

std::optional<double> cpuSharePct(std::chrono::microseconds cpu_delta,
                                  std::chrono::microseconds wall_delta) {
  if (wall_delta.count() <= 0) return std::nullopt;
  if (cpu_delta.count() < 0) cpu_delta = std::chrono::microseconds(0);
  return 100.0 * static_cast<double>(cpu_delta.count()) / static_cast<double>(wall_delta.count());
}

int onlineCpuCount() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) != 0) return 1;
  int n = CPU_COUNT(&set);
  return n > 0 ? n : 1;
}

}  // namespace uplinkprobe::platform
