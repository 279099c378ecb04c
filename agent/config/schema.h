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
#include "common/result.h"

namespace uplinkprobe::config {

enum class ValueType { kString, kInt, kDouble, kBool, kStringList };

using Value = std::variant<std::string, long long, double, bool, std::vector<std::string>>;

// How one key reaches its Config member. `assign` stores the (type-checked, bound-checked)
// value and returns an error message for semantic problems ("expected tcp:// or ssl://"),
// empty when fine; `get` returns the effective value (the default when the file omits the
// key). `index` is the array position for [[servers]].
struct Field {
  std::function<std::string(Config&, size_t index, const Value&)> assign;
  std::function<Value(const Config&, size_t index)> get;
};

struct KeyDef {
  std::string_view section;  // "identity", "servers" (array of tables), …
  std::string_view key;
  ValueType type;
  std::string_view example;  // TOML literal shown in the generated example config
  std::string_view help;
  double min = 0, max = 0;  // numeric bounds when min < max
  bool required = false;    // must be present for `run`
  Field field;
};

const std::vector<KeyDef>& schema();
// True for sections written as [[name]] (arrays of tables).
bool isArraySection(std::string_view section);
std::string_view typeName(ValueType t);

// Annotated example configuration generated from schema(): every key with help and default.
std::string exampleConfig();

}  // namespace uplinkprobe::config
