#include "agent/config/schema.h"

#include <algorithm>
#include <filesystem>
#include <regex>
#include <sstream>

#include "agent/config/librespeed_server_list.h"

namespace uplinkprobe::config {
namespace {

// Identifiers go into MQTT topics and file names: no '/', '+', '#', spaces or control bytes.
std::string checkIdentifier(const std::string& s) {
  static const std::regex re("^[A-Za-z0-9._-]{1,64}$");
  if (!std::regex_match(s, re))
    return "must be 1-64 characters of A-Z a-z 0-9 . _ - (it becomes part of MQTT topics)";
  return "";
}

std::string checkUrl(const std::string& s) {
  if (s.rfind("http://", 0) != 0 && s.rfind("https://", 0) != 0)
    return "expected an http:// or https:// URL";
  return "";
}

// [[servers]] url: http(s):// for librespeed/http, udpst:// for kind udpst (the loader checks
// that url and kind agree).
std::string checkServerUrl(const std::string& s) {
  if (s.rfind("udpst://", 0) == 0) return s.size() > 8 ? "" : "expected udpst://HOST[:PORT]";
  return checkUrl(s);
}

std::string checkWindow(const std::string& w) {
  static const std::regex re("^([01][0-9]|2[0-3]):([0-5][0-9])-([01][0-9]|2[0-4]):([0-5][0-9])$");
  std::smatch m;
  if (!std::regex_match(w, m, re)) return "window \"" + w + "\": expected \"HH:MM-HH:MM\"";
  int a = std::stoi(m[1]) * 60 + std::stoi(m[2]);
  int b = std::stoi(m[3]) * 60 + std::stoi(m[4]);
  if (b > 24 * 60) return "window \"" + w + "\": end after 24:00";
  if (a >= b) return "window \"" + w + "\": start must be before end";
  return "";
}

std::string checkHostPort(const std::string& s) {
  auto colon = s.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == s.size())
    return "\"" + s + "\": expected \"host:port\" (IPv6: \"[addr]:port\")";
  const std::string port = s.substr(colon + 1);
  if (!std::all_of(port.begin(), port.end(), ::isdigit) || port.size() > 5 || std::stoi(port) < 1 ||
      std::stoi(port) > 65535)
    return "\"" + s + "\": port must be 1-65535";
  return "";
}

// Small helpers that turn a member into a Field (assign + get).
template <typename T>
Field str(T Config::*sec, std::string T::*field,
          std::function<std::string(const std::string&)> check = nullptr) {
  return {[=](Config& c, size_t, const Value& v) -> std::string {
            const auto& s = std::get<std::string>(v);
            if (check && !s.empty()) {
              auto err = check(s);
              if (!err.empty()) return err;
            }
            (c.*sec).*field = s;
            return "";
          },
          [=](const Config& c, size_t) -> Value { return (c.*sec).*field; }};
}
template <typename T>
Field integer(T Config::*sec, int T::*field) {
  return {
      [=](Config& c, size_t, const Value& v) -> std::string {
        (c.*sec).*field = static_cast<int>(std::get<long long>(v));
        return "";
      },
      [=](const Config& c, size_t) -> Value { return static_cast<long long>((c.*sec).*field); }};
}
template <typename T>
Field real(T Config::*sec, double T::*field) {
  return {[=](Config& c, size_t, const Value& v) -> std::string {
            (c.*sec).*field = std::get<double>(v);
            return "";
          },
          [=](const Config& c, size_t) -> Value { return (c.*sec).*field; }};
}
template <typename T>
Field boolean(T Config::*sec, bool T::*field) {
  return {[=](Config& c, size_t, const Value& v) -> std::string {
            (c.*sec).*field = std::get<bool>(v);
            return "";
          },
          [=](const Config& c, size_t) -> Value { return (c.*sec).*field; }};
}
template <typename T>
Field list(T Config::*sec, std::vector<std::string> T::*field,
           std::function<std::string(const std::string&)> check = nullptr) {
  return {[=](Config& c, size_t, const Value& v) -> std::string {
            const auto& items = std::get<std::vector<std::string>>(v);
            if (items.size() > 32) return "at most 32 entries";
            for (const auto& s : items) {
              if (check) {
                auto err = check(s);
                if (!err.empty()) return err;
              }
            }
            (c.*sec).*field = items;
            return "";
          },
          [=](const Config& c, size_t) -> Value { return (c.*sec).*field; }};
}
Field server(std::string ServerConfig::*field,
             std::function<std::string(const std::string&)> check = nullptr) {
  return {[=](Config& c, size_t i, const Value& v) -> std::string {
            const auto& s = std::get<std::string>(v);
            if (check && !s.empty()) {
              auto err = check(s);
              if (!err.empty()) return err;
            }
            if (c.servers.size() <= i) c.servers.resize(i + 1);
            c.servers[i].*field = s;
            return "";
          },
          [=](const Config& c, size_t i) -> Value {
            return i < c.servers.size() ? c.servers[i].*field : std::string();
          }};
}

Field serverInt(int ServerConfig::*field) {
  return {[=](Config& c, size_t i, const Value& v) -> std::string {
            if (c.servers.size() <= i) c.servers.resize(i + 1);
            c.servers[i].*field = static_cast<int>(std::get<long long>(v));
            return "";
          },
          [=](const Config& c, size_t i) -> Value {
            return static_cast<long long>(i < c.servers.size() ? c.servers[i].*field : 0);
          }};
}

using VT = ValueType;
using C = Config;

std::vector<KeyDef> buildSchema() {
  return {
      {"identity", "device_id", VT::kString, "\"school-0001-probe-1\"",
       "Unique id of this probe; MQTT client id and part of every record id.", 0, 0, true,
       str(&C::identity, &IdentityConfig::device_id, checkIdentifier)},
      {"identity", "school_id", VT::kString, "\"220102-0001\"",
       "The education department's id of the school (ledger key).", 0, 0, true,
       str(&C::identity, &IdentityConfig::school_id, checkIdentifier)},
      {"identity", "school_name", VT::kString, "\"Example Primary School\"", "Human-readable name.",
       0, 0, false, str(&C::identity, &IdentityConfig::school_name)},
      {"identity", "region", VT::kString, "\"Changchun\"", "City/prefecture for the ledger.", 0, 0,
       false, str(&C::identity, &IdentityConfig::region)},
      {"identity", "county", VT::kString, "\"Nanguan\"", "County/district for the ledger.", 0, 0,
       false, str(&C::identity, &IdentityConfig::county)},
      {"identity", "carrier", VT::kString, "\"example-carrier\"", "Carrier providing the link.", 0,
       0, false, str(&C::identity, &IdentityConfig::carrier)},

      {"target", "floor_down_mbps", VT::kDouble, "100", "Government floor for download (Mbps).", 1,
       100000, false, real(&C::target, &TargetConfig::floor_down_mbps)},
      {"target", "contracted_down_mbps", VT::kDouble, "200",
       "Contracted download rate (Mbps); 0 = unknown. Target = max(floor, contract).", 0, 100000,
       false, real(&C::target, &TargetConfig::contracted_down_mbps)},
      {"target", "contracted_up_mbps", VT::kDouble, "0",
       "Contracted upload rate (Mbps); 0 = no upload target.", 0, 100000, false,
       real(&C::target, &TargetConfig::contracted_up_mbps)},
      {"target", "tolerance_pct", VT::kDouble, "5",
       "A result within this many percent below target still meets it.", 0, 50, false,
       real(&C::target, &TargetConfig::tolerance_pct)},
      {"target", "method", VT::kString, "\"tcp\"",
       "Which method the verdict counts and scheduled tests use: \"tcp\" (TCP goodput), "
       "\"udp\" (UDP IP capacity, RFC 9097; needs a [[servers]] kind = \"udpst\") or \"both\" "
       "(TCP then UDP in each slot, both counted).",
       0, 0, false,
       Field{[](Config& c, size_t, const Value& v) -> std::string {
               const auto& s = std::get<std::string>(v);
               if (s != "tcp" && s != "udp" && s != "both")
                 return "\"" + s + "\": expected \"tcp\", \"udp\" or \"both\"";
               c.target.method = s;
               return "";
             },
             [](const Config& c, size_t) -> Value { return c.target.method; }}},

      {"servers", "name", VT::kString, "\"local\"", "Name recorded with each result.", 0, 0, true,
       server(&ServerConfig::name)},
      {"servers", "kind", VT::kString, "\"librespeed\"",
       "\"librespeed\" (uplinkprobe-server or any LibreSpeed backend: url) or \"http\" "
       "(download_url + upload_url on any web server).",
       0, 0, false,
       server(&ServerConfig::kind,
              [](const std::string& s) -> std::string {
                return s == "librespeed" || s == "http" || s == "udpst"
                           ? ""
                           : "expected \"librespeed\", \"http\" or \"udpst\"";
              })},
      {"servers", "url", VT::kString, "\"http://127.0.0.1:8080/\"",
       "Base URL of a LibreSpeed-compatible server (kind librespeed).", 0, 0, false,
       server(&ServerConfig::url, checkServerUrl)},
      {"servers", "download_url", VT::kString, "\"\"",
       "A large file to download repeatedly (kind http, e.g. on nginx).", 0, 0, false,
       server(&ServerConfig::download_url, checkUrl)},
      {"servers", "upload_url", VT::kString, "\"\"",
       "An endpoint that accepts and discards POST bodies (kind http).", 0, 0, false,
       server(&ServerConfig::upload_url, checkUrl)},
      {"servers", "key_file", VT::kString, "\"\"",
       "kind udpst: the server's key file (udpst -K format, \"<id>,<key>\" per line).", 0, 0, false,
       server(&ServerConfig::key_file)},
      {"servers", "key_id", VT::kInt, "0", "kind udpst: which key of key_file.", 0, 255, false,
       serverInt(&ServerConfig::key_id)},
      {"servers", "dlURL", VT::kString, "\"garbage.php\"",
       "LibreSpeed download path under url (kind librespeed); Go backend: \"garbage\".", 0, 0,
       false, server(&ServerConfig::dl_url, librespeedPathProblem)},
      {"servers", "ulURL", VT::kString, "\"empty.php\"",
       "LibreSpeed upload path under url (kind librespeed); Go backend: \"empty\".", 0, 0, false,
       server(&ServerConfig::ul_url, librespeedPathProblem)},
      {"servers", "pingURL", VT::kString, "\"empty.php\"",
       "LibreSpeed latency path under url (kind librespeed); Go backend: \"empty\".", 0, 0, false,
       server(&ServerConfig::ping_url, librespeedPathProblem)},
      {"servers", "getIpURL", VT::kString, "\"getIP.php\"",
       "LibreSpeed public-IP path under url (kind librespeed); its failure only loses the "
       "public IP.",
       0, 0, false, server(&ServerConfig::getip_url, librespeedPathProblem)},

      {"throughput", "max_seconds", VT::kDouble, "8",
       "Cap on one direction's duration. On long paths it grows to 30 round trips, at most 20 s "
       "(or this value if larger): docs/measure-long-paths.md.",
       2, 60, false, real(&C::throughput, &ThroughputConfig::max_seconds)},
      {"throughput", "max_mb_per_direction", VT::kDouble, "60",
       "Starting data budget per direction in MB (10^6 bytes, warm-up included). A 100 Mbit "
       "test stays within it; on faster links the engine raises it to 4 s of data at the "
       "measured rate, at most max_mb_ceiling, so 300 Mbit-1 Gbit links still get >= 2 s of "
       "measurement.",
       1, 2000, false, real(&C::throughput, &ThroughputConfig::max_mb_per_direction)},
      {"throughput", "max_mb_ceiling", VT::kDouble, "400",
       "Hard ceiling of the data budget per direction in MB; set it equal to "
       "max_mb_per_direction for a fixed cap (metered links). A UDP test (method udp) is "
       "shortened to fit it and needs 5 s at 1.2 x the target.",
       1, 4000, false, real(&C::throughput, &ThroughputConfig::max_mb_ceiling)},
      {"throughput", "streams_start", VT::kInt, "4", "Parallel TCP streams at start.", 1, 32, false,
       integer(&C::throughput, &ThroughputConfig::streams_start)},
      {"throughput", "streams_max", VT::kInt, "16",
       "Cap on parallel streams (added while the total still rises).", 1, 32, false,
       integer(&C::throughput, &ThroughputConfig::streams_max)},
      {"throughput", "ip_family", VT::kInt, "0", "0 = any, 4 = IPv4 only, 6 = IPv6 only.", 0, 6,
       false,
       Field{[](Config& c, size_t, const Value& v) -> std::string {
               auto f = std::get<long long>(v);
               if (f != 0 && f != 4 && f != 6) return "expected 0, 4 or 6";
               c.throughput.ip_family = static_cast<int>(f);
               return "";
             },
             [](const Config& c, size_t) -> Value {
               return static_cast<long long>(c.throughput.ip_family);
             }}},
      {"throughput", "interface", VT::kString, "\"\"",
       "Bind tests to this interface (e.g. the wired WAN when a 4G backup exists).", 0, 0, false,
       str(&C::throughput, &ThroughputConfig::interface)},
      {"throughput", "source_address", VT::kString, "\"\"", "Bind tests to this source address.", 0,
       0, false, str(&C::throughput, &ThroughputConfig::source_address)},
      {"throughput", "proxy", VT::kString, "\"\"",
       "HTTP proxy for tests; proxy environment variables are ignored unless this is set.", 0, 0,
       false, str(&C::throughput, &ThroughputConfig::proxy)},
      {"throughput", "wan_interface", VT::kString, "\"\"",
       "Interface whose counters reveal competing traffic; \"\" = default route's.", 0, 0, false,
       str(&C::throughput, &ThroughputConfig::wan_interface)},
      {"throughput", "ca_file", VT::kString, "\"\"", "CA bundle for https test servers.", 0, 0,
       false, str(&C::throughput, &ThroughputConfig::ca_file)},
      {"throughput", "servers_file", VT::kString, "\"\"",
       "A LibreSpeed server-list JSON (the format of its web UI and librespeed-cli): its "
       "entries are added to [[servers]]; relative to this file's directory.",
       0, 0, false, str(&C::throughput, &ThroughputConfig::servers_file)},
      {"throughput", "tls_verify", VT::kBool, "true",
       "Verify https test servers (turn off only in labs).", 0, 0, false,
       boolean(&C::throughput, &ThroughputConfig::tls_verify)},

      {"schedule", "tests_per_day", VT::kInt, "4",
       "Throughput tests per day inside the windows; 0 = availability only.", 0, 96, false,
       integer(&C::schedule, &ScheduleConfig::tests_per_day)},
      {"schedule", "windows", VT::kStringList, "[\"08:00-17:00\"]",
       "Local-time windows in which tests run (school hours matter most).", 0, 0, false,
       list(&C::schedule, &ScheduleConfig::windows, checkWindow)},
      {"schedule", "timezone", VT::kString, "\"Asia/Shanghai\"",
       "IANA time zone for windows and daily summaries; \"\" = the system's.", 0, 0, false,
       str(&C::schedule, &ScheduleConfig::timezone,
           [](const std::string& tz) -> std::string {
             if (tz.find("..") != std::string::npos || tz[0] == '/' ||
                 !std::filesystem::exists("/usr/share/zoneinfo/" + tz))
               return "unknown time zone \"" + tz + "\" (see /usr/share/zoneinfo)";
             return "";
           })},
      {"schedule", "interval_s", VT::kInt, "0",
       "Fixed interval between tests in seconds (labs); 0 = use tests_per_day.", 0, 86400, false,
       integer(&C::schedule, &ScheduleConfig::interval_s)},
      {"schedule", "monthly_budget_gb", VT::kDouble, "10",
       "Data budget for tests per calendar month; 0 = unlimited.", 0, 100000, false,
       real(&C::schedule, &ScheduleConfig::monthly_budget_gb)},
      {"schedule", "defer_if_cross_traffic_mbps", VT::kDouble, "10",
       "Defer a test while the WAN carries more than this much other traffic.", 0, 100000, false,
       real(&C::schedule, &ScheduleConfig::defer_if_cross_traffic_mbps)},
      {"schedule", "min_spacing_minutes", VT::kInt, "30", "Minimum time between two tests.", 0,
       1440, false, integer(&C::schedule, &ScheduleConfig::min_spacing_minutes)},
      {"schedule", "splay_percent", VT::kInt, "10",
       "Per-device random shift of test times, so schools don't test in the same minute.", 0, 100,
       false, integer(&C::schedule, &ScheduleConfig::splay_percent)},

      {"availability", "interval_s", VT::kInt, "10", "Seconds between availability rounds.", 1,
       3600, false, integer(&C::availability, &AvailabilityConfig::interval_s)},
      {"availability", "tcp_targets", VT::kStringList,
       "[\"www.baidu.com:443\", \"www.qq.com:443\", \"www.gov.cn:443\"]",
       "TCP targets in different networks (\"host:port\").", 0, 0, false,
       list(&C::availability, &AvailabilityConfig::tcp_targets, checkHostPort)},
      {"availability", "dns_servers", VT::kStringList, "[]",
       "DNS resolvers to query; empty = those in /etc/resolv.conf.", 0, 0, false,
       list(&C::availability, &AvailabilityConfig::dns_servers)},
      {"availability", "dns_name", VT::kString, "\"www.gov.cn\"", "Name resolved in each round.", 0,
       0, false, str(&C::availability, &AvailabilityConfig::dns_name)},
      {"availability", "gateway", VT::kString, "\"\"", "Gateway to probe; \"\" = default route's.",
       0, 0, false, str(&C::availability, &AvailabilityConfig::gateway)},
      {"availability", "fail_rounds", VT::kInt, "3", "Failed rounds before an outage opens.", 1,
       100, false, integer(&C::availability, &AvailabilityConfig::fail_rounds)},
      {"availability", "recover_rounds", VT::kInt, "2", "Good rounds before an outage closes.", 1,
       100, false, integer(&C::availability, &AvailabilityConfig::recover_rounds)},
      {"availability", "report_period_s", VT::kInt, "300",
       "Seconds between periodic availability records.", 10, 86400, false,
       integer(&C::availability, &AvailabilityConfig::report_period_s)},
      {"availability", "probe_timeout_ms", VT::kInt, "2000", "Deadline of one probe.", 100, 30000,
       false, integer(&C::availability, &AvailabilityConfig::probe_timeout_ms)},

      {"mqtt", "uri", VT::kString, "\"tcp://127.0.0.1:1883\"",
       "Broker: tcp://host:port or ssl://host:port; \"\" = keep records locally only.", 0, 0, false,
       str(&C::mqtt, &MqttConfig::uri,
           [](const std::string& s) -> std::string {
             if (s.rfind("tcp://", 0) != 0 && s.rfind("ssl://", 0) != 0 &&
                 s.rfind("mqtt://", 0) != 0 && s.rfind("mqtts://", 0) != 0)
               return "expected tcp:// or ssl://";
             return "";
           })},
      {"mqtt", "topic_prefix", VT::kString, "\"uplinkprobe/v1\"", "Prefix of every topic.", 0, 0,
       false,
       str(&C::mqtt, &MqttConfig::topic_prefix,
           [](const std::string& s) -> std::string {
             if (s.find_first_of("+#") != std::string::npos || s.back() == '/')
               return "must not contain + or # or end with /";
             return "";
           })},
      {"mqtt", "username", VT::kString, "\"\"", "Broker user name.", 0, 0, false,
       str(&C::mqtt, &MqttConfig::username)},
      {"mqtt", "password_file", VT::kString, "\"\"",
       "File holding the broker password (never the password itself in this file).", 0, 0, false,
       str(&C::mqtt, &MqttConfig::password_file)},
      {"mqtt", "ca_file", VT::kString, "\"\"", "CA bundle that verifies the broker (ssl://).", 0, 0,
       false, str(&C::mqtt, &MqttConfig::ca_file)},
      {"mqtt", "cert_file", VT::kString, "\"\"", "Client certificate for mutual TLS.", 0, 0, false,
       str(&C::mqtt, &MqttConfig::cert_file)},
      {"mqtt", "key_file", VT::kString, "\"\"", "Client key for mutual TLS.", 0, 0, false,
       str(&C::mqtt, &MqttConfig::key_file)},
      {"mqtt", "protocol_version", VT::kInt, "4", "4 = MQTT 3.1.1, 5 = MQTT 5.", 4, 5, false,
       integer(&C::mqtt, &MqttConfig::protocol_version)},
      {"mqtt", "keepalive_s", VT::kInt, "30", "MQTT keepalive; offline shows after 1.5x this.", 5,
       3600, false, integer(&C::mqtt, &MqttConfig::keepalive_s)},
      {"mqtt", "insecure_skip_verify", VT::kBool, "false",
       "LABS ONLY: do not verify the broker's certificate (logged loudly).", 0, 0, false,
       boolean(&C::mqtt, &MqttConfig::insecure_skip_verify)},
      {"mqtt", "replay_per_second", VT::kInt, "20",
       "Rate limit of backlog replay after a reconnect (protects the broker).", 1, 10000, false,
       integer(&C::mqtt, &MqttConfig::replay_per_second)},

      {"storage", "dir", VT::kString, "\"/var/lib/uplinkprobe\"", "Journal and state directory.", 0,
       0, false, str(&C::storage, &StorageConfig::dir)},
      {"storage", "max_mb", VT::kInt, "64", "Journal size cap; oldest delivered records go first.",
       1, 100000, false, integer(&C::storage, &StorageConfig::max_mb)},
      {"storage", "heartbeat_s", VT::kInt, "300",
       "Heartbeat period (s) used to reconstruct power cuts; minutes, not seconds, keep flash "
       "writes rare (a few hundred a day).",
       1, 3600, false, integer(&C::storage, &StorageConfig::heartbeat_s)},

      {"alert", "breach_after", VT::kInt, "3",
       "A breach opens when this many of the last breach_window tests are below target.", 1, 100,
       false, integer(&C::alert, &AlertConfig::breach_after)},
      {"alert", "breach_window", VT::kInt, "5", "Window of counted tests for breach_after.", 1, 100,
       false, integer(&C::alert, &AlertConfig::breach_window)},
      {"alert", "clear_after", VT::kInt, "3", "Consecutive good tests that close a breach.", 1, 100,
       false, integer(&C::alert, &AlertConfig::clear_after)},
      {"alert", "outage_alert_minutes", VT::kInt, "10",
       "An outage longer than this opens an availability breach.", 1, 10080, false,
       integer(&C::alert, &AlertConfig::outage_alert_minutes)},
      {"alert", "min_daily_uptime_pct", VT::kDouble, "99",
       "A day with less uptime opens an availability breach.", 0, 100, false,
       real(&C::alert, &AlertConfig::min_daily_uptime_pct)},

      {"control", "trusted_keys", VT::kStringList, "[]",
       "Ed25519 public key files (PEM) of the operators whose signed commands this probe "
       "obeys (docs/control.md); [] = no remote commands, the command topic is not subscribed. "
       "Set by `uplinkprobe commission --trust-key FILE`; no command can change it.",
       0, 0, false,
       list(&C::control, &ControlConfig::trusted_keys,
            [](const std::string& s) -> std::string {
              if (s.empty() || s[0] != '/') return "\"" + s + "\": expected an absolute path";
              return "";
            })},
      {"control", "max_commands_per_hour", VT::kInt, "6",
       "At most this many authenticated commands run per hour (sliding window); the rest are "
       "refused as rate_limited.",
       1, 60, false, integer(&C::control, &ControlConfig::max_commands_per_hour)},
      {"control", "max_clock_skew_s", VT::kInt, "300",
       "Tolerated difference between the issuer's clock and this probe's when checking "
       "issued_at / expires_at.",
       0, 3600, false, integer(&C::control, &ControlConfig::max_clock_skew_s)},
  };
}

}  // namespace

const std::vector<KeyDef>& schema() {
  static const std::vector<KeyDef> table = buildSchema();
  return table;
}

bool isArraySection(std::string_view section) { return section == "servers"; }

std::string exampleConfig() {
  return configmap::exampleToml<Config>(
      "# uplinkprobe configuration (TOML). Generated from the schema in\n"
      "# agent/config/schema.cpp: every key, its meaning and its default.\n"
      "# Unknown keys and wrong types are errors naming the file, line and key.\n"
      "# Check a file with: uplinkprobe check-config --config FILE\n",
      schema(), isArraySection);
}

}  // namespace uplinkprobe::config
