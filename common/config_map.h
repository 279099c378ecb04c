// Config map: the machinery behind "one schema table per configuration" (fluent-bit's
// config-map idea), shared by the agent (agent/config) and the collector (collector/config).
//
// A program declares its keys once as a table of KeyDef<Config> (section, key, type, example
// default, help, bounds, how the value reaches its Config member). From that table come:
//  - loadToml(): parse a TOML text, refuse unknown sections/keys, wrong types and values out of
//    bounds, with errors naming the file, the line and the key ("x.toml line 12: [mqtt] uri:
//    expected tcp:// or ssl://"), kind "config";
//  - exampleToml(): the annotated example configuration.
// toml++ types stay inside config_map.cpp.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>
#include <vector>

#include "common/result.h"

namespace uplinkprobe::configmap {

enum class ValueType { kString, kInt, kDouble, kBool, kStringList };

using Value = std::variant<std::string, long long, double, bool, std::vector<std::string>>;

std::string_view typeName(ValueType t);  // "a string", "an integer", …

// How one key reaches its Config member. `assign` stores the (type-checked, bound-checked)
// value and returns an error message for semantic problems, empty when fine; `get` returns the
// effective value (the default when the file omits the key). `index` is the position in an
// array of tables ([[servers]], [[notify]]).
template <typename Config>
struct Field {
  std::function<std::string(Config&, size_t index, const Value&)> assign;
  std::function<Value(const Config&, size_t index)> get;
};

template <typename Config>
struct KeyDef {
  std::string_view section;  // "mqtt", "servers" (array of tables), …
  std::string_view key;
  ValueType type;
  std::string_view example;  // TOML literal shown in the generated example config
  std::string_view help;
  double min = 0, max = 0;  // numeric bounds when min < max
  bool required = false;    // must be present for `run` (checked by the program)
  Field<Config> field;
};

// --- the non-template core --------------------------------------------------------------

struct KeySpec {
  std::string_view section, key;
  ValueType type;
  double min = 0, max = 0;
  std::string_view example, help;
  bool required = false;
};

struct TomlWalk {
  std::vector<KeySpec> keys;
  std::function<bool(std::string_view section)> is_array_section;
  // Called before the keys of element `index` of an array of tables are applied.
  std::function<void(std::string_view section, size_t index)> begin_array_element;
  // Stores key `keys[key_index]` of element `index`; returns an error message or "".
  std::function<std::string(size_t key_index, size_t index, const Value&)> assign;
  // Optional: told the line of every known key the file sets (for later messages that name
  // file, line and key).
  std::function<void(std::string_view section, std::string_view key, size_t index, int line)>
      on_key;
};

inline constexpr size_t kMaxConfigBytes = 1 << 20;  // a config is a few kB

// Parses `text` (named `source` in messages) and applies every key through `walk`.
Status walkToml(const std::string& text, const std::string& source, const TomlWalk& walk);
// Reads a config file (at most kMaxConfigBytes); errors name the path.
Result<std::string> readConfigFile(const std::string& path);
// "# help Range a..b. Required.\nkey = example" for every key, grouped by section.
std::string exampleText(const std::string& header, const std::vector<KeySpec>& keys,
                        const std::function<bool(std::string_view)>& is_array_section);

// --- typed front ends ---------------------------------------------------------------------

template <typename Config>
std::vector<KeySpec> keySpecs(const std::vector<KeyDef<Config>>& schema) {
  std::vector<KeySpec> out;
  out.reserve(schema.size());
  for (const auto& k : schema)
    out.push_back({k.section, k.key, k.type, k.min, k.max, k.example, k.help, k.required});
  return out;
}

template <typename Config>
Status loadToml(const std::vector<KeyDef<Config>>& schema,
                const std::function<bool(std::string_view)>& is_array_section,
                const std::function<void(Config&, std::string_view, size_t)>& begin_array_element,
                const std::string& text, const std::string& source, Config& out,
                decltype(TomlWalk::on_key) on_key = nullptr) {
  TomlWalk walk;
  walk.on_key = std::move(on_key);
  walk.keys = keySpecs(schema);
  walk.is_array_section = is_array_section;
  walk.begin_array_element = [&](std::string_view section, size_t index) {
    if (begin_array_element) begin_array_element(out, section, index);
  };
  walk.assign = [&](size_t key, size_t index, const Value& v) {
    return schema[key].field.assign(out, index, v);
  };
  return walkToml(text, source, walk);
}

template <typename Config>
std::string exampleToml(const std::string& header, const std::vector<KeyDef<Config>>& schema,
                        const std::function<bool(std::string_view)>& is_array_section) {
  return exampleText(header, keySpecs(schema), is_array_section);
}

// --- fields from members ------------------------------------------------------------------

namespace detail {
template <typename M>
std::string store(M& dst, const Value& v, const std::function<std::string(const M&)>& check) {
  M x;
  if constexpr (std::is_same_v<M, int>)
    x = static_cast<int>(std::get<long long>(v));
  else if constexpr (std::is_same_v<M, long long>)
    x = std::get<long long>(v);
  else
    x = std::get<M>(v);
  if constexpr (std::is_same_v<M, std::vector<std::string>>)
    if (x.size() > 32) return "at most 32 entries";
  if (check) {
    if constexpr (std::is_same_v<M, std::string>) {
      if (!x.empty())
        if (auto err = check(x); !err.empty()) return err;
    } else if (auto err = check(x); !err.empty()) {
      return err;
    }
  }
  dst = std::move(x);
  return "";
}
template <typename M>
Value load(const M& src) {
  if constexpr (std::is_same_v<M, int>)
    return static_cast<long long>(src);
  else
    return src;
}
}  // namespace detail

// A Field for member `field` of section struct `sec` (std::string, int, long long, double,
// bool or std::vector<std::string>). `check` sees non-empty strings / every other value and
// returns an error message or "".
template <typename Config, typename S, typename M>
Field<Config> member(S Config::*sec, M S::*field,
                     std::function<std::string(const M&)> check = nullptr) {
  return {
      [=](Config& c, size_t, const Value& v) { return detail::store((c.*sec).*field, v, check); },
      [=](const Config& c, size_t) { return detail::load((c.*sec).*field); }};
}

// A Field for member `field` of element `index` of the array of tables `arr`.
template <typename Config, typename E, typename M>
Field<Config> element(std::vector<E> Config::*arr, M E::*field,
                      std::function<std::string(const M&)> check = nullptr) {
  return {[=](Config& c, size_t i, const Value& v) {
            if ((c.*arr).size() <= i) (c.*arr).resize(i + 1);
            return detail::store((c.*arr)[i].*field, v, check);
          },
          [=](const Config& c, size_t i) {
            return i < (c.*arr).size() ? detail::load((c.*arr)[i].*field) : detail::load(M{});
          }};
}

}  // namespace uplinkprobe::configmap
