#include "platform/service_notify.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <string>

#ifdef UPLINKPROBE_HAVE_SYSTEMD
#include <systemd/sd-daemon.h>
#endif

namespace uplinkprobe::platform {

bool notifyService(const std::string& state) {
#ifdef UPLINKPROBE_HAVE_SYSTEMD
  return sd_notify(0, state.c_str()) > 0;
#else
  const char* path = std::getenv("NOTIFY_SOCKET");
  if (!path || !*path) return false;
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  const size_t len = std::strlen(path);
  if (len >= sizeof addr.sun_path) return false;
  std::memcpy(addr.sun_path, path, len);
  if (addr.sun_path[0] == '@') addr.sun_path[0] = '\0';  // abstract namespace
  int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  const socklen_t alen = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + len);
  const bool ok =
      ::sendto(fd, state.data(), state.size(), MSG_NOSIGNAL, reinterpret_cast<sockaddr*>(&addr),
               alen) == static_cast<ssize_t>(state.size());
  ::close(fd);
  return ok;
#endif
}

std::optional<std::chrono::microseconds> watchdogInterval() {
  const char* usec = std::getenv("WATCHDOG_USEC");
  if (!usec) return std::nullopt;
  if (const char* pid = std::getenv("WATCHDOG_PID"); pid && std::atol(pid) != getpid())
    return std::nullopt;
  char* end = nullptr;
  const unsigned long long v = std::strtoull(usec, &end, 10);
  if (end == usec || *end != '\0' || v == 0) return std::nullopt;
  return std::chrono::microseconds(v);
}

}  // namespace uplinkprobe::platform
