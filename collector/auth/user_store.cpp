#include "collector/auth/user_store.h"

namespace uplinkprobe::collector::auth {

namespace {
constexpr const char* kColumns =
    "SELECT name, role, scope_city, scope_county, password_hash, "
    "CASE WHEN api_token_digest IS NULL THEN 0 ELSE 1 END, created_ms, updated_ms FROM users";

User fromRow(const std::vector<db::Value>& r) {
  User u;
  u.name = db::asText(r[0]).value_or("");
  auto role = parseRole(db::asText(r[1]).value_or(""));
  u.role = role ? *role : Role::kViewer;
  u.scope.city = db::asText(r[2]).value_or("");
  u.scope.county = db::asText(r[3]).value_or("");
  u.password_hash = db::asText(r[4]).value_or("");
  u.has_api_token = db::asInt(r[5]).value_or(0) != 0;
  u.created_ms = db::asInt(r[6]).value_or(0);
  u.updated_ms = db::asInt(r[7]).value_or(0);
  return u;
}
}  // namespace

std::string userNameProblem(const std::string& name) {
  if (name.empty() || name.size() > 64) return "a user name has 1 to 64 characters";
  for (unsigned char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-' || c == '@';
    if (!ok) return "a user name has only letters, digits and . _ - @ (got \"" + name + "\")";
  }
  return "";
}

Status UserStore::add(const User& u, std::int64_t now_ms) {
  if (auto p = userNameProblem(u.name); !p.empty()) return makeError(ErrorKind::kUsage, p);
  auto existing = find(u.name);
  if (!existing) return existing.error();
  if (*existing) return makeError(ErrorKind::kExists, "user \"" + u.name + "\" already exists");
  auto r = db_.execute(
      "INSERT INTO users (name, role, scope_city, scope_county, password_hash, created_ms, "
      "updated_ms) VALUES (?, ?, ?, ?, ?, ?, ?)",
      {u.name, std::string(roleName(u.role)), u.scope.city, u.scope.county, u.password_hash, now_ms,
       now_ms});
  if (!r) return r.error();
  return Status::Ok();
}

Result<bool> UserStore::setPassword(const std::string& name, const std::string& hash,
                                    std::int64_t now_ms) {
  auto r = db_.execute("UPDATE users SET password_hash = ?, updated_ms = ? WHERE name = ?",
                       {hash, now_ms, name});
  if (!r) return r.error();
  return *r > 0;
}

Result<bool> UserStore::setApiTokenDigest(const std::string& name, const std::string& digest,
                                          std::int64_t now_ms) {
  db::Value d = digest.empty() ? db::Value{} : db::Value{digest};
  auto r = db_.execute("UPDATE users SET api_token_digest = ?, updated_ms = ? WHERE name = ?",
                       {d, now_ms, name});
  if (!r) return r.error();
  return *r > 0;
}

Result<bool> UserStore::remove(const std::string& name) {
  auto r = db_.execute("DELETE FROM users WHERE name = ?", {name});
  if (!r) return r.error();
  return *r > 0;
}

Result<std::vector<User>> UserStore::list() {
  auto rows = db_.query(std::string(kColumns) + " ORDER BY name");
  if (!rows) return rows.error();
  std::vector<User> out;
  for (const auto& r : rows->rows) out.push_back(fromRow(r));
  return out;
}

Result<std::optional<User>> UserStore::find(const std::string& name) {
  auto rows = db_.query(std::string(kColumns) + " WHERE name = ?", {name});
  if (!rows) return rows.error();
  if (rows->empty()) return std::optional<User>{};
  return std::optional<User>{fromRow(rows->rows[0])};
}

Result<std::optional<User>> UserStore::findByApiTokenDigest(const std::string& digest) {
  auto rows = db_.query(std::string(kColumns) + " WHERE api_token_digest = ?", {digest});
  if (!rows) return rows.error();
  if (rows->empty()) return std::optional<User>{};
  return std::optional<User>{fromRow(rows->rows[0])};
}

}  // namespace uplinkprobe::collector::auth
