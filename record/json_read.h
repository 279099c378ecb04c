// Tolerant reads of one member of a JSON object, for the typed record parsers
// (throughput_record.cpp, availability_records.cpp): a member that is absent, null or of
// another type reads as absent. Never throws. Internal to the record module.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "common/clock.h"
#include "common/time_format.h"

namespace uplinkprobe::record::json_read {

inline const nlohmann::json* member(const nlohmann::json& j, const char* key) {
  if (!j.is_object()) return nullptr;
  auto it = j.find(key);
  return it == j.end() ? nullptr : &*it;
}

inline std::optional<double> number(const nlohmann::json& j, const char* key) {
  const nlohmann::json* v = member(j, key);
  if (v == nullptr || !v->is_number()) return std::nullopt;
  return v->get<double>();
}

// Integers only (a JSON 3.5 is not a count); negative counts read as absent.
inline std::optional<int64_t> count(const nlohmann::json& j, const char* key) {
  const nlohmann::json* v = member(j, key);
  if (v == nullptr || !v->is_number_integer()) return std::nullopt;
  const int64_t n = v->get<int64_t>();
  if (n < 0) return std::nullopt;
  return n;
}

inline std::optional<bool> boolean(const nlohmann::json& j, const char* key) {
  const nlohmann::json* v = member(j, key);
  if (v == nullptr || !v->is_boolean()) return std::nullopt;
  return v->get<bool>();
}

inline std::string text(const nlohmann::json& j, const char* key) {
  const nlohmann::json* v = member(j, key);
  return v != nullptr && v->is_string() ? v->get<std::string>() : std::string();
}

inline bool notNull(const nlohmann::json& j, const char* key) {
  const nlohmann::json* v = member(j, key);
  return v != nullptr && !v->is_null();
}

// An RFC 3339 time (records carry UTC with "Z"); absent when missing or unparsable.
inline std::optional<WallTime> time(const nlohmann::json& j, const char* key) {
  const nlohmann::json* v = member(j, key);
  if (v == nullptr || !v->is_string()) return std::nullopt;
  return parseRfc3339(v->get<std::string>());
}

}  // namespace uplinkprobe::record::json_read
