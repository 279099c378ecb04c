#include "agent/daemon/config_validation.h"

#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <optional>
#include <regex>

#include "agent/config/config_loader.h"
#include "agent/config/schema.h"
#include "agent/daemon/measure_options.h"
#include "agent/publish/connect_settings.h"
#include "record/ed25519.h"

namespace uplinkprobe::daemon {
namespace {

// Prefixes a sub-module's "[section] key ..." message with the file and the key's line.
std::string locate(const config::Config& c, const std::string& message) {
  static const std::regex re(R"(^\[([a-z_]+)\] ([a-z_]+))");
  std::smatch m;
  std::string where = c.source_path;
  if (std::regex_search(message, m, re)) {
    auto it = c.lines.find(config::keyId(m[1].str(), m[2].str()));
    if (it != c.lines.end()) where += " line " + std::to_string(it->second);
  }
  return where + ": " + message;
}

struct Principal {
  std::string name;  // set only for another user (is_self false): messages name them
  uid_t uid = 0;
  std::vector<gid_t> gids;
  bool is_self = true;  // judge with access(2) as this process
};

Principal servicePrincipal(const std::string& user) {
  Principal p;
  p.uid = ::geteuid();
  // Judged as this process: no name is ever shown, so no user database lookup (an NSS module
  // such as libnss_systemd, once loaded, stays mapped in the daemon: issue 16).
  if (p.uid != 0 || user.empty()) return p;
  p.name = "root";
  std::vector<char> buf(16384);
  passwd pw{};
  passwd* found = nullptr;
  if (::getpwnam_r(user.c_str(), &pw, buf.data(), buf.size(), &found) != 0 || !found) return p;
  p.name = user;
  p.uid = found->pw_uid;
  p.is_self = false;
  int n = 64;
  std::vector<gid_t> gids(static_cast<size_t>(n));
  if (::getgrouplist(user.c_str(), found->pw_gid, gids.data(), &n) < 0) {
    gids.resize(static_cast<size_t>(n));
    ::getgrouplist(user.c_str(), found->pw_gid, gids.data(), &n);
  }
  gids.resize(static_cast<size_t>(std::max(n, 0)));
  p.gids = std::move(gids);
  return p;
}

bool bitsAllow(const Principal& p, const struct stat& st, int want /* 4 r, 2 w, 1 x */) {
  int bits;
  if (st.st_uid == p.uid)
    bits = (st.st_mode >> 6) & 7;
  else if (std::find(p.gids.begin(), p.gids.end(), st.st_gid) != p.gids.end())
    bits = (st.st_mode >> 3) & 7;
  else
    bits = st.st_mode & 7;
  return (bits & want) == want;
}

std::string modeText(const struct stat& st) {
  char mode[8];
  std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
  std::string owner = std::to_string(st.st_uid), group_name = std::to_string(st.st_gid);
  if (const passwd* pw = ::getpwuid(st.st_uid)) owner = pw->pw_name;
  if (const struct group* gr = ::getgrgid(st.st_gid)) group_name = gr->gr_name;
  return std::string(mode) + " " + owner + ":" + group_name;
}

// Empty when `path` is a regular file the principal can read, else why not.
std::string unreadableBecause(const Principal& p, const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return std::strerror(errno);
  if (!S_ISREG(st.st_mode)) return "not a regular file";
  if (p.is_self) {
    if (::access(path.c_str(), R_OK) != 0)
      return std::string(std::strerror(errno)) + " (mode " + modeText(st) + ")";
    return "";
  }
  if (!bitsAllow(p, st, 4))
    return "not readable by user " + p.name + " (mode " + modeText(st) + ")";
  namespace fs = std::filesystem;
  for (fs::path dir = fs::absolute(path).parent_path();; dir = dir.parent_path()) {
    struct stat ds {};
    if (::stat(dir.c_str(), &ds) == 0 && !bitsAllow(p, ds, 1))
      return "directory " + dir.string() + " is not searchable by user " + p.name + " (mode " +
             modeText(ds) + ")";
    if (dir == dir.parent_path()) break;
  }
  return "";
}

// Empty when `dir` is a writable directory or mkdir -p could create it as this process.
std::string storageProblem(const std::string& dir) {
  namespace fs = std::filesystem;
  fs::path p = fs::absolute(dir);
  struct stat st {};
  if (::stat(p.c_str(), &st) == 0) {
    if (!S_ISDIR(st.st_mode)) return "\"" + dir + "\" exists and is not a directory";
    if (::access(p.c_str(), W_OK | X_OK) != 0)
      return "\"" + dir + "\" is not writable (" + std::strerror(errno) + ", mode " + modeText(st) +
             ")";
    return "";
  }
  for (fs::path up = p.parent_path();; up = up.parent_path()) {
    if (::stat(up.c_str(), &st) == 0) {
      if (!S_ISDIR(st.st_mode)) return "cannot be created: " + up.string() + " is not a directory";
      if (::access(up.c_str(), W_OK | X_OK) != 0)
        return "cannot be created: " + up.string() + " is not writable (" + std::strerror(errno) +
               ")";
      return "";
    }
    if (up == up.parent_path()) return "cannot be created: no existing parent directory";
  }
}

}  // namespace

std::string Validation::summary() const {
  std::string out;
  for (const auto& e : errors) out += (out.empty() ? "" : "; ") + e;
  return out;
}

availability::AvailabilityOptions availabilityOptions(const config::Config& c) {
  availability::AvailabilityOptions o;
  const auto& a = c.availability;
  o.interval = std::chrono::seconds(a.interval_s);
  o.tcp_targets = a.tcp_targets;
  o.dns_servers = a.dns_servers;
  o.dns_name = a.dns_name;
  o.fail_rounds = a.fail_rounds;
  o.recover_rounds = a.recover_rounds;
  o.report_period = std::chrono::seconds(a.report_period_s);
  o.gateway = a.gateway;
  o.probe_timeout = std::chrono::milliseconds(
      std::min<int>(a.probe_timeout_ms, std::max(100, a.interval_s * 1000 - 100)));
  return o;
}

Validation validate(const config::Config& c, const ValidationOptions& options) {
  Validation v;
  auto error = [&](std::string_view section, std::string_view key, const std::string& m) {
    v.errors.push_back(config::keyMessage(c, section, key, m));
  };

  // A placeholder identity would be published as a real school.
  static const auto example =
      config::loadConfigString(config::exampleConfig(), "example", config::Purpose::kTest);
  if (example) {
    if (c.identity.device_id == example->identity.device_id)
      error("identity", "device_id",
            "\"" + c.identity.device_id +
                "\" is example-config's placeholder; run `uplinkprobe commission --config " +
                c.source_path + "` to set this device's and this school's identity");
    if (c.identity.school_id == example->identity.school_id)
      error("identity", "school_id",
            "\"" + c.identity.school_id +
                "\" is example-config's placeholder; run `uplinkprobe commission --config " +
                c.source_path + "` to set this school's identity");
  }

  if (auto st = availability::checkOptions(availabilityOptions(c)); !st)
    v.errors.push_back(locate(c, st.error().message));

  if (!c.mqtt.uri.empty()) {
    auto s = publish::makeConnectSettings(c.mqtt, c.identity.device_id);
    if (!s)
      v.errors.push_back(locate(c, s.error().message));
    else
      for (const auto& w : s->warnings) v.warnings.push_back(locate(c, w));
  }

  const Principal who = servicePrincipal(options.service_user);
  const std::pair<const char*, const std::string*> files[] = {
      {"password_file", &c.mqtt.password_file},
      {"ca_file", &c.mqtt.ca_file},
      {"cert_file", &c.mqtt.cert_file},
      {"key_file", &c.mqtt.key_file}};
  for (const auto& [key, path] : files) {
    if (path->empty()) continue;
    if (auto why = unreadableBecause(who, *path); !why.empty())
      error("mqtt", key, "\"" + *path + "\": " + why);
  }
  if (!c.throughput.ca_file.empty()) {
    if (auto why = unreadableBecause(who, c.throughput.ca_file); !why.empty())
      error("throughput", "ca_file", "\"" + c.throughput.ca_file + "\": " + why);
  }

  // [target] method "udp"/"both": the UDP server's key as the daemon reads it at each slot
  // (udpCapacityOptions()), so a key file the service user cannot read or a key_id it does
  // not hold is refused now, not journaled as a failed test at every slot.
  if (c.target.method != "tcp") {
    for (size_t i = 0; i < c.servers.size(); ++i) {
      const auto& s = c.servers[i];
      if (s.kind != "udpst") continue;
      auto at = [&](const char* key, const std::string& m) {
        v.errors.push_back(config::keyMessage(c, "servers", key, m, i));
      };
      if (!s.key_file.empty()) {
        if (auto why = unreadableBecause(who, s.key_file); !why.empty()) {
          at("key_file", "\"" + s.key_file + "\": " + why);
          break;
        }
      }
      if (auto o = udpCapacityOptions(c, std::nullopt, *firstUdpstServer(c)); !o) {
        if (o.error().kind == ErrorKind::kBudget)
          error("throughput", "max_mb_ceiling", o.error().message);
        else
          at(o.error().kind == ErrorKind::kKeyId
                 ? "key_id"
                 : (o.error().kind == ErrorKind::kUrl ? "url" : "key_file"),
             o.error().message);
      }
      break;  // scheduled tests use the first one
    }
  }

  // As the daemon's startControl() reads them: a key that cannot be used is exit 78 there.
  for (const auto& path : c.control.trusted_keys) {
    if (auto why = unreadableBecause(who, path); !why.empty()) {
      error("control", "trusted_keys", "\"" + path + "\": " + why);
      continue;
    }
    auto pem = record::readSmallFile(path);
    if (!pem) {
      error("control", "trusted_keys", pem.error().message);
      continue;
    }
    if (auto key = record::PublicKey::fromPem(*pem); !key)
      error("control", "trusted_keys", "\"" + path + "\": " + key.error().message);
  }

  if (auto why = storageProblem(c.storage.dir); !why.empty()) error("storage", "dir", why);

  // A problem found twice (makeConnectSettings and the file check) is reported once.
  static const std::regex key_re(R"(\[[a-z_]+\]\]? (?:#\d+ )?[a-z_]+)");
  std::vector<std::string> unique, seen;
  for (auto& e : v.errors) {
    std::smatch m;
    const std::string key = std::regex_search(e, m, key_re) ? m.str() : e;
    if (std::find(seen.begin(), seen.end(), key) != seen.end()) continue;
    seen.push_back(key);
    unique.push_back(std::move(e));
  }
  v.errors = std::move(unique);
  return v;
}

}  // namespace uplinkprobe::daemon
