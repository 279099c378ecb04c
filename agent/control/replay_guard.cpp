#include "agent/control/replay_guard.h"

#include <filesystem>

#include "platform/atomic_file.h"
#include "platform/state_dir.h"
#include "record/ed25519.h"

namespace uplinkprobe::control {

uint64_t ReplayState::highWater(const std::string& key_id) const {
  auto it = hwm_.find(key_id);
  return it == hwm_.end() ? 0 : it->second;
}

void ReplayState::advance(const std::string& key_id, uint64_t seq) {
  auto& v = hwm_[key_id];
  if (seq > v) v = seq;
}

nlohmann::json ReplayState::toJson() const {
  nlohmann::json marks = nlohmann::json::object();
  for (const auto& [k, v] : hwm_) marks[k] = v;
  return {{"version", 1}, {"high_water", std::move(marks)}};
}

Result<ReplayState> ReplayState::fromJson(const nlohmann::json& j) {
  if (!j.is_object() || j.value("version", 0) != 1 || !j.contains("high_water") ||
      !j["high_water"].is_object())
    return makeError(ErrorKind::kIo, "replay state: not a version 1 state object");
  ReplayState s;
  for (auto it = j["high_water"].begin(); it != j["high_water"].end(); ++it) {
    if (!it.value().is_number_unsigned())
      return makeError(ErrorKind::kIo,
                       "replay state: mark of " + it.key() + " is not an unsigned integer");
    s.hwm_[it.key()] = it.value().get<uint64_t>();
  }
  return s;
}

Result<ReplayState> FileReplayStore::load() {
  // In the state directory: opened relative to it, never through a symlink, bounded.
  std::string name;
  auto dir = platform::StateDir::openParentOf(path_, &name);
  if (!dir) {
    std::error_code ec;
    const auto parent = std::filesystem::path(path_).parent_path();
    if (!std::filesystem::exists(parent.empty() ? "." : parent, ec) && !ec) return ReplayState{};
    return dir.error();
  }
  bool missing = false;
  auto text = dir->readFile(name, 65536, &missing);
  if (missing) return ReplayState{};
  if (!text) return text.error();
  auto j = nlohmann::json::parse(*text, nullptr, false);
  if (j.is_discarded()) return makeError(ErrorKind::kIo, path_ + ": not JSON");
  auto s = ReplayState::fromJson(j);
  if (!s) return makeError(ErrorKind::kIo, path_ + ": " + s.error().message);
  return s;
}

Status FileReplayStore::save(const ReplayState& state) {
  return platform::writeFileAtomic(path_, state.toJson().dump() + "\n", 0640);
}

}  // namespace uplinkprobe::control
