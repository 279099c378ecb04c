#include "platform/boot_id.h"

#include <fstream>

namespace uplinkprobe::platform {
std::string bootId() {
  std::ifstream in("/proc/sys/kernel/random/boot_id");
  std::string id;
  if (!(in >> id) || id.size() > 64) return "unknown";
  return id;
}
}  // namespace uplinkprobe::platform
