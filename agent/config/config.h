// The agent's configuration as plain values. Loaded only through loadConfig*() in
// config_loader.h, which validates every key against the one schema table (schema.h), so any
// Config that exists is valid: consumers never re-check ranges.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace uplinkprobe::config {

struct IdentityConfig {
  std::string device_id;
  std::string school_id;
  std::string school_name;
  std::string region;
  std::string county;
  std::string carrier;
  bool operator==(const IdentityConfig&) const = default;
};

struct TargetConfig {
  double floor_down_mbps = 100;     // the government floor
  double contracted_down_mbps = 0;  // 0 = not set
  double contracted_up_mbps = 0;
  double tolerance_pct = 5;
  // Which results the verdict counts and which tests the daemon schedules: "tcp" (goodput
  // engine), "udp" (OB-UDPST IP capacity, needs a [[servers]] kind "udpst") or "both".
  std::string method = "tcp";
  // The effective download target: the larger of floor and contract (DESIGN.md).
  double effectiveDownMbps() const;
};

struct ServerConfig {
  std::string name;
  std::string kind = "librespeed";  // "librespeed" | "http" | "udpst"
  std::string url;                  // librespeed
  std::string download_url;         // http
  std::string upload_url;           // http
  // LibreSpeed's own names (its server list and web UI): paths under url. "" = LibreSpeed's
  // defaults garbage.php, empty.php, empty.php, getIP.php (the PHP backend; the Go backend
  // and uplinkprobe-server answer those paths too). Go-style paths: "garbage", "empty", ….
  std::string dl_url;     // dlURL
  std::string ul_url;     // ulURL
  std::string ping_url;   // pingURL
  std::string getip_url;  // getIpURL
  std::string from_file;  // the servers_file it came from; "" = written in the TOML
  // kind "udpst" (url udpst://host[:port]): the server's key, in udpst's -K file format.
  // Used by `uplinkprobe test --method udp`; TCP tests skip udpst servers.
  std::string key_file;
  int key_id = 0;
};

struct ThroughputConfig {
  double max_seconds = 8;
  double max_mb_per_direction = 60;
  double max_mb_ceiling = 400;  // hard ceiling the adaptive budget may grow to
  int streams_start = 4;
  int streams_max = 16;
  int ip_family = 0;  // 0 any, 4, 6
  std::string interface;
  std::string source_address;
  std::string proxy;
  std::string wan_interface;
  std::string ca_file;
  bool tls_verify = true;
  // A LibreSpeed server-list JSON (web UI / librespeed-cli format) whose entries are appended
  // to [[servers]] at load (relative paths: from the config file's directory).
  std::string servers_file;
};

struct ScheduleConfig {
  int tests_per_day = 4;
  std::vector<std::string> windows = {"08:00-17:00"};
  std::string timezone;           // "" = the system's
  int interval_s = 0;             // > 0: fixed interval instead of tests_per_day (labs)
  double monthly_budget_gb = 10;  // 0 = unlimited
  double defer_if_cross_traffic_mbps = 10;
  int min_spacing_minutes = 30;
  int splay_percent = 10;
};

struct AvailabilityConfig {
  int interval_s = 10;
  std::vector<std::string> tcp_targets;
  std::vector<std::string> dns_servers;
  std::string dns_name = "www.gov.cn";
  std::string gateway;
  int fail_rounds = 3;
  int recover_rounds = 2;
  int report_period_s = 300;
  int probe_timeout_ms = 2000;
};

struct MqttConfig {
  std::string uri;  // "" = do not publish (journal only)
  std::string topic_prefix = "uplinkprobe/v1";
  std::string username;
  std::string password_file;
  std::string ca_file;
  std::string cert_file;
  std::string key_file;
  int protocol_version = 4;  // 4 = MQTT 3.1.1, 5 = MQTT 5
  int keepalive_s = 30;
  bool insecure_skip_verify = false;
  int replay_per_second = 20;
  bool operator==(const MqttConfig&) const = default;
};

struct StorageConfig {
  std::string dir = "/var/lib/uplinkprobe";
  int max_mb = 64;
  int heartbeat_s = 300;
  bool operator==(const StorageConfig&) const = default;
};

struct AlertConfig {
  int breach_after = 3;
  int breach_window = 5;
  int clear_after = 3;
  int outage_alert_minutes = 10;
  double min_daily_uptime_pct = 99;
};

// Signed remote commands (issue 12, docs/control.md). No trusted key = no command topic.
struct ControlConfig {
  std::vector<std::string> trusted_keys;  // Ed25519 public key files (PEM)
  int max_commands_per_hour = 6;
  int max_clock_skew_s = 300;
  bool operator==(const ControlConfig&) const = default;
};

struct Config {
  std::string source_path;  // file it was loaded from, for messages
  // Set when `{storage.dir}/remote.toml` (agent/config/remote_overrides.h) was laid over
  // the file: the keys signed remote commands changed.
  std::string remote_overrides_path;
  // Line of each key the file sets, by keyId() ("availability.dns_servers",
  // "servers#2.url"); for messages only (not part of config_hash).
  std::map<std::string, int> lines;
  IdentityConfig identity;
  TargetConfig target;
  std::vector<ServerConfig> servers;
  ThroughputConfig throughput;
  ScheduleConfig schedule;
  AvailabilityConfig availability;
  MqttConfig mqtt;
  StorageConfig storage;
  AlertConfig alert;
  ControlConfig control;
};

}  // namespace uplinkprobe::config
