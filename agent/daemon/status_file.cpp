#include "agent/daemon/status_file.h"

#include "agent/daemon/state_file.h"
#include "common/time_format.h"

namespace uplinkprobe::daemon {

bool StatusWriter::update(nlohmann::json status, WallTime now, SteadyTime steady, bool force) {
  status.erase("updated_at");
  const std::string content = status.dump();
  const bool due = !last_write_ || steady - *last_write_ >= kStatusRewriteAfter;
  if (!force && !due && content == last_content_) return false;
  status["updated_at"] = formatRfc3339Utc(now);
  if (!writeStateFile(path_, status).ok()) return false;
  last_content_ = content;
  last_write_ = steady;
  return true;
}

}  // namespace uplinkprobe::daemon
