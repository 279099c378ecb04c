// The one schema table of the collector's configuration: every key, its type, default, bounds
// and help, declared once. The loader, its errors (file, line, key) and `example-config`
// come from it (machinery: common/config_map.h, shared with the agent).
#pragma once

#include <string_view>
#include <vector>

#include "collector/config/config.h"
#include "common/config_map.h"

namespace uplinkprobe::collector::config {

using KeyDef = configmap::KeyDef<Config>;

const std::vector<KeyDef>& schema();
// True for sections written as [[name]] (arrays of tables): "notify".
bool isArraySection(std::string_view section);

}  // namespace uplinkprobe::collector::config
