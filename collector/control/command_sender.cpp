#include "collector/control/command_sender.h"

#include <random>

#include "collector/control/command_log.h"
#include "record/ed25519.h"

namespace uplinkprobe::collector::control {
namespace {

constexpr auto kConnectTimeout = std::chrono::seconds(10);
constexpr auto kPubackTimeout = std::chrono::seconds(10);

std::string commandId() {
  std::random_device rd;
  char buf[32];
  std::snprintf(buf, sizeof buf, "c-%08x%08x", rd(), rd());
  return buf;
}

}  // namespace

Result<std::unique_ptr<mqtt::async_client>> connectBroker(const config::MqttConfig& m,
                                                          const std::string& client_id) {
  std::string password;
  if (!m.password_file.empty()) {
    auto p = record::readSmallFile(m.password_file);
    if (!p) return makeError(ErrorKind::kConfig, p.error().message);
    password = *p;
    while (!password.empty() && (password.back() == '\n' || password.back() == '\r'))
      password.pop_back();
  }
  try {
    auto client = std::make_unique<mqtt::async_client>(m.uri, client_id, nullptr);
    mqtt::connect_options opts;
    opts.set_clean_session(true);
    opts.set_keep_alive_interval(30);
    opts.set_connect_timeout(kConnectTimeout);
    if (!m.username.empty()) {
      opts.set_user_name(m.username);
      opts.set_password(password);
    }
    if (m.uri.rfind("ssl://", 0) == 0 || m.uri.rfind("mqtts://", 0) == 0) {
      mqtt::ssl_options ssl;
      if (!m.ca_file.empty()) ssl.set_trust_store(m.ca_file);
      if (!m.cert_file.empty()) ssl.set_key_store(m.cert_file);
      if (!m.key_file.empty()) ssl.set_private_key(m.key_file);
      opts.set_ssl(std::move(ssl));
    }
    if (!client->connect(opts)->wait_for(kConnectTimeout + std::chrono::seconds(1)))
      return makeError(ErrorKind::kMqtt, "broker " + m.uri + ": no CONNACK within 10 s");
    return client;
  } catch (const mqtt::exception& e) {
    return makeError(ErrorKind::kMqtt, "broker " + m.uri + ": " + e.what());
  }
}

Result<Issued> issueCommand(db::Database& db, mqtt::async_client& client,
                            const std::string& topic_prefix, const record::PrivateKey& key,
                            const std::string& key_path, std::vector<DeviceAddress> devices,
                            IssueRequest request, WallTime now) {
  if (devices.empty())
    return makeError(ErrorKind::kTarget,
                     "no device this collector has seen matches " +
                         std::string(record::targetMember(request.target.kind)) + " \"" +
                         request.target.value + "\"");
  Issued out;
  record::CommandEnvelope& env = out.envelope;
  env.command_id = commandId();
  env.verb = request.verb;
  env.args = std::move(request.args);
  env.target = request.target;
  env.issued_at = record::formatCommandTime(now);
  env.expires_at = record::formatCommandTime(now + std::chrono::minutes(request.expires_minutes));
  auto seq = nextIssuerSeq(key_path, now);
  if (!seq) return makeError(ErrorKind::kKey, seq.error().message);
  env.issuer_seq = *seq;
  if (auto st = record::signCommand(env, key); !st)
    return makeError(ErrorKind::kUsage, st.error().message);
  auto payload = record::serializeCommand(env);
  if (!payload) return makeError(ErrorKind::kUsage, payload.error().message);
  // Audit first: a crash after publishing must still leave the row.
  const int64_t issued_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  if (auto st = logIssued(db, env, request.issued_by, devices, issued_ms); !st)
    return makeError(ErrorKind::kDb, "audit log: " + st.error().message + " (nothing sent)");
  out.devices = std::move(devices);
  for (const auto& d : out.devices) {
    auto topic = commandTopic(topic_prefix, d);
    if (!topic) {
      out.problems.push_back(d.device_id + ": " + topic.error().message);
      continue;
    }
    try {
      auto tok = client.publish(mqtt::make_message(*topic, *payload, 1, false));
      if (!tok->wait_for(kPubackTimeout)) {
        out.problems.push_back(d.device_id + ": no PUBACK for " + *topic + " within 10 s");
        continue;
      }
    } catch (const mqtt::exception& e) {
      out.problems.push_back(d.device_id + ": publish to " + *topic + ": " + e.what());
      continue;
    }
    if (auto st = logSent(db, env.command_id, d.device_id); !st)
      out.problems.push_back(d.device_id + ": sent, but the audit log: " + st.error().message);
    out.acknowledged.push_back(d.device_id);
  }
  return out;
}

}  // namespace uplinkprobe::collector::control
