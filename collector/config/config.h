// The collector's configuration (TOML), as loaded and validated from the one schema table in
// collector/config/schema.cpp. Plain values only: no toml++ type leaves collector/config.
#pragma once

#include <string>
#include <vector>

namespace uplinkprobe::collector::config {

struct MqttConfig {
  std::string uri = "tcp://127.0.0.1:1883";
  std::string client_id = "uplinkprobe-collector";
  std::string shared_group;  // "" = plain subscription; else $share/{group}/{prefix}/#
  std::string topic_prefix = "uplinkprobe/v1";
  std::string username, password_file, ca_file, cert_file, key_file;
  int keepalive_s = 30;
  int max_payload_bytes = 65536;
};

struct DatabaseConfig {
  std::string url = "sqlite:///var/lib/uplinkprobe-collector/ledger.db";
  std::string sqlite_synchronous = "normal";  // "normal" | "full"
};

struct HttpConfig {
  std::string listen = "127.0.0.1:8088";
  bool allow_remote = false;    // listen beyond loopback without access control (warns)
  bool open_api = false;        // the JSON API and exports answer without login (pre-users)
  bool secure_cookies = false;  // session cookies marked Secure (TLS in front: nginx)
  int session_hours = 12;       // a web login lasts this long
};

// [control]: signing remote commands from the web UI ("test now"); the CLI takes --key.
struct ControlConfig {
  std::string key_file;      // "" = no remote commands from the web
  int expires_minutes = 15;  // lifetime of a command issued from the web
};

struct LedgerConfig {
  double target_mbps = 100;
  std::string school_hours = "Mon-Fri 08:00-17:00";  // comma-separated windows
  std::string timezone = "Asia/Shanghai";
  int stale_after_hours = 24;
  int days = 30;
  std::string province;  // written into imported schools (the sheet has no province column)
};

struct NotifyConfig {
  std::string name, url;
  std::string format = "json";  // json | wecom | dingtalk
  std::vector<std::string> events = {"alert_opened", "alert_closed", "school_stale"};
  int max_per_minute = 20;
  std::string secret_file, ca_file;
  int timeout_s = 10;
};

struct Config {
  MqttConfig mqtt;
  DatabaseConfig database;
  HttpConfig http;
  LedgerConfig ledger;
  ControlConfig control;
  std::vector<NotifyConfig> notify;
  std::string source_path;

  // [ledger] school_hours split into windows ("Mon-Fri 08:00-17:00", …).
  std::vector<std::string> schoolHoursWindows() const;
};

}  // namespace uplinkprobe::collector::config
