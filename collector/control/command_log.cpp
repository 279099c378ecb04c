#include "collector/control/command_log.h"

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>

#include "common/time_format.h"
#include "record/command_answer.h"

namespace uplinkprobe::collector::control {
namespace {

int64_t toMs(const std::string& rfc3339) {
  auto t = parseRfc3339(rfc3339);
  if (!t) return 0;
  return std::chrono::duration_cast<std::chrono::milliseconds>(t->time_since_epoch()).count();
}

// Answers are looked for from the issue time until the command expired plus this margin
// (a probe's clock may be off by its allowed skew, and it stamps the answer itself).
constexpr int64_t kAnswerMarginMs = 10 * 60 * 1000;

}  // namespace

Status logIssued(db::Database& db, const record::CommandEnvelope& env, const std::string& issued_by,
                 const std::vector<DeviceAddress>& devices, int64_t issued_ms) {
  return db::inTransaction(db, [&]() -> Status {
    auto r = db.execute(
        "INSERT INTO command_log (command_id, issued_ms, expires_ms, issued_by, key_id, verb, "
        "args, target) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        {env.command_id, issued_ms, toMs(env.expires_at), issued_by, env.key_id, env.verb,
         env.args.dump(),
         std::string(record::targetMember(env.target.kind)) + ":" + env.target.value});
    if (!r) return r.error();
    for (const auto& d : devices) {
      auto row = db.execute(
          "INSERT INTO command_devices (command_id, device_id, school_id, sent) VALUES (?, ?, ?, "
          "0)",
          {env.command_id, d.device_id, d.school_id});
      if (!row) return row.error();
    }
    return Status::Ok();
  });
}

Status logSent(db::Database& db, const std::string& command_id, const std::string& device_id) {
  auto r = db.execute("UPDATE command_devices SET sent = 1 WHERE command_id = ? AND device_id = ?",
                      {command_id, device_id});
  if (!r) return r.error();
  return Status::Ok();
}

Result<std::vector<LoggedCommand>> listCommands(db::Database& db, int limit,
                                                const std::string& school_id) {
  limit = std::clamp(limit, 1, 1000);
  const std::string columns =
      "SELECT command_id, issued_ms, expires_ms, issued_by, key_id, verb, args, target "
      "FROM command_log ";
  auto rows =
      school_id.empty()
          ? db.query(columns + "ORDER BY issued_ms DESC, command_id DESC LIMIT ?",
                     {static_cast<int64_t>(limit)})
          : db.query(columns +
                         "WHERE command_id IN (SELECT command_id FROM command_devices WHERE "
                         "school_id = ?) ORDER BY issued_ms DESC, command_id DESC LIMIT ?",
                     {school_id, static_cast<int64_t>(limit)});
  if (!rows) return rows.error();
  std::vector<LoggedCommand> out;
  for (const auto& r : rows->rows) {
    LoggedCommand c;
    c.command_id = db::asText(r[0]).value_or("");
    c.issued_ms = db::asInt(r[1]).value_or(0);
    c.expires_ms = db::asInt(r[2]).value_or(0);
    c.issued_by = db::asText(r[3]).value_or("");
    c.key_id = db::asText(r[4]).value_or("");
    c.verb = db::asText(r[5]).value_or("");
    c.args = db::asText(r[6]).value_or("");
    c.target = db::asText(r[7]).value_or("");
    auto devs = db.query(
        "SELECT device_id, school_id, sent FROM command_devices WHERE command_id = ? "
        "ORDER BY device_id",
        {c.command_id});
    if (!devs) return devs.error();
    std::map<std::string, std::size_t> index;
    for (const auto& d : devs->rows) {
      DeviceOutcome o;
      o.device_id = db::asText(d[0]).value_or("");
      o.school_id = db::asText(d[1]).value_or("");
      o.sent = db::asInt(d[2]).value_or(0) != 0;
      index[o.device_id] = c.devices.size();
      c.devices.push_back(std::move(o));
    }
    // The answers: event records of the devices' schools within the command's lifetime,
    // matched by command_id (bounded by the records index on school, kind and time).
    std::map<std::string, bool> schools;
    for (const auto& o : c.devices) schools[o.school_id] = true;
    for (const auto& [school, _] : schools) {
      auto ev = db.query(
          "SELECT device_id, ts_ms, payload FROM records WHERE school_id = ? AND kind = 'event' "
          "AND ts_ms BETWEEN ? AND ? ORDER BY ts_ms",
          {school, c.issued_ms - kAnswerMarginMs, c.expires_ms + kAnswerMarginMs});
      if (!ev) return ev.error();
      for (const auto& e : ev->rows) {
        auto it = index.find(db::asText(e[0]).value_or(""));
        if (it == index.end()) continue;
        const auto answer = record::parseCommandAnswer(
            nlohmann::json::parse(db::asText(e[2]).value_or(""), nullptr, false));
        if (!answer || answer->command_id != c.command_id) continue;
        DeviceOutcome& o = c.devices[it->second];
        if (!o.outcome.empty()) continue;  // the first answer counts; a replay is refused later
        o.outcome = answer->eventName();
        o.reason = answer->reason;
        o.answered_ms = db::asInt(e[1]);
      }
    }
    out.push_back(std::move(c));
  }
  return out;
}

}  // namespace uplinkprobe::collector::control
