// Test support: a migrated-ready database for collector tests, by backend name.
//   "sqlite"   — an in-memory SQLite database (unit tests)
//   "postgres" — a fresh database on the process's private PostgreSQL server
//                (tests/support/postgres_server.h), started on first use, stopped at exit.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "collector/db/database.h"
#include "tests/support/postgres_server.h"

namespace uplinkprobe::testing {

inline PostgresServer& sharedPostgres() {
  static PostgresServer server;
  return server;
}

// Returns nullptr after recording a test failure when the database cannot be had.
inline std::unique_ptr<collector::db::Database> openTestDatabase(const std::string& backend) {
  if (backend == "sqlite") {
    auto db = collector::db::openDatabase("sqlite::memory:");
    if (!db) ADD_FAILURE() << db.error().message;
    return db ? std::move(*db) : nullptr;
  }
  auto& pg = sharedPostgres();
  if (!pg.ok()) {
    ADD_FAILURE() << "PostgreSQL: " << pg.error();
    return nullptr;
  }
  static int counter = 0;
  const std::string name = "t" + std::to_string(getpid()) + "_" + std::to_string(++counter);
  if (!pg.createDatabase(name)) {
    ADD_FAILURE() << pg.error();
    return nullptr;
  }
  auto db = collector::db::openDatabase(pg.url(name));
  if (!db) ADD_FAILURE() << db.error().message;
  return db ? std::move(*db) : nullptr;
}

}  // namespace uplinkprobe::testing
