#include "agent/config/remote_overrides.h"

#include <toml++/toml.h>

#include "agent/config/toml_edit.h"
#include "platform/state_dir.h"

namespace uplinkprobe::config {
namespace {

bool allowed(std::string_view section, std::string_view key) {
  for (const auto& [s, k] : kRemoteKeys)
    if (s == section && k == key) return true;
  return false;
}

std::string lineOf(const toml::node& n) {
  const auto& src = n.source();
  return src.begin ? " line " + std::to_string(src.begin.line) : std::string();
}

// The value as a TOML literal, or nullopt when it has a shape no remote key takes.
std::optional<std::string> literalOf(std::string_view key, const toml::node& v) {
  if (key == "windows") {
    const auto* arr = v.as_array();
    if (!arr) return std::nullopt;
    std::string out = "[";
    for (std::size_t i = 0; i < arr->size(); ++i) {
      const auto* s = (*arr)[i].as_string();
      if (!s) return std::nullopt;
      out += (i ? ", " : "") + tomlQuote(s->get());
    }
    return out + "]";
  }
  if (const auto* i = v.as_integer()) return std::to_string(i->get());
  return std::nullopt;
}

}  // namespace

std::string remoteOverridesPath(const std::string& storage_dir) {
  return storage_dir + "/remote.toml";
}

Result<std::string> readRemoteOverrides(const std::string& path) {
  // No state directory yet (or not a directory): no overrides; the storage checks of
  // check-config and run report the directory itself.
  bool missing = false;
  auto text = platform::readRegularFile(path, kMaxRemoteOverridesBytes,
                                        /*follow_symlinks=*/false, &missing);
  if (!text && missing) return std::string();
  return text;
}

Result<std::string> applyRemoteOverrides(const std::string& config_text,
                                         const std::string& overrides,
                                         const std::string& overrides_name) {
  if (overrides.empty()) return config_text;
  toml::table root;
  try {
    root = toml::parse(overrides, overrides_name);
  } catch (const toml::parse_error& e) {
    return makeError(ErrorKind::kConfig, overrides_name + " line " +
                                             std::to_string(e.source().begin.line) + ": " +
                                             std::string(e.description()));
  }
  std::string out = config_text;
  for (const auto& [section_key, section_node] : root) {
    const std::string section(section_key.str());
    const auto* table = section_node.as_table();
    if (!table)
      return makeError(ErrorKind::kConfig,
                       overrides_name + lineOf(section_node) + ": " + section +
                           " may not be set remotely (only [schedule] and [target] keys)");
    for (const auto& [key_key, value] : *table) {
      const std::string key(key_key.str());
      if (!allowed(section, key))
        return makeError(ErrorKind::kConfig,
                         overrides_name + lineOf(value) + ": [" + section + "] " + key +
                             " may not be set remotely (only tests_per_day, windows, "
                             "floor_down_mbps, contracted_down_mbps, "
                             "contracted_up_mbps, tolerance_pct)");
      auto literal = literalOf(key, value);
      if (!literal)
        return makeError(ErrorKind::kConfig,
                         overrides_name + lineOf(value) + ": [" + section + "] " + key +
                             ": expected " +
                             (key == "windows" ? "an array of strings" : "an integer"));
      auto edited = setTomlKey(out, section, key, *literal);
      if (!edited) return makeError(ErrorKind::kConfig, edited.error().message);
      out = std::move(*edited);
    }
  }
  return out;
}

}  // namespace uplinkprobe::config
