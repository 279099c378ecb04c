// Replay protection: per issuer key, the highest issuer_seq ever accepted (the high-water
// mark). A command is fresh only when its issuer_seq is above its key's mark. The mark is
// persisted (atomically, fsync'd) BEFORE the command is acted on, so a kill -9 between
// receipt and answer can lose a command but never run it twice; and a command refused after
// authentication (unknown verb, rate limited, busy, …) still consumes its number, so it can
// never be replayed later to run.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "common/result.h"

namespace uplinkprobe::control {

class ReplayState {
 public:
  uint64_t highWater(const std::string& key_id) const;
  bool fresh(const std::string& key_id, uint64_t seq) const { return seq > highWater(key_id); }
  // Raises the key's mark to seq (never lowers it).
  void advance(const std::string& key_id, uint64_t seq);

  // {"version":1,"high_water":{"<key_id>":<seq>,…}}
  nlohmann::json toJson() const;
  static Result<ReplayState> fromJson(const nlohmann::json& j);

 private:
  std::map<std::string, uint64_t> hwm_;
};

// Where the state lives. Implementations: FileReplayStore (the daemon) and test fakes.
class ReplayStore {
 public:
  virtual ~ReplayStore() = default;
  // A missing store is an empty state; an unreadable or corrupt one is an error (the
  // controller then refuses every command: without the marks it cannot tell a replay).
  virtual Result<ReplayState> load() = 0;
  // Durable when it returns Ok.
  virtual Status save(const ReplayState& state) = 0;
};

class FileReplayStore final : public ReplayStore {
 public:
  explicit FileReplayStore(std::string path) : path_(std::move(path)) {}
  Result<ReplayState> load() override;
  Status save(const ReplayState& state) override;

 private:
  std::string path_;
};

}  // namespace uplinkprobe::control
