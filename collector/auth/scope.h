// Scope: the region a user may see — the whole province, one city (市/州) or one county of a
// city (县/区). inScope() is the one function that decides whether a school is visible; pages,
// the JSON API and the exports all ask it (through the ledger's city/county filter or a
// school's place), never a rule of their own.
#pragma once

#include <string>
#include <string_view>

#include "common/result.h"

namespace uplinkprobe::collector::auth {

struct Scope {
  std::string city;    // "" = the whole province
  std::string county;  // "" = the whole city (only with a city)

  bool province() const { return city.empty(); }
};

// REGION as given to `user add --scope`: the province's name (or "*"), a city, or
// "city/county". Names are kept as typed (they must match the registry's city/county).
Result<Scope> parseScope(std::string_view text, std::string_view province_name);
// The inverse: "*" for the province, "city" or "city/county".
std::string scopeText(const Scope& scope);

// Whether a school in (city, county) is visible to a user with this scope. A school that only
// devices know (no registry row: city and county empty) is visible at province scope only.
bool inScope(const Scope& scope, std::string_view city, std::string_view county);

enum class Role { kViewer, kOperator, kAdmin };
const char* roleName(Role r);  // "viewer", "operator", "admin"
Result<Role> parseRole(std::string_view text);

}  // namespace uplinkprobe::collector::auth
