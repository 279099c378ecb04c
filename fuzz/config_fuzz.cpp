// libFuzzer harness for the agent's config loading: the TOML file (written by technicians and
// by `commission`) and the remote overrides laid over it (written by the service account,
// so hostile by assumption: agent/config/remote_overrides.h). The input is split at the
// first NUL byte: config text, then overrides text. Invariants: no crash/UB/hang; overrides
// never change a key outside kRemoteKeys (identity, storage, servers and control stay as the
// config file says).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "agent/config/config_loader.h"
#include "agent/config/remote_overrides.h"

using namespace uplinkprobe::config;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string input(reinterpret_cast<const char*>(data), size);
  const auto nul = input.find('\0');
  const std::string text = input.substr(0, nul);
  const std::string overrides = nul == std::string::npos ? "" : input.substr(nul + 1);
  auto base = loadConfigString(text, "fuzz.toml", Purpose::kRun);
  (void)loadConfigString(text, "fuzz.toml", Purpose::kTest);
  auto merged = applyRemoteOverrides(text, overrides, "remote.toml");
  if (!merged || !base) return 0;
  auto eff = loadConfigString(*merged, "fuzz.toml with remote.toml", Purpose::kRun);
  if (!eff) return 0;
  if (eff->identity.device_id != base->identity.device_id ||
      eff->identity.school_id != base->identity.school_id ||
      eff->storage.dir != base->storage.dir || eff->servers.size() != base->servers.size() ||
      eff->control.trusted_keys != base->control.trusted_keys || eff->mqtt.uri != base->mqtt.uri)
    std::abort();
  return 0;
}
