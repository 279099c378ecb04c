// Tolerant field access for printing records: a missing or mistyped field prints as a
// default instead of throwing, so `records`, `report` and `test` never crash on an old or
// damaged record. One copy for every CLI formatter.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace uplinkprobe::cli {

inline double num(const nlohmann::json& j, const char* key, double fallback = 0) {
  if (j.is_object() && j.contains(key) && j[key].is_number()) return j[key].get<double>();
  return fallback;
}

inline std::string str(const nlohmann::json& j, const char* key) {
  if (j.is_object() && j.contains(key) && j[key].is_string()) return j[key].get<std::string>();
  return "";
}

}  // namespace uplinkprobe::cli
