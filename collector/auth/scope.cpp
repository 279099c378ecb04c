#include "collector/auth/scope.h"

namespace uplinkprobe::collector::auth {

namespace {
bool validName(std::string_view s) {
  if (s.empty() || s.size() > 128) return false;
  for (unsigned char c : s) {
    if (c < 0x20 || c == 0x7f || c == '/') return false;
  }
  return true;
}
}  // namespace

Result<Scope> parseScope(std::string_view text, std::string_view province_name) {
  if (text == "*" || (!province_name.empty() && text == province_name)) return Scope{};
  Scope s;
  auto slash = text.find('/');
  if (slash == std::string_view::npos) {
    s.city = std::string(text);
  } else {
    s.city = std::string(text.substr(0, slash));
    s.county = std::string(text.substr(slash + 1));
    if (!validName(s.county)) {
      return makeError(ErrorKind::kUsage, "scope \"" + std::string(text) +
                                              "\": expected the province, a city, or city/county");
    }
  }
  if (!validName(s.city)) {
    return makeError(ErrorKind::kUsage,
                     "scope \"" + std::string(text) +
                         "\": expected the province (or *), a city, or city/county");
  }
  return s;
}

std::string scopeText(const Scope& scope) {
  if (scope.province()) return "*";
  if (scope.county.empty()) return scope.city;
  return scope.city + "/" + scope.county;
}

bool inScope(const Scope& scope, std::string_view city, std::string_view county) {
  if (scope.province()) return true;
  if (city != scope.city) return false;
  return scope.county.empty() || county == scope.county;
}

const char* roleName(Role r) {
  switch (r) {
    case Role::kViewer:
      return "viewer";
    case Role::kOperator:
      return "operator";
    case Role::kAdmin:
      return "admin";
  }
  return "viewer";
}

Result<Role> parseRole(std::string_view text) {
  if (text == "viewer") return Role::kViewer;
  if (text == "operator") return Role::kOperator;
  if (text == "admin") return Role::kAdmin;
  return makeError(ErrorKind::kUsage,
                   "role must be viewer, operator or admin (got \"" + std::string(text) + "\")");
}

}  // namespace uplinkprobe::collector::auth
