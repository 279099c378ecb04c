#include "agent/publish/connect_settings.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>

#include "platform/state_dir.h"

namespace uplinkprobe::publish {
namespace {

constexpr size_t kMaxSecretBytes = 4096;

Error configError(std::string message) { return makeError(ErrorKind::kConfig, std::move(message)); }

Status checkReadable(const std::string& key, const std::string& path) {
  // Opened like every later read: O_NONBLOCK (a FIFO cannot hang the check), fstat on the
  // descriptor (a regular file), bounded (certificates and keys are small).
  auto r = platform::readRegularFile(path, 1 << 20);
  if (!r) return configError("[mqtt] " + key + " \"" + path + "\": " + r.error().message);
  return Status::Ok();
}

}  // namespace

Result<std::string> readPasswordFile(const std::string& path, std::vector<std::string>* warnings) {
  // One open; type, size and mode are checked on that descriptor and the bytes read from it,
  // so nothing can be swapped in between (issue 15).
  mode_t mode = 0;
  auto read = platform::readRegularFile(path, kMaxSecretBytes, true, nullptr, &mode);
  if (!read) {
    return configError("[mqtt] password_file \"" + path + "\": " + read.error().message);
  }
  std::string secret = std::move(*read);
  while (!secret.empty() && (secret.back() == '\n' || secret.back() == '\r')) secret.pop_back();
  if (secret.empty()) {
    return configError("[mqtt] password_file \"" + path + "\": empty");
  }
  if ((mode & S_IROTH) != 0 && warnings != nullptr) {
    warnings->push_back("[mqtt] password_file \"" + path +
                        "\" is readable by every local user; chmod 0600 it");
  }
  return secret;
}

Result<ConnectSettings> makeConnectSettings(const config::MqttConfig& mqtt,
                                            const std::string& device_id) {
  ConnectSettings s;
  if (device_id.empty())
    return configError("[identity] device_id is empty: it is the MQTT client id");
  s.client_id = device_id;
  s.topic_prefix = mqtt.topic_prefix;
  if (mqtt.uri.empty()) return configError("[mqtt] uri is empty");
  const auto sep = mqtt.uri.find("://");
  if (sep == std::string::npos) {
    return configError("[mqtt] uri \"" + mqtt.uri +
                       "\": expected tcp://host:port or ssl://host:port");
  }
  const std::string scheme = mqtt.uri.substr(0, sep);
  std::string rest = mqtt.uri.substr(sep + 3);
  if (scheme == "tcp" || scheme == "mqtt") {
    s.tls = false;
  } else if (scheme == "ssl" || scheme == "mqtts") {
    s.tls = true;
  } else {
    return configError("[mqtt] uri \"" + mqtt.uri + "\": scheme \"" + scheme +
                       "\" not supported, expected tcp:// or ssl://");
  }
  while (!rest.empty() && rest.back() == '/') rest.pop_back();
  if (rest.empty() || rest[0] == ':') {
    return configError("[mqtt] uri \"" + mqtt.uri + "\": missing host");
  }
  if (rest.find('/') != std::string::npos) {
    return configError("[mqtt] uri \"" + mqtt.uri + "\": a path is not allowed");
  }
  // Port given? (the last ':' after any IPv6 ']' ).
  const auto bracket = rest.rfind(']');
  const auto colon = rest.rfind(':');
  const bool has_port =
      colon != std::string::npos && (bracket == std::string::npos || colon > bracket);
  if (!has_port) rest += s.tls ? ":8883" : ":1883";
  s.uri = std::string(s.tls ? "ssl://" : "tcp://") + rest;

  if (mqtt.protocol_version != 4 && mqtt.protocol_version != 5) {
    return configError("[mqtt] protocol_version " + std::to_string(mqtt.protocol_version) +
                       ": expected 4 (MQTT 3.1.1) or 5");
  }
  s.mqtt_version = mqtt.protocol_version;
  s.keepalive_s = mqtt.keepalive_s > 0 ? mqtt.keepalive_s : 30;

  s.username = mqtt.username;
  if (!mqtt.password_file.empty()) {
    if (s.username.empty()) {
      return configError("[mqtt] password_file is set but username is empty");
    }
    auto pw = readPasswordFile(mqtt.password_file, &s.warnings);
    if (!pw) return pw.error();
    s.password = std::move(pw.value());
  }

  if ((mqtt.cert_file.empty()) != (mqtt.key_file.empty())) {
    return configError("[mqtt] cert_file and key_file must be set together (mutual TLS)");
  }
  for (const auto& [key, path] : {std::pair<std::string, std::string>{"ca_file", mqtt.ca_file},
                                  {"cert_file", mqtt.cert_file},
                                  {"key_file", mqtt.key_file}}) {
    if (path.empty()) continue;
    if (!s.tls) {
      s.warnings.push_back("[mqtt] " + key + " is ignored: uri is tcp:// (no TLS)");
      continue;
    }
    if (auto st = checkReadable(key, path); !st) return st.error();
  }
  if (s.tls) {
    s.ca_file = mqtt.ca_file;
    s.cert_file = mqtt.cert_file;
    s.key_file = mqtt.key_file;
    s.insecure_skip_verify = mqtt.insecure_skip_verify;
  } else if (mqtt.insecure_skip_verify) {
    s.warnings.push_back("[mqtt] insecure_skip_verify is ignored: uri is tcp:// (no TLS)");
  }
  if (!s.tls && !s.password.empty()) {
    s.warnings.push_back(
        "[mqtt] the password is sent in clear text over tcp://; use ssl:// "
        "outside a lab");
  }
  return s;
}

}  // namespace uplinkprobe::publish
