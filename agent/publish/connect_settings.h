// ConnectSettings: the [mqtt] config turned into what a broker session needs, validated and
// with the password read, before any Paho object exists (so config mistakes surface once,
// at start, with a message a technician can act on, and are unit-tested without a broker).
#pragma once

#include <string>
#include <vector>

#include "agent/config/config.h"
#include "common/result.h"

namespace uplinkprobe::publish {

struct ConnectSettings {
  std::string uri;  // normalised: tcp://host:port or ssl://host:port
  bool tls = false;
  std::string client_id;  // = device_id
  std::string username;
  std::string password;  // from password_file, trailing CR/LF stripped
  int mqtt_version = 4;  // 4 = 3.1.1, 5 = 5
  int keepalive_s = 30;
  std::string ca_file;    // "" = the system trust store (still verified)
  std::string cert_file;  // client certificate for mutual TLS
  std::string key_file;
  bool insecure_skip_verify = false;
  std::string topic_prefix;
  // Non-fatal findings to log at start (world-readable password file, TLS keys on tcp://).
  std::vector<std::string> warnings;
};

// Errors (kind "config"): empty or unsupported uri scheme (tcp://, ssl://, mqtt://,
// mqtts:// accepted), missing host, empty device_id, unreadable/oversized/empty password
// file, password_file without username, unreadable ca/cert/key file, cert_file without
// key_file or vice versa, protocol_version other than 4 or 5.
Result<ConnectSettings> makeConnectSettings(const config::MqttConfig& mqtt,
                                            const std::string& device_id);

// Reads a secret file: at most 4 KiB, trailing "\n"/"\r\n" stripped. A file readable by
// "other" adds a warning (the secret should be 0600/0640 root:uplinkprobe).
Result<std::string> readPasswordFile(const std::string& path, std::vector<std::string>* warnings);

}  // namespace uplinkprobe::publish
