#include "collector/store/test_days.h"

#include <charconv>

namespace uplinkprobe::collector {
namespace {

void appendDouble(std::string& out, std::optional<double> v) {
  if (!v) return;
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof buf, *v);  // shortest round-trip form
  out.append(buf, r.ptr);
}

template <typename T>
bool parseNumber(std::string_view s, T& out) {
  if (s.empty()) return false;
  auto r = std::from_chars(s.data(), s.data() + s.size(), out);
  return r.ec == std::errc() && r.ptr == s.data() + s.size();
}

// "" → nullopt (NULL); a number → its value; anything else → failure.
bool parseOptionalDouble(std::string_view s, std::optional<double>& out) {
  if (s.empty()) return true;
  double v = 0;
  if (!parseNumber(s, v)) return false;
  out = v;
  return true;
}

}  // namespace

void appendPackedTest(std::string& packed, const PackedTest& t) {
  if (!packed.empty()) packed += ';';
  packed += std::to_string(t.ts_ms);
  packed += ',';
  packed += std::to_string(t.local_mow);
  packed += ',';
  appendDouble(packed, t.down_mbps);
  packed += ',';
  appendDouble(packed, t.up_mbps);
  packed += ',';
  if (t.meets_target) packed += *t.meets_target ? '1' : '0';
}

std::optional<PackedTest> parsePackedTest(std::string_view entry) {
  std::string_view f[5];
  for (int i = 0; i < 5; ++i) {
    const size_t cut = entry.find(',');
    if ((cut == std::string_view::npos) != (i == 4)) return std::nullopt;  // exactly 5 fields
    f[i] = entry.substr(0, cut);
    if (cut != std::string_view::npos) entry.remove_prefix(cut + 1);
  }
  PackedTest t;
  if (!parseNumber(f[0], t.ts_ms) || !parseNumber(f[1], t.local_mow)) return std::nullopt;
  if (!parseOptionalDouble(f[2], t.down_mbps) || !parseOptionalDouble(f[3], t.up_mbps))
    return std::nullopt;
  if (f[4] == "1")
    t.meets_target = true;
  else if (f[4] == "0")
    t.meets_target = false;
  else if (!f[4].empty())
    return std::nullopt;
  return t;
}

std::string testDaysBackfillSql(db::Dialect dialect) {
  // SQLite: 15 significant digits when they read back to the same double (two-decimal
  // measurements always do), else printf('%!.17g'), which always does (CAST(real AS TEXT)
  // keeps 15 digits and would lose some). PostgreSQL >= 12: float8's text form is the
  // shortest exact one.
  const bool pg = dialect == db::Dialect::kPostgres;
  const auto num = [pg](const char* col) {
    const std::string c = col;
    return pg ? "COALESCE(" + c + "::text, '')"
              : "CASE WHEN " + c + " IS NULL THEN '' WHEN CAST(printf('%.15g', " + c +
                    ") AS REAL) = " + c + " THEN printf('%.15g', " + c +
                    ") ELSE printf('%!.17g', " + c + ") END";
  };
  const std::string entry = std::string("ts_ms || ',' || local_mow || ',' || ") +
                            num("down_ip_mbps") + " || ',' || " + num("up_ip_mbps") +
                            " || ',' || COALESCE(" + (pg ? "meets_target::text" : "meets_target") +
                            ", '')";
  const std::string agg =
      pg ? "string_agg(" + entry + ", ';' ORDER BY ts_ms)" : "group_concat(" + entry + ", ';')";
  return "INSERT INTO test_days (utc_day, school_id, tests, packed) SELECT ts_ms / 86400000, "
         "school_id, COUNT(*), " +
         agg + " FROM tests WHERE counted = 1 GROUP BY ts_ms / 86400000, school_id";
}

}  // namespace uplinkprobe::collector
