#include <cmath>

#include "collector/db/database.h"

namespace uplinkprobe::collector::db {

std::optional<int64_t> asInt(const Value& v) {
  if (auto* i = std::get_if<int64_t>(&v)) return *i;
  if (auto* d = std::get_if<double>(&v)) return static_cast<int64_t>(std::llround(*d));
  if (auto* s = std::get_if<std::string>(&v)) {
    try {
      size_t n = 0;
      long long x = std::stoll(*s, &n);
      if (n == s->size()) return x;
    } catch (...) {
    }
  }
  return std::nullopt;
}

std::optional<double> asDouble(const Value& v) {
  if (auto* d = std::get_if<double>(&v)) return *d;
  if (auto* i = std::get_if<int64_t>(&v)) return static_cast<double>(*i);
  if (auto* s = std::get_if<std::string>(&v)) {
    try {
      size_t n = 0;
      double x = std::stod(*s, &n);
      if (n == s->size()) return x;
    } catch (...) {
    }
  }
  return std::nullopt;
}

std::optional<std::string> asText(const Value& v) {
  if (auto* s = std::get_if<std::string>(&v)) return *s;
  if (auto* i = std::get_if<int64_t>(&v)) return std::to_string(*i);
  if (auto* d = std::get_if<double>(&v)) return std::to_string(*d);
  return std::nullopt;
}

bool isNull(const Value& v) { return std::holds_alternative<std::monostate>(v); }

}  // namespace uplinkprobe::collector::db
