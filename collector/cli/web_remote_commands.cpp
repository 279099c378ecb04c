#include "collector/cli/web_remote_commands.h"

#include <unistd.h>

#include <mutex>

#include "collector/control/command_log.h"
#include "collector/control/command_sender.h"

namespace uplinkprobe::collector {
namespace {

class WebRemoteCommands final : public web::RemoteCommands {
 public:
  WebRemoteCommands(const config::Config& c,
                    std::function<Result<std::unique_ptr<db::Database>>()> open)
      : mqtt_(c.mqtt), control_(c.control), open_(std::move(open)) {}

  Result<std::string> testNow(const std::string& school_id, const std::string& user) override {
    // One command at a time: the issuer counter beside the key file is read-modify-write,
    // and a click storm must not become a publish storm (the probes rate-limit too).
    std::lock_guard<std::mutex> g(mu_);
    auto db = connection();
    if (!db) return db.error();
    control::IssueRequest r;
    r.verb = "run_test";
    r.target = {record::TargetKind::kSchool, school_id};
    r.expires_minutes = control_.expires_minutes;
    r.issued_by = user + " via web";
    auto devices = control::resolveTarget(**db, r.target);
    if (!devices) return makeError(ErrorKind::kDb, devices.error().message);
    // Read per press, so a replaced key file is used without a restart.
    auto key = control::loadSigningKey(control_.key_file);
    if (!key) return makeError(ErrorKind::kKey, key.error().message);
    // The broker last: the local checks above cost nothing, a connection up to 10 s.
    auto client =
        control::connectBroker(mqtt_, mqtt_.client_id + "-web-" + std::to_string(::getpid()));
    if (!client) return client.error();
    auto issued =
        control::issueCommand(**db, **client, mqtt_.topic_prefix, *key, control_.key_file,
                              std::move(*devices), std::move(r), std::chrono::system_clock::now());
    try {
      (*client)->disconnect()->wait_for(std::chrono::seconds(5));
    } catch (const mqtt::exception&) {
    }
    if (!issued) return issued.error();
    if (issued->acknowledged.empty())
      return makeError(ErrorKind::kMqtt, issued->problems.empty() ? "nothing acknowledged"
                                                                  : issued->problems.front());
    return issued->envelope.command_id;
  }

  Result<std::vector<control::LoggedCommand>> recent(const std::string& school_id,
                                                     int limit) override {
    std::lock_guard<std::mutex> g(mu_);
    auto db = connection();
    if (!db) return db.error();
    return control::listCommands(**db, limit, school_id);
  }

 private:
  // One connection, opened when first needed and reopened after an error.
  Result<db::Database*> connection() {
    if (!db_) {
      auto d = open_();
      if (!d) return d.error();
      db_ = std::move(*d);
    }
    return db_.get();
  }

  config::MqttConfig mqtt_;
  config::ControlConfig control_;
  std::function<Result<std::unique_ptr<db::Database>>()> open_;
  std::mutex mu_;
  std::unique_ptr<db::Database> db_;
};

}  // namespace

std::unique_ptr<web::RemoteCommands> makeWebRemoteCommands(
    const config::Config& config,
    std::function<Result<std::unique_ptr<db::Database>>()> open_database) {
  if (config.control.key_file.empty()) return nullptr;
  return std::make_unique<WebRemoteCommands>(config, std::move(open_database));
}

}  // namespace uplinkprobe::collector
