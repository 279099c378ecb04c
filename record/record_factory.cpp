#include "record/record_factory.h"

#include "common/time_format.h"
#include "common/version.h"
#include "platform/boot_id.h"

namespace uplinkprobe::record {
namespace {
// 2020-01-01T00:00:00Z: no record of this product can legitimately be older.
constexpr auto kEarliestPlausible = std::chrono::seconds(1577836800);
}  // namespace

RecordFactory::RecordFactory(Identity identity, const Clock& clock, SyncProbe sync,
                             std::string boot_id)
    : identity_(std::move(identity)),
      clock_(clock),
      sync_(sync ? std::move(sync) : SyncProbe(&platform::clockSyncState)),
      boot_id_(boot_id.empty() ? platform::bootId() : std::move(boot_id)) {}

nlohmann::json RecordFactory::make(const std::string& kind, nlohmann::json body) const {
  if (!body.is_object()) body = nlohmann::json::object();
  const WallTime now = clock_.wallNow();
  const bool plausible = now.time_since_epoch() >= kEarliestPlausible;
  const auto sync = sync_();
  body["schema"] = kRecordSchema;
  body["kind"] = kind;
  body["device_id"] = identity_.device_id;
  body["school_id"] = identity_.school_id;
  body["ts"] = formatRfc3339Utc(now);
  body["clock_synced"] = sync.synced && plausible;
  if (!plausible) body["clock_suspect"] = true;
  body["boot_id"] = boot_id_;
  body["mono_s"] = std::chrono::duration<double>(clock_.steadyNow().time_since_epoch()).count();
  body["agent_version"] = kAgentVersion;
  return body;
}

}  // namespace uplinkprobe::record
