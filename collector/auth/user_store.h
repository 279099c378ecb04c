// UserStore: the `users` table (migration 3 of collector/store/schema.cpp) — add, change
// password, delete, list, find by name or by API token digest.
//
// Thread-safety: none of its own; it uses the given connection from the caller's thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "collector/auth/scope.h"
#include "collector/db/database.h"
#include "common/result.h"

namespace uplinkprobe::collector::auth {

struct User {
  std::string name;
  Role role = Role::kViewer;
  Scope scope;
  std::string password_hash;
  bool has_api_token = false;
  std::int64_t created_ms = 0, updated_ms = 0;
};

// A user name: 1–64 bytes of letters, digits, '.', '_', '-', '@' (ASCII) — it appears in
// logs and on pages.
std::string userNameProblem(const std::string& name);

class UserStore {
 public:
  explicit UserStore(db::Database& db) : db_(db) {}

  // Errors: kind "exists" when the name is taken.
  Status add(const User& user, std::int64_t now_ms);
  // false when there is no such user.
  Result<bool> setPassword(const std::string& name, const std::string& hash, std::int64_t now_ms);
  Result<bool> setApiTokenDigest(const std::string& name, const std::string& digest,
                                 std::int64_t now_ms);
  Result<bool> remove(const std::string& name);
  Result<std::vector<User>> list();
  Result<std::optional<User>> find(const std::string& name);
  Result<std::optional<User>> findByApiTokenDigest(const std::string& digest);

 private:
  db::Database& db_;
};

}  // namespace uplinkprobe::collector::auth
