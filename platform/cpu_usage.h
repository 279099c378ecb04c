// CPU time of this process, to tell "the link was the limit" from "our CPU was the limit"
// (client_limited) on weak router CPUs.
#pragma once

#include <chrono>
#include <optional>

namespace uplinkprobe::platform {

// utime + stime of the whole process (all threads), from getrusage(RUSAGE_SELF).
std::chrono::microseconds processCpuTime();

// utime + stime of the calling thread only (getrusage(RUSAGE_THREAD)): the share of one core
// a single-threaded engine used, unaffected by other threads of the daemon.
std::chrono::microseconds threadCpuTime();

// Share of one core used between two readings: cpu_delta / wall_delta × 100. May exceed 100
// with several busy threads. nullopt when wall_delta is not positive.
std::optional<double> cpuSharePct(std::chrono::microseconds cpu_delta,
                                  std::chrono::microseconds wall_delta);

// Number of CPUs this process may run on (sched_getaffinity), at least 1.
int onlineCpuCount();

}  // namespace uplinkprobe::platform
