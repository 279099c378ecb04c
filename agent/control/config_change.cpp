#include "agent/control/config_change.h"

#include <sys/stat.h>

#include "agent/config/config_loader.h"
#include "agent/config/toml_edit.h"
#include "platform/atomic_file.h"
#include "record/ed25519.h"

namespace uplinkprobe::control {
namespace {

Result<std::string> setKey(const std::string& text, const char* section, const char* key,
                           const std::string& literal) {
  auto r = config::setTomlKey(text, section, key, literal);
  if (!r) return makeError("invalid_arguments", r.error().message);
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

Result<config::Config> applyConfigEdit(
    const std::string& path, const std::function<Result<std::string>(const std::string&)>& edit) {
  auto before = record::readSmallFile(path, 1 << 20);
  if (!before) return makeError("io", before.error().message);
  auto after = edit(*before);
  if (!after) return after.error();
  // The same validation as `uplinkprobe check-config` (Purpose::kRun).
  auto cfg = config::loadConfigString(*after, path, config::Purpose::kRun);
  if (!cfg) return makeError("invalid_arguments", cfg.error().message);
  if (*after == *before) return cfg;
  struct stat st {};
  const mode_t mode = ::stat(path.c_str(), &st) == 0 ? (st.st_mode & 07777) : 0644;
  if (auto w = platform::writeFileAtomic(path + ".bak", *before, mode); !w) return w.error();
  if (auto w = platform::writeFileAtomic(path, *after, mode); !w) return w.error();
  return cfg;
}

}  // namespace uplinkprobe::control
