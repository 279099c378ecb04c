#include "agent/control/config_change.h"

#include <sys/stat.h>

#include <filesystem>

#include "agent/config/config_loader.h"
#include "agent/config/remote_overrides.h"
#include "agent/config/toml_edit.h"
#include "platform/atomic_file.h"
#include "record/ed25519.h"

namespace uplinkprobe::control {
namespace {

Result<std::string> setKey(const std::string& text, const char* section, const char* key,
                           const std::string& literal) {
  auto r = config::setTomlKey(text, section, key, literal);
  if (!r) return makeError(ErrorKind::kInvalidArguments, r.error().message);
  return r;
}

}  // namespace

Result<std::string> editConfigText(const std::string& text, const SetSchedule& s) {
  std::string out = text;
  if (s.tests_per_day) {
    auto r = setKey(out, "schedule", "tests_per_day", std::to_string(*s.tests_per_day));
    if (!r) return r;
    out = std::move(*r);
  }
  if (s.windows) {
    std::string literal = "[";
    for (size_t i = 0; i < s.windows->size(); ++i)
      literal += (i ? ", " : "") + config::tomlQuote((*s.windows)[i]);
    literal += "]";
    auto r = setKey(out, "schedule", "windows", literal);
    if (!r) return r;
    out = std::move(*r);
  }
  return out;
}

Result<std::string> editConfigText(const std::string& text, const SetTarget& t) {
  std::string out = text;
  const std::pair<const char*, const std::optional<int64_t>*> fields[] = {
      {"floor_down_mbps", &t.floor_down_mbps},
      {"contracted_down_mbps", &t.contracted_down_mbps},
      {"contracted_up_mbps", &t.contracted_up_mbps},
      {"tolerance_pct", &t.tolerance_pct}};
  for (const auto& [key, value] : fields) {
    if (!*value) continue;
    auto r = setKey(out, "target", key, std::to_string(**value));
    if (!r) return r;
    out = std::move(*r);
  }
  return out;
}

Result<config::Config> applyRemoteEdit(
    const std::string& config_path,
    const std::function<Result<std::string>(const std::string&)>& edit) {
  auto text = record::readSmallFile(config_path, 1 << 20);
  if (!text) return makeError(ErrorKind::kIo, text.error().message);
  auto base = config::loadConfigString(*text, config_path, config::Purpose::kRun);
  if (!base) return makeError(ErrorKind::kInvalidArguments, base.error().message);
  const std::string path = config::remoteOverridesPath(base->storage.dir);
  auto before = config::readRemoteOverrides(path);
  if (!before) return makeError(ErrorKind::kIo, before.error().message);
  const std::string start =
      before->empty() ? std::string(
                            "# Written by uplinkprobe for signed remote commands (set_schedule,\n"
                            "# set_target) and laid over the config file at every load. Only\n"
                            "# [schedule] and [target] keys are accepted here: docs/control.md.\n")
                      : *before;
  auto after = edit(start);
  if (!after) return after.error();
  // The same loading as `uplinkprobe check-config` (Purpose::kRun), overrides included.
  auto merged = config::applyRemoteOverrides(*text, *after, path);
  if (!merged) return makeError(ErrorKind::kInvalidArguments, merged.error().message);
  auto cfg = config::loadConfigString(*merged, config_path + " with " + path, config::Purpose::kRun,
                                      std::filesystem::path(config_path).parent_path().string());
  if (!cfg) return makeError(ErrorKind::kInvalidArguments, cfg.error().message);
  cfg->source_path = config_path;
  cfg->remote_overrides_path = path;
  if (*after == *before) return cfg;
  constexpr mode_t kMode = 0640;
  if (!before->empty()) {
    if (auto w = platform::writeFileAtomic(path + ".bak", *before, kMode); !w) return w.error();
  }
  if (auto w = platform::writeFileAtomic(path, *after, kMode); !w) return w.error();
  return cfg;
}

}  // namespace uplinkprobe::control
