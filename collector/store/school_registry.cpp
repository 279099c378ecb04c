#include "collector/store/school_registry.h"

#include <set>
#include <unordered_map>

namespace uplinkprobe::collector {
namespace {

db::Value opt(const std::optional<double>& v) { return v ? db::Value(*v) : db::Value(); }

bool same(const std::vector<db::Value>& row, const RegistrySchool& s) {
  auto text = [&](size_t i) { return db::asText(row[i]).value_or(""); };
  auto num = [&](size_t i) { return db::asDouble(row[i]); };
  return text(1) == s.name && text(2) == s.province && text(3) == s.city && text(4) == s.county &&
         text(5) == s.stage && text(6) == s.carrier && text(7) == s.access &&
         num(8) == s.contracted_down_mbps && num(9) == s.contracted_up_mbps;
}

}  // namespace

Result<ImportOutcome> importSchools(db::Database& db, const std::vector<RegistrySchool>& schools,
                                    int64_t now_ms) {
  std::set<std::string> ids;
  for (const auto& s : schools) {
    if (s.school_id.empty())
      return makeError(ErrorKind::kRegistry,
                       "row " + std::to_string(s.source_row) + ": no school_id");
    if (!ids.insert(s.school_id).second)
      return makeError(ErrorKind::kRegistry, "row " + std::to_string(s.source_row) +
                                                 ": school_id " + s.school_id + " appears twice");
  }
  ImportOutcome out;
  auto st = db::inTransaction(db, [&]() -> Status {
    auto existing = db.query(
        "SELECT school_id, name, province, city, county, stage, carrier, access, "
        "contracted_down_mbps, contracted_up_mbps FROM schools");
    if (!existing) return existing.error();
    std::unordered_map<std::string, size_t> index;
    for (size_t i = 0; i < existing->rows.size(); ++i)
      index.emplace(db::asText(existing->rows[i][0]).value_or(""), i);
    for (const auto& s : schools) {
      auto it = index.find(s.school_id);
      if (it != index.end() && same(existing->rows[it->second], s)) {
        ++out.unchanged;
        continue;
      }
      auto r = db.execute(
          "INSERT INTO schools (school_id, name, province, city, county, stage, carrier, access, "
          "contracted_down_mbps, contracted_up_mbps, source_row, updated_ms) "
          "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (school_id) DO UPDATE SET "
          "name = excluded.name, province = excluded.province, city = excluded.city, "
          "county = excluded.county, stage = excluded.stage, carrier = excluded.carrier, "
          "access = excluded.access, contracted_down_mbps = excluded.contracted_down_mbps, "
          "contracted_up_mbps = excluded.contracted_up_mbps, source_row = excluded.source_row, "
          "updated_ms = excluded.updated_ms",
          {s.school_id, s.name, s.province, s.city, s.county, s.stage, s.carrier, s.access,
           opt(s.contracted_down_mbps), opt(s.contracted_up_mbps), int64_t{s.source_row}, now_ms});
      if (!r)
        return makeError(ErrorKind::kRegistry, "row " + std::to_string(s.source_row) + " (" +
                                                   s.school_id + "): " + r.error().message);
      ++(it == index.end() ? out.inserted : out.updated);
    }
    for (const auto& [id, i] : index)
      if (!ids.count(id)) ++out.not_in_sheet;
    return Status::Ok();
  });
  if (!st) return st.error();
  return out;
}

}  // namespace uplinkprobe::collector
