#include "collector/db/database.h"

#include "collector/db/backends.h"

namespace uplinkprobe::collector::db {

Result<std::unique_ptr<Database>> openDatabase(const std::string& url, const Options& options) {
  if (url == "sqlite::memory:") return openSqlite(":memory:", options);
  if (url.rfind("sqlite://", 0) == 0) {
    std::string path = url.substr(9);  // sqlite:///abs → /abs; sqlite://rel → rel
    if (path.empty())
      return makeError(ErrorKind::kDb, "database url \"" + url + "\": no file path");
    return openSqlite(path, options);
  }
  if (url.rfind("postgresql://", 0) == 0 || url.rfind("postgres://", 0) == 0)
    return openPostgres(url, options);
  return makeError(ErrorKind::kDb, "database url \"" + url +
                                       "\": expected sqlite:///path/ledger.db or postgresql://…");
}

}  // namespace uplinkprobe::collector::db
