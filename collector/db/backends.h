// Backend constructors behind openDatabase(); internal to collector/db.
#pragma once

#include "collector/db/database.h"

namespace uplinkprobe::collector::db {

Result<std::unique_ptr<Database>> openSqlite(const std::string& path, const Options& options);
Result<std::unique_ptr<Database>> openPostgres(const std::string& url, const Options& options);
// Rewrites `?` placeholders (outside '…' and "…") to $1..$n.
std::string toDollarPlaceholders(std::string_view sql);

}  // namespace uplinkprobe::collector::db
