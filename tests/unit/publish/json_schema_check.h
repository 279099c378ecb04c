// A small JSON Schema (draft 2020-12) checker for the subset docs/schema/*.json uses: type,
// required, properties, additionalProperties (schema), enum, const, minimum, maximum,
// minLength, pattern, allOf, and $ref to another file in the same directory. Unknown
// keywords are ignored (so the checker is strict only about what the schemas say).
#pragma once

#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <string>
#include <vector>

namespace uplinkprobe::publish::testing {

class SchemaChecker {
 public:
  explicit SchemaChecker(std::string dir) : dir_(std::move(dir)) {}

  nlohmann::json load(const std::string& file) const {
    std::ifstream f(dir_ + "/" + file);
    return nlohmann::json::parse(f);
  }
  // Empty = valid; otherwise one message per violation with its JSON pointer.
  std::vector<std::string> check(const nlohmann::json& value, const std::string& file) const {
    std::vector<std::string> errs;
    walk(value, load(file), "", errs);
    return errs;
  }

 private:
  static bool hasType(const nlohmann::json& v, const std::string& t) {
    if (t == "object") return v.is_object();
    if (t == "array") return v.is_array();
    if (t == "string") return v.is_string();
    if (t == "boolean") return v.is_boolean();
    if (t == "null") return v.is_null();
    if (t == "integer") return v.is_number_integer();
    if (t == "number") return v.is_number();
    return false;
  }
  void walk(const nlohmann::json& v, const nlohmann::json& s, const std::string& at,
            std::vector<std::string>& errs) const {
    const std::string where = at.empty() ? "/" : at;
    if (s.contains("$ref")) walk(v, load(s["$ref"].get<std::string>()), at, errs);
    if (s.contains("allOf")) {
      for (const auto& sub : s["allOf"]) walk(v, sub, at, errs);
    }
    if (s.contains("type")) {
      bool ok = false;
      if (s["type"].is_string()) ok = hasType(v, s["type"]);
      for (const auto& t : s["type"].is_array() ? s["type"] : nlohmann::json::array()) {
        ok |= hasType(v, t);
      }
      if (!ok) {
        errs.push_back(where + ": expected type " + s["type"].dump() + ", got " + v.dump());
        return;
      }
    }
    if (s.contains("const") && v != s["const"]) {
      errs.push_back(where + ": expected " + s["const"].dump() + ", got " + v.dump());
    }
    if (s.contains("enum") && std::find(s["enum"].begin(), s["enum"].end(), v) == s["enum"].end()) {
      errs.push_back(where + ": " + v.dump() + " not in " + s["enum"].dump());
    }
    if (v.is_number()) {
      if (s.contains("minimum") && v.get<double>() < s["minimum"].get<double>()) {
        errs.push_back(where + ": below minimum");
      }
      if (s.contains("maximum") && v.get<double>() > s["maximum"].get<double>()) {
        errs.push_back(where + ": above maximum");
      }
    }
    if (v.is_string()) {
      const auto& str = v.get_ref<const std::string&>();
      if (s.contains("minLength") && str.size() < s["minLength"].get<size_t>()) {
        errs.push_back(where + ": shorter than minLength");
      }
      if (s.contains("pattern") &&
          !std::regex_search(str, std::regex(s["pattern"].get<std::string>()))) {
        errs.push_back(where + ": \"" + str + "\" does not match " + s["pattern"].dump());
      }
    }
    if (v.is_object()) {
      for (const auto& r : s.value("required", nlohmann::json::array())) {
        if (!v.contains(r.get<std::string>())) errs.push_back(where + ": missing " + r.dump());
      }
      const auto props = s.value("properties", nlohmann::json::object());
      for (const auto& [k, child] : v.items()) {
        if (props.contains(k)) {
          walk(child, props[k], at + "/" + k, errs);
        } else if (s.contains("additionalProperties") && s["additionalProperties"].is_object()) {
          walk(child, s["additionalProperties"], at + "/" + k, errs);
        }
      }
    }
  }
  std::string dir_;
};

}  // namespace uplinkprobe::publish::testing
