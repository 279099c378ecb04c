// The one schema table of the configuration (fluent-bit's config-map idea): every key, its
// type, default, bounds and help text is declared once here. The loader uses it to reject
// unknown keys and wrong types; the annotated example config is generated from it, so docs
// and code cannot drift apart.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "agent/config/config.h"
#include "common/config_map.h"
#include "common/result.h"

namespace uplinkprobe::config {

// The table machinery (types, loader, example generator) is common/config_map.h, shared with
// the collector; these names keep the agent's spelling.
using ValueType = configmap::ValueType;
using Value = configmap::Value;
using Field = configmap::Field<Config>;
using KeyDef = configmap::KeyDef<Config>;
using configmap::typeName;

const std::vector<KeyDef>& schema();
// True for sections written as [[name]] (arrays of tables).
bool isArraySection(std::string_view section);

// Annotated example configuration generated from schema(): every key with help and default.
std::string exampleConfig();

}  // namespace uplinkprobe::config
