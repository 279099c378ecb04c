#include "agent/daemon/state_file.h"

#include "platform/atomic_file.h"
#include "platform/state_dir.h"

namespace uplinkprobe::daemon {

Status writeStateFile(const std::string& path, const nlohmann::json& state) {
  return platform::writeFileAtomic(path, state.dump() + "\n", 0640);
}

std::optional<nlohmann::json> readStateFile(const std::string& path) {
  // One open, checked on the descriptor (regular file, not a symlink, at most 1 MiB), then a
  // bounded read: the size is never checked on one file and the bytes read from another.
  std::string name;
  auto dir = platform::StateDir::openParentOf(path, &name);
  if (!dir) return std::nullopt;
  auto read = dir->readFile(name, 1 << 20);
  if (!read) return std::nullopt;
  const std::string& text = *read;
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded()) return std::nullopt;
  return j;
}

}  // namespace uplinkprobe::daemon
