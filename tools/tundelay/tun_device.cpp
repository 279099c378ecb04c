#include "tools/tundelay/tun_device.h"

#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace tundelay {

bool openTun(const std::string& name, TunDevice* out, std::string* error) {
  if (name.empty() || name.size() >= IFNAMSIZ) {
    *error = "device name must be 1.." + std::to_string(IFNAMSIZ - 1) + " characters";
    return false;
  }
  int fd = ::open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    *error = std::string("open /dev/net/tun: ") + std::strerror(errno);
    return false;
  }
  struct ifreq ifr {};
  ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
  std::memcpy(ifr.ifr_name, name.data(), name.size());
  if (::ioctl(fd, TUNSETIFF, &ifr) < 0) {
    *error = "TUNSETIFF " + name + ": " + std::strerror(errno);
    ::close(fd);
    return false;
  }
  int sock = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  int mtu = 0;
  if (sock >= 0) {
    struct ifreq mreq {};
    std::memcpy(mreq.ifr_name, name.data(), name.size());
    if (::ioctl(sock, SIOCGIFMTU, &mreq) == 0) mtu = mreq.ifr_mtu;
    ::close(sock);
  }
  if (mtu <= 0) {
    *error = "cannot read the MTU of " + name;
    ::close(fd);
    return false;
  }
  out->fd = fd;
  out->mtu = mtu;
  return true;
}

}  // namespace tundelay
