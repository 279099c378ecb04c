#include "collector/store/record_store.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <set>
#include <tuple>

#include "collector/store/schema.h"
#include "collector/store/test_days.h"
#include "common/time_format.h"
#include "record/alert_records.h"
#include "record/availability_records.h"
#include "record/gap_record.h"
#include "record/status_record.h"
#include "record/throughput_record.h"

namespace uplinkprobe::collector {
namespace {

using db::Value;
using nlohmann::json;

int64_t systemNowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

int64_t epochMs(WallTime t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

std::optional<int64_t> parseMs(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_string()) return std::nullopt;
  auto t = parseRfc3339(it->get<std::string>());
  if (!t) return std::nullopt;
  return epochMs(*t);
}

const json* path(const json& j, std::initializer_list<const char*> keys) {
  const json* cur = &j;
  for (const char* k : keys) {
    if (!cur->is_object()) return nullptr;
    auto it = cur->find(k);
    if (it == cur->end()) return nullptr;
    cur = &*it;
  }
  return cur;
}

Value num(const json& j, std::initializer_list<const char*> keys) {
  const json* v = path(j, keys);
  if (!v || !v->is_number()) return std::monostate{};
  return v->get<double>();
}

Value capacity(const json& j, const char* direction) {
  const auto v = record::parseThroughputRecord(j).capacity(direction);
  return v ? Value(*v) : Value(std::monostate{});
}

Value boolean(const json& j, std::initializer_list<const char*> keys) {
  const json* v = path(j, keys);
  if (!v || !v->is_boolean()) return std::monostate{};
  return int64_t{v->get<bool>() ? 1 : 0};
}

Value text(const json& j, std::initializer_list<const char*> keys) {
  const json* v = path(j, keys);
  if (!v || !v->is_string()) return std::monostate{};
  return v->get<std::string>();
}

std::string str(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

Value optMs(std::optional<int64_t> v) { return v ? Value(*v) : Value(std::monostate{}); }

struct DayDelta {
  int64_t records = 0, tests = 0, tests_counted = 0, tests_at_target = 0;
  double period_s = 0, up_s = 0, school_period_s = 0, school_up_s = 0;
  std::optional<int64_t> last_counted_ms;
};

struct JournalDelta {
  std::string school_id;
  int64_t min_seq = 0, max_seq = 0, stored = 0, gap_announced = 0;
};

struct DeviceDelta {
  std::string school_id;
  std::optional<int64_t> last_record_ts_ms, last_counted_test_ms;
  // status
  bool has_status = false;
  std::string status_state, agent_version, status_payload;
  int64_t status_ts_ms = 0;
  // alert_state
  bool has_alert_state = false;
  int64_t open_alerts = 0, alert_state_ts_ms = 0;
  std::string alert_state_payload;
};

constexpr const char* kInsertKeyHead =
    "INSERT INTO record_keys (device_id, journal_id, seq, ts_ms)";
constexpr const char* kInsertKeyTail =
    "ON CONFLICT (device_id, journal_id, seq) DO NOTHING RETURNING device_id, journal_id, seq";
constexpr const char* kInsertRecordHead =
    "INSERT INTO records (device_id, journal_id, seq, school_id, kind, ts_ms, local_mow, "
    "received_ms, topic, payload)";
constexpr const char* kInsertTestHead =
    "INSERT INTO tests (device_id, journal_id, seq, school_id, ts_ms, local_mow, down_ip_mbps, "
    "up_ip_mbps, down_goodput_mbps, up_goodput_mbps, target_mbps, meets_target, counted, trig, "
    "error_kind)";
constexpr const char* kInsertOutageHead =
    "INSERT INTO outages (device_id, journal_id, seq, school_id, start_ms, end_ms, duration_s, "
    "class)";
constexpr const char* kUpsertDayHead =
    "INSERT INTO school_days (school_id, day, records, period_s, up_s, school_period_s, "
    "school_up_s, tests, tests_counted, tests_at_target, last_counted_ms)";
constexpr const char* kUpsertDayTail =
    "ON CONFLICT (school_id, day) DO UPDATE SET "
    "records = school_days.records + excluded.records, "
    "period_s = school_days.period_s + excluded.period_s, "
    "up_s = school_days.up_s + excluded.up_s, "
    "school_period_s = school_days.school_period_s + excluded.school_period_s, "
    "school_up_s = school_days.school_up_s + excluded.school_up_s, "
    "tests = school_days.tests + excluded.tests, "
    "tests_counted = school_days.tests_counted + excluded.tests_counted, "
    "tests_at_target = school_days.tests_at_target + excluded.tests_at_target, "
    "last_counted_ms = CASE WHEN school_days.last_counted_ms IS NULL OR "
    "excluded.last_counted_ms > school_days.last_counted_ms THEN excluded.last_counted_ms "
    "ELSE school_days.last_counted_ms END";
constexpr const char* kUpsertTestDayHead =
    "INSERT INTO test_days (utc_day, school_id, tests, packed)";
constexpr const char* kUpsertTestDayTail =
    "ON CONFLICT (utc_day, school_id) DO UPDATE SET tests = test_days.tests + excluded.tests, "
    "packed = test_days.packed || ';' || excluded.packed";
constexpr const char* kUpsertJournalHead =
    "INSERT INTO journals (device_id, journal_id, school_id, min_seq, max_seq, stored, "
    "gap_announced, first_ms, last_ms)";
constexpr const char* kUpsertJournalTail =
    "ON CONFLICT (device_id, journal_id) DO UPDATE SET school_id = excluded.school_id, "
    "min_seq = CASE WHEN excluded.min_seq < journals.min_seq THEN excluded.min_seq "
    "ELSE journals.min_seq END, "
    "max_seq = CASE WHEN excluded.max_seq > journals.max_seq THEN excluded.max_seq "
    "ELSE journals.max_seq END, "
    "stored = journals.stored + excluded.stored, "
    "gap_announced = journals.gap_announced + excluded.gap_announced, "
    "last_ms = excluded.last_ms";
constexpr const char* kUpsertDeviceHead =
    "INSERT INTO devices (device_id, school_id, first_seen_ms, last_seen_ms, last_record_ts_ms, "
    "last_counted_test_ms)";
constexpr const char* kUpsertDeviceTail =
    "ON CONFLICT (device_id) DO UPDATE SET "
    "school_id = excluded.school_id, last_seen_ms = excluded.last_seen_ms, "
    "last_record_ts_ms = CASE WHEN devices.last_record_ts_ms IS NULL OR "
    "excluded.last_record_ts_ms > devices.last_record_ts_ms THEN excluded.last_record_ts_ms "
    "ELSE devices.last_record_ts_ms END, "
    "last_counted_test_ms = CASE WHEN devices.last_counted_test_ms IS NULL OR "
    "excluded.last_counted_test_ms > devices.last_counted_test_ms "
    "THEN excluded.last_counted_test_ms ELSE devices.last_counted_test_ms END";
// Retained messages may arrive again (every resubscribe): the newer one wins.
constexpr const char* kUpdateStatus =
    "UPDATE devices SET status_state = ?, status_ts_ms = ?, agent_version = ?, "
    "status_payload = ? WHERE device_id = ? AND (status_ts_ms IS NULL OR status_ts_ms <= ?)";
constexpr const char* kUpdateAlertState =
    "UPDATE devices SET open_alerts = ?, alert_state_ts_ms = ?, alert_state_payload = ? "
    "WHERE device_id = ? AND (alert_state_ts_ms IS NULL OR alert_state_ts_ms <= ?)";
constexpr const char* kInsertRejectedHead =
    "INSERT INTO rejected (received_ms, topic, reason, head)";

// Multi-row INSERT: `head` VALUES (?, …), (?, …) … `tail`, in chunks whose row counts are
// powers of two up to 64 (so each table has at most 7 statement texts to prepare and cache,
// and a chunk stays far below SQLite's 32766 parameters). `on_rows` receives RETURNING rows.
Status insertRows(db::Database& db, const char* head, const char* tail, size_t columns,
                  const db::Params& flat,
                  const std::function<void(const db::Rows&)>& on_rows = nullptr) {
  const size_t total = flat.size() / columns;
  size_t done = 0;
  std::string tuple = "(";
  for (size_t c = 0; c < columns; ++c) tuple += c ? ", ?" : "?";
  tuple += ")";
  while (done < total) {
    size_t n = 64;
    while (n > total - done) n /= 2;
    std::string sql = head;
    sql += " VALUES ";
    for (size_t i = 0; i < n; ++i) {
      if (i) sql += ", ";
      sql += tuple;
    }
    if (*tail) {
      sql += " ";
      sql += tail;
    }
    db::Params p(flat.begin() + static_cast<std::ptrdiff_t>(done * columns),
                 flat.begin() + static_cast<std::ptrdiff_t>((done + n) * columns));
    if (on_rows) {
      auto r = db.query(sql, p);
      if (!r) return r.error();
      on_rows(*r);
    } else if (auto r = db.execute(sql, p); !r) {
      return r.error();
    }
    done += n;
  }
  return Status::Ok();
}

// UTF-8-safe cut of the first ≤ 512 bytes (rejected payloads may be any bytes; PostgreSQL
// TEXT refuses invalid UTF-8 and NUL, so those bytes are escaped as \xNN).
std::string safeHead(const std::string& s) {
  std::string out;
  size_t i = 0;
  while (i < s.size() && out.size() < 512) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    int len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    bool valid = len > 0 && i + len <= s.size() && c != 0;
    for (int k = 1; valid && k < len; ++k)
      valid = (static_cast<unsigned char>(s[i + k]) & 0xC0) == 0x80;
    if (valid) {
      out.append(s, i, len);
      i += len;
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
      ++i;
    }
  }
  return out;
}

}  // namespace

RecordStore::RecordStore(db::Database& db, StoreOptions options)
    : db_(db), options_(std::move(options)) {
  if (!options_.local_clock) options_.local_clock = processLocalStamp;
  if (!options_.now_ms) options_.now_ms = systemNowMs;
}

Status RecordStore::ensurePartitions(const std::vector<int64_t>& ts_ms) {
  if (db_.dialect() != db::Dialect::kPostgres) return Status::Ok();
  for (int64_t t : ts_ms) {
    std::time_t s = static_cast<std::time_t>(t / 1000);
    std::tm tm{};
    gmtime_r(&s, &tm);
    const int64_t month = (tm.tm_year + 1900) * 100 + tm.tm_mon + 1;
    if (std::find(known_months_.begin(), known_months_.end(), month) != known_months_.end())
      continue;
    // Autocommit DDL. Two collectors may race on a new month: CREATE … IF NOT EXISTS can then
    // fail on the catalog's unique index; the second try sees the committed partition.
    const std::string ddl = recordsPartitionDdl(t);
    if (auto st = db_.exec(ddl); !st)
      if (auto again = db_.exec(ddl); !again) return again;
    known_months_.push_back(month);
  }
  return Status::Ok();
}

Result<BatchOutcome> RecordStore::commitBatch(const std::vector<ValidRecord>& records,
                                              const std::vector<Rejection>& rejections) {
  const int64_t now = options_.now_ms();
  BatchOutcome out;

  struct Keyed {
    const ValidRecord* r;
    std::string device, journal, school, kind;
    int64_t seq, ts_ms;
  };
  std::vector<Keyed> keyed;
  std::vector<Rejection> refused = rejections;
  std::map<std::string, DeviceDelta> devices;
  std::set<std::tuple<std::string, std::string, int64_t>> seen;
  std::vector<int64_t> ts_list;

  for (const auto& r : records) {
    const json& j = r.record;
    if (!j.is_object()) {
      refused.push_back({r.topic, "store_not_object", r.payload.substr(0, 512)});
      continue;
    }
    std::string device = str(j, "device_id"), kind = str(j, "kind"), school = str(j, "school_id");
    if (device.empty()) {
      refused.push_back({r.topic, "store_no_device_id", r.payload.substr(0, 512)});
      continue;
    }
    if (kind == "status") {
      auto& d = devices[device];
      if (!school.empty() || d.school_id.empty()) d.school_id = school;
      const auto status = record::parseStatusRecord(j);
      const int64_t ts = status && status->ts ? epochMs(*status->ts) : now;
      if (!d.has_status || ts >= d.status_ts_ms) {
        d.has_status = true;
        d.status_state = status ? (status->online ? "online" : "offline") : "";
        d.agent_version = status ? status->agent_version : "";
        d.status_payload = r.payload;
        d.status_ts_ms = ts;
      }
      continue;
    }
    auto seq = j.find("seq");
    auto ts = parseMs(j, "ts");
    if (seq == j.end() || !seq->is_number_integer() || !ts) {
      refused.push_back({r.topic, "store_no_seq_or_ts", r.payload.substr(0, 512)});
      continue;
    }
    Keyed k{&r, device, str(j, "journal_id"), school, kind, seq->get<int64_t>(), *ts};
    auto& d = devices[device];
    d.school_id = school;
    if (!seen.emplace(k.device, k.journal, k.seq).second) {
      ++out.duplicates;  // the same key twice in one batch
      continue;
    }
    ts_list.push_back(k.ts_ms);
    keyed.push_back(std::move(k));
  }

  if (auto st = ensurePartitions(ts_list); !st) return st.error();
  // Keys in sorted order: two collectors whose batches share keys (a re-sent copy delivered
  // to the other member of a shared subscription) take the key locks in the same order and
  // cannot deadlock each other.
  std::sort(keyed.begin(), keyed.end(), [](const Keyed& a, const Keyed& b) {
    return std::tie(a.device, a.journal, a.seq) < std::tie(b.device, b.journal, b.seq);
  });

  std::map<std::pair<std::string, std::string>, DayDelta> days;
  std::map<std::pair<std::string, std::string>, JournalDelta> journals;
  struct TestDayDelta {
    int64_t tests = 0;
    std::string packed;
  };
  std::map<std::pair<int64_t, std::string>, TestDayDelta> test_days;

  auto st = db::inTransaction(db_, [&]() -> Status {
    // 1. Keys: the de-duplication arbiter. RETURNING gives the keys this batch inserted;
    //    a key already present (an earlier batch, another collector) is a duplicate.
    db::Params keys;
    keys.reserve(keyed.size() * 4);
    for (const auto& k : keyed) {
      keys.emplace_back(k.device);
      keys.emplace_back(k.journal);
      keys.emplace_back(k.seq);
      keys.emplace_back(k.ts_ms);
    }
    std::set<std::tuple<std::string, std::string, int64_t>> fresh;
    if (auto s = insertRows(db_, kInsertKeyHead, kInsertKeyTail, 4, keys,
                            [&](const db::Rows& rows) {
                              for (const auto& r : rows.rows)
                                fresh.emplace(db::asText(r[0]).value_or(""),
                                              db::asText(r[1]).value_or(""),
                                              db::asInt(r[2]).value_or(0));
                            });
        !s)
      return s;

    db::Params rec, tst, outg;
    for (const auto& k : keyed) {
      if (!fresh.count({k.device, k.journal, k.seq})) {
        ++out.duplicates;
        continue;
      }
      const json& j = k.r->record;
      const LocalStamp local = options_.local_clock(k.ts_ms);
      for (auto&& v : {Value(k.device), Value(k.journal), Value(k.seq), Value(k.school),
                       Value(k.kind), Value(k.ts_ms), Value(int64_t{local.minute_of_week}),
                       Value(now), Value(k.r->topic), Value(k.r->payload)})
        rec.push_back(std::move(v));
      auto& day = days[{k.school, local.date}];
      ++day.records;
      auto& jr = journals[{k.device, k.journal}];
      if (jr.stored == 0) jr.min_seq = jr.max_seq = k.seq;
      jr.school_id = k.school;
      jr.min_seq = std::min(jr.min_seq, k.seq);
      jr.max_seq = std::max(jr.max_seq, k.seq);
      ++jr.stored;
      auto& dev = devices[k.device];
      dev.last_record_ts_ms = std::max(dev.last_record_ts_ms.value_or(k.ts_ms), k.ts_ms);

      if (k.kind == "throughput") {
        Value err = text(j, {"error", "kind"});
        if (db::isNull(err)) err = text(j, {"download", "error", "kind"});
        Value counted = boolean(j, {"verdict", "counted"});
        Value meets = boolean(j, {"verdict", "meets_target"});
        // Read once: the tests row and the test_days roll-up carry the same values. Where the
        // figure is depends on the record's method (udp: udp.download/udp.upload).
        const Value down_ip = capacity(j, "download");
        const Value up_ip = capacity(j, "upload");
        for (auto&& v :
             {Value(k.device), Value(k.journal), Value(k.seq), Value(k.school), Value(k.ts_ms),
              Value(int64_t{local.minute_of_week}), down_ip, up_ip,
              num(j, {"download", "goodput_mbps"}), num(j, {"upload", "goodput_mbps"}),
              num(j, {"verdict", "target_mbps"}), meets, counted, text(j, {"trigger"}), err})
          tst.push_back(std::move(v));
        ++day.tests;
        if (db::asInt(counted).value_or(0) == 1) {
          ++day.tests_counted;
          if (db::asInt(meets).value_or(0) == 1) ++day.tests_at_target;
          day.last_counted_ms = std::max(day.last_counted_ms.value_or(k.ts_ms), k.ts_ms);
          auto& td = test_days[{k.ts_ms / kUtcDayMs, k.school}];
          ++td.tests;
          appendPackedTest(
              td.packed,
              {k.ts_ms, local.minute_of_week, db::asDouble(down_ip), db::asDouble(up_ip),
               db::isNull(meets) ? std::nullopt : std::optional<bool>(db::asInt(meets) == 1)});
          dev.last_counted_test_ms = std::max(dev.last_counted_test_ms.value_or(k.ts_ms), k.ts_ms);
        }
      } else if (k.kind == "outage") {
        // The record stays (it is evidence) even when its figures do not parse: NULLs then.
        const auto o = record::parseOutageRecord(j);
        for (auto&& v : {Value(k.device), Value(k.journal), Value(k.seq), Value(k.school),
                         o ? Value(epochMs(o->start)) : Value(std::monostate{}),
                         o ? Value(epochMs(o->end)) : Value(std::monostate{}),
                         o ? Value(o->duration_s) : Value(std::monostate{}),
                         o ? Value(o->outage_class) : Value(std::monostate{})})
          outg.push_back(std::move(v));
      } else if (k.kind == "availability") {
        if (const auto a = record::parseAvailabilityRecord(j)) {
          const int64_t mid = (epochMs(a->period_start) + epochMs(a->period_end)) / 2;
          day.period_s += a->period_s;
          day.up_s += a->up_s;
          if (options_.school_hours.contains(options_.local_clock(mid).minute_of_week)) {
            day.school_period_s += a->period_s;
            day.school_up_s += a->up_s;
          }
        }
      } else if (k.kind == "gap") {
        if (const auto gap = record::parseGapRecord(j))
          jr.gap_announced += static_cast<int64_t>(gap->count);
      } else if (k.kind == "alert_state") {
        if (!dev.has_alert_state || k.ts_ms >= dev.alert_state_ts_ms) {
          dev.has_alert_state = true;
          const auto state = record::parseAlertState(j);
          dev.open_alerts = state ? static_cast<int64_t>(state->breaches.size()) : 0;
          dev.alert_state_ts_ms = k.ts_ms;
          dev.alert_state_payload = k.r->payload;
        }
      }
      ++out.stored;
    }
    if (auto s = insertRows(db_, kInsertRecordHead, "", 10, rec); !s) return s;
    if (auto s = insertRows(db_, kInsertTestHead, "", 15, tst); !s) return s;
    if (auto s = insertRows(db_, kInsertOutageHead, "", 8, outg); !s) return s;

    // Sorted key order (std::map) on every upsert: concurrent collectors lock rows in the
    // same order and cannot deadlock each other.
    db::Params dev_rows, jr_rows, day_rows, rej_rows;
    for (const auto& [id, d] : devices)
      for (auto&& v : {Value(id), Value(d.school_id), Value(now), Value(now),
                       optMs(d.last_record_ts_ms), optMs(d.last_counted_test_ms)})
        dev_rows.push_back(std::move(v));
    if (auto s = insertRows(db_, kUpsertDeviceHead, kUpsertDeviceTail, 6, dev_rows); !s) return s;
    for (const auto& [id, d] : devices) {
      if (d.has_status)
        if (auto r = db_.execute(kUpdateStatus, {d.status_state, d.status_ts_ms, d.agent_version,
                                                 d.status_payload, id, d.status_ts_ms});
            !r)
          return r.error();
      if (d.has_alert_state)
        if (auto r =
                db_.execute(kUpdateAlertState, {d.open_alerts, d.alert_state_ts_ms,
                                                d.alert_state_payload, id, d.alert_state_ts_ms});
            !r)
          return r.error();
    }
    for (const auto& [key, jr] : journals)
      for (auto&& v :
           {Value(key.first), Value(key.second), Value(jr.school_id), Value(jr.min_seq),
            Value(jr.max_seq), Value(jr.stored), Value(jr.gap_announced), Value(now), Value(now)})
        jr_rows.push_back(std::move(v));
    if (auto s = insertRows(db_, kUpsertJournalHead, kUpsertJournalTail, 9, jr_rows); !s) return s;
    for (const auto& [key, d] : days)
      for (auto&& v :
           {Value(key.first), Value(key.second), Value(d.records), Value(d.period_s), Value(d.up_s),
            Value(d.school_period_s), Value(d.school_up_s), Value(d.tests), Value(d.tests_counted),
            Value(d.tests_at_target), optMs(d.last_counted_ms)})
        day_rows.push_back(std::move(v));
    if (auto s = insertRows(db_, kUpsertDayHead, kUpsertDayTail, 11, day_rows); !s) return s;
    db::Params test_day_rows;
    for (const auto& [key, td] : test_days)
      for (auto&& v : {Value(key.first), Value(key.second), Value(td.tests), Value(td.packed)})
        test_day_rows.push_back(std::move(v));
    if (auto s = insertRows(db_, kUpsertTestDayHead, kUpsertTestDayTail, 4, test_day_rows); !s)
      return s;
    for (const auto& rej : refused) {
      for (auto&& v :
           {Value(now), Value(safeHead(rej.topic)), Value(rej.reason), Value(safeHead(rej.head))})
        rej_rows.push_back(std::move(v));
      ++out.rejected;
    }
    if (auto s = insertRows(db_, kInsertRejectedHead, "", 4, rej_rows); !s) return s;
    return Status::Ok();
  });
  if (!st) return st.error();
  return out;
}

}  // namespace uplinkprobe::collector
