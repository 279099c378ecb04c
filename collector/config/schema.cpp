#include "collector/config/schema.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <regex>

#include "collector/store/local_time.h"

namespace uplinkprobe::collector::config {
namespace {

using VT = configmap::ValueType;
using C = Config;
using configmap::element;
using configmap::member;
using Check = std::function<std::string(const std::string&)>;

std::string checkIdentifier(const std::string& s) {
  static const std::regex re("^[A-Za-z0-9._-]{1,64}$");
  return std::regex_match(s, re) ? "" : "must be 1-64 characters of A-Z a-z 0-9 . _ -";
}

std::string checkBrokerUri(const std::string& s) {
  for (const char* p : {"tcp://", "ssl://", "mqtt://", "mqtts://"})
    if (s.rfind(p, 0) == 0) return "";
  return "expected tcp://host:port or ssl://host:port";
}

std::string checkTopicPrefix(const std::string& s) {
  if (s.find_first_of("+#") != std::string::npos || s.back() == '/' || s.front() == '/')
    return "must not contain + or #, nor start or end with /";
  return "";
}

std::string checkDatabaseUrl(const std::string& s) {
  if (s == "sqlite::memory:") return "";
  if (s.rfind("sqlite://", 0) == 0) return s.size() > 9 ? "" : "sqlite:// needs a file path";
  if (s.rfind("postgresql://", 0) == 0 || s.rfind("postgres://", 0) == 0) return "";
  return "expected sqlite:///path/ledger.db or postgresql://…";
}

std::string checkListen(const std::string& s) {
  auto colon = s.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == s.size())
    return "\"" + s + "\": expected \"host:port\" (IPv6: \"[addr]:port\")";
  const std::string port = s.substr(colon + 1);
  if (!std::all_of(port.begin(), port.end(), ::isdigit) || port.size() > 5 ||
      std::stoi(port) > 65535)
    return "\"" + s + "\": port must be 0-65535";
  return "";
}

std::string checkSchoolHours(const std::string& s) {
  std::string window;
  for (size_t i = 0; i <= s.size(); ++i) {
    if (i == s.size() || s[i] == ',') {
      if (auto err = checkSchoolHoursWindow(window); !err.empty()) return err;
      window.clear();
    } else {
      window += s[i];
    }
  }
  return "";
}

std::string checkTimezone(const std::string& s) {
  // An IANA name that the system's zoneinfo has (the process sets TZ from it).
  static const std::regex re("^[A-Za-z0-9_+-]+(/[A-Za-z0-9_+-]+)*$");
  if (!std::regex_match(s, re)) return "expected an IANA zone name such as \"Asia/Shanghai\"";
  if (s == "UTC") return "";
  if (FILE* f = std::fopen(("/usr/share/zoneinfo/" + s).c_str(), "rb")) {
    std::fclose(f);
    return "";
  }
  return "unknown time zone (not in /usr/share/zoneinfo; install tzdata)";
}

std::string checkOneOf(const std::string& s, std::initializer_list<const char*> allowed) {
  std::string list;
  for (const char* a : allowed) {
    if (s == a) return "";
    list += list.empty() ? "" : ", ";
    list += a;
  }
  return "expected one of " + list;
}

std::string checkEvents(const std::vector<std::string>& events) {
  for (const auto& e : events)
    if (auto err = checkOneOf(e, {"alert_opened", "alert_closed", "school_stale"}); !err.empty())
      return "\"" + e + "\": " + err;
  return "";
}

std::string checkHttpUrl(const std::string& s) {
  if (s.rfind("http://", 0) != 0 && s.rfind("https://", 0) != 0)
    return "expected an http:// or https:// URL";
  return "";
}

std::vector<KeyDef> buildSchema() {
  using M = MqttConfig;
  using D = DatabaseConfig;
  using H = HttpConfig;
  using L = LedgerConfig;
  using Ctl = ControlConfig;
  using N = NotifyConfig;
  return {
      {"mqtt", "uri", VT::kString, "\"tcp://127.0.0.1:1883\"",
       "Broker: tcp://host:port or ssl://host:port (MQTT 5, persistent session).", 0, 0, false,
       member<C, M, std::string>(&C::mqtt, &M::uri, checkBrokerUri)},
      {"mqtt", "client_id", VT::kString, "\"uplinkprobe-collector\"",
       "MQTT client id; unique per collector (the broker keeps its session by it).", 0, 0, false,
       member<C, M, std::string>(&C::mqtt, &M::client_id, checkIdentifier)},
      {"mqtt", "shared_group", VT::kString, "\"\"",
       "\"\" = plain subscription; a name = $share/{name}/{prefix}/# so N collectors split "
       "the stream (MQTT 5 shared subscription).",
       0, 0, false, member<C, M, std::string>(&C::mqtt, &M::shared_group, checkIdentifier)},
      {"mqtt", "topic_prefix", VT::kString, "\"uplinkprobe/v1\"",
       "Prefix of the agents' topics ({prefix}/{school}/{device}/{kind}).", 0, 0, false,
       member<C, M, std::string>(&C::mqtt, &M::topic_prefix, checkTopicPrefix)},
      {"mqtt", "username", VT::kString, "\"\"", "Broker user name.", 0, 0, false,
       member<C, M, std::string>(&C::mqtt, &M::username)},
      {"mqtt", "password_file", VT::kString, "\"\"",
       "File holding the broker password (never the password itself in this file).", 0, 0, false,
       member<C, M, std::string>(&C::mqtt, &M::password_file)},
      {"mqtt", "ca_file", VT::kString, "\"\"", "CA bundle that verifies the broker (ssl://).", 0, 0,
       false, member<C, M, std::string>(&C::mqtt, &M::ca_file)},
      {"mqtt", "cert_file", VT::kString, "\"\"", "Client certificate for mutual TLS.", 0, 0, false,
       member<C, M, std::string>(&C::mqtt, &M::cert_file)},
      {"mqtt", "key_file", VT::kString, "\"\"", "Client key for mutual TLS.", 0, 0, false,
       member<C, M, std::string>(&C::mqtt, &M::key_file)},
      {"mqtt", "keepalive_s", VT::kInt, "30", "MQTT keepalive in seconds.", 5, 3600, false,
       member<C, M, int>(&C::mqtt, &M::keepalive_s)},
      {"mqtt", "max_payload_bytes", VT::kInt, "65536",
       "Larger messages are refused (stored in `rejected` with reason too_large).", 1024, 16777216,
       false, member<C, M, int>(&C::mqtt, &M::max_payload_bytes)},

      {"database", "url", VT::kString, "\"sqlite:///var/lib/uplinkprobe-collector/ledger.db\"",
       "sqlite:///path/ledger.db (embedded, one collector) or postgresql://user@host/db "
       "(several collectors; password via ~/.pgpass or PGPASSFILE, not here).",
       0, 0, false, member<C, D, std::string>(&C::database, &D::url, checkDatabaseUrl)},
      {"database", "sqlite_synchronous", VT::kString, "\"normal\"",
       "SQLite only. \"normal\": a killed collector loses nothing committed; a power cut may "
       "lose the last transactions (never corrupts; agents re-send what was not acknowledged "
       "only while their journal still holds it). \"full\": every commit survives power loss "
       "(one fsync per batch).",
       0, 0, false,
       member<C, D, std::string>(&C::database, &D::sqlite_synchronous,
                                 [](const std::string& s) {
                                   return checkOneOf(s, {"normal", "full"});
                                 })},

      {"http", "listen", VT::kString, "\"127.0.0.1:8088\"",
       "Address of the JSON API, /metrics and exports (IPv6: \"[::1]:8088\").", 0, 0, false,
       member<C, H, std::string>(&C::http, &H::listen, checkListen)},
      {"http", "allow_remote", VT::kBool, "false",
       "A non-loopback listen address is refused unless this is true (then a warning is logged "
       "at every start): the collector speaks plain HTTP, so logins would cross the network in "
       "clear (and with open_api = true the API has no login at all). Prefer a TLS reverse "
       "proxy on the same machine.",
       0, 0, false, member<C, H, bool>(&C::http, &H::allow_remote)},
      {"http", "open_api", VT::kBool, "false",
       "true: /api/v1/… and /export/… answer without login, for every school (how the API "
       "behaved before users existed). Default: a session cookie or an API token "
       "(`user token NAME`) is required, and answers are limited to the user's scope.",
       0, 0, false, member<C, H, bool>(&C::http, &H::open_api)},
      {"http", "secure_cookies", VT::kBool, "false",
       "Mark the session cookie Secure: set true when the pages are served over https (nginx "
       "in front terminating TLS, docs/collector-web.md).",
       0, 0, false, member<C, H, bool>(&C::http, &H::secure_cookies)},
      {"http", "session_hours", VT::kInt, "12", "How long a web login lasts (hours).", 1, 720,
       false, member<C, H, int>(&C::http, &H::session_hours)},

      {"control", "key_file", VT::kString, "\"\"",
       "Private Ed25519 key (PEM, 0600, from `uplinkprobe-collector keygen`) that signs the "
       "web UI's \"test now\" for operators; empty: the button is not offered. Probes must "
       "trust its .pub ([control] trusted_keys).",
       0, 0, false, member<C, Ctl, std::string>(&C::control, &Ctl::key_file)},
      {"control", "expires_minutes", VT::kInt, "15",
       "Lifetime of a command issued from the web UI (a probe offline longer refuses it).", 1, 1440,
       false, member<C, Ctl, int>(&C::control, &Ctl::expires_minutes)},

      {"ledger", "target_mbps", VT::kDouble, "100",
       "Download target (IP capacity, Mbps) a school must meet.", 1, 100000, false,
       member<C, L, double>(&C::ledger, &L::target_mbps)},
      {"ledger", "school_hours", VT::kString, "\"Mon-Fri 08:00-17:00\"",
       "Local school hours, comma-separated windows (\"Mon-Fri 08:00-17:00, Sat 08:00-12:00\"); "
       "medians, shares and uptime count these hours only.",
       0, 0, false, member<C, L, std::string>(&C::ledger, &L::school_hours, checkSchoolHours)},
      {"ledger", "timezone", VT::kString, "\"Asia/Shanghai\"",
       "Time zone of the schools (IANA name): school hours, days, screens.", 0, 0, false,
       member<C, L, std::string>(&C::ledger, &L::timezone, checkTimezone)},
      {"ledger", "stale_after_hours", VT::kInt, "24",
       "A school whose devices were not heard for this long is stale.", 1, 8760, false,
       member<C, L, int>(&C::ledger, &L::stale_after_hours)},
      {"ledger", "days", VT::kInt, "30", "Default window of the ledger in days.", 1, 366, false,
       member<C, L, int>(&C::ledger, &L::days)},
      {"ledger", "province", VT::kString, "\"\"",
       "Province written into imported schools (the school sheet has no province column).", 0, 0,
       false, member<C, L, std::string>(&C::ledger, &L::province)},

      {"notify", "name", VT::kString, "\"county-ops\"", "Name in logs and metrics.", 0, 0, false,
       element<C, N, std::string>(&C::notify, &N::name, checkIdentifier)},
      {"notify", "url", VT::kString, "\"https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…\"",
       "Webhook URL (a WeCom/DingTalk robot URL carries its key: keep this file 0640).", 0, 0, true,
       element<C, N, std::string>(&C::notify, &N::url, checkHttpUrl)},
      {"notify", "format", VT::kString, "\"wecom\"",
       "Body format: json, wecom (企业微信 robot) or dingtalk (钉钉 robot).", 0, 0, false,
       element<C, N, std::string>(&C::notify, &N::format,
                                  [](const std::string& s) {
                                    return checkOneOf(s, {"json", "wecom", "dingtalk"});
                                  })},
      {"notify", "events", VT::kStringList,
       "[\"alert_opened\", \"alert_closed\", \"school_stale\"]", "Events sent to this target.", 0,
       0, false, element<C, N, std::vector<std::string>>(&C::notify, &N::events, checkEvents)},
      {"notify", "max_per_minute", VT::kInt, "20",
       "Rate limit (WeCom and DingTalk robots accept 20 a minute).", 1, 600, false,
       element<C, N, int>(&C::notify, &N::max_per_minute)},
      {"notify", "secret_file", VT::kString, "\"\"",
       "DingTalk only: file holding the robot's 加签 secret (signs each URL).", 0, 0, false,
       element<C, N, std::string>(&C::notify, &N::secret_file)},
      {"notify", "ca_file", VT::kString, "\"\"", "Extra CA bundle for a private https receiver.", 0,
       0, false, element<C, N, std::string>(&C::notify, &N::ca_file)},
      {"notify", "timeout_s", VT::kInt, "10", "Per-request timeout in seconds.", 1, 120, false,
       element<C, N, int>(&C::notify, &N::timeout_s)},
  };
}

}  // namespace

const std::vector<KeyDef>& schema() {
  static const std::vector<KeyDef> table = buildSchema();
  return table;
}

bool isArraySection(std::string_view section) { return section == "notify"; }

}  // namespace uplinkprobe::collector::config
