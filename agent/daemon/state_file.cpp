#include "agent/daemon/state_file.h"

#include <fstream>

#include "platform/atomic_file.h"

namespace uplinkprobe::daemon {

Status writeStateFile(const std::string& path, const nlohmann::json& state) {
  return platform::writeFileAtomic(path, state.dump() + "\n", 0640);
}

std::optional<nlohmann::json> readStateFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (text.size() > (1 << 20)) return std::nullopt;
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded()) return std::nullopt;
  return j;
}

}  // namespace uplinkprobe::daemon
