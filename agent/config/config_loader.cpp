#include "agent/config/config_loader.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "agent/config/librespeed_server_list.h"
#include "agent/config/remote_overrides.h"
#include "agent/config/schema.h"
#include "platform/state_dir.h"

namespace uplinkprobe::config {
namespace {

Status crossCheck(const Config& c, const std::string& src, Purpose purpose) {
  auto fail = [&](const std::string& m) {
    return Status(makeError(ErrorKind::kConfig, src + ": " + m));
  };
  auto failKey = [&](std::string_view section, std::string_view key, const std::string& m,
                     size_t index = 0) {
    return Status(makeError(ErrorKind::kConfig, keyMessage(c, section, key, m, index)));
  };
  for (size_t i = 0; i < c.servers.size(); ++i) {
    const auto& s = c.servers[i];
    const bool udpst_url = s.url.rfind("udpst://", 0) == 0;
    if (s.kind == "udpst" && !udpst_url)
      return failKey("servers", "url",
                     "kind \"udpst\" (" + s.name + ") needs url udpst://HOST[:PORT]", i);
    if (s.kind != "udpst" && udpst_url)
      return failKey("servers", "kind", "url udpst:// (" + s.name + ") needs kind \"udpst\"", i);
    if (s.kind == "librespeed" && s.url.empty())
      return failKey("servers", "url", "kind \"librespeed\" (" + s.name + ") needs url", i);
    if (s.kind == "http" && (s.download_url.empty() || s.upload_url.empty()))
      return failKey("servers", "kind",
                     "kind \"http\" (" + s.name + ") needs download_url and upload_url", i);
  }
  if (c.servers.size() > 16) return fail("at most 16 [[servers]]");
  if (c.throughput.streams_start > c.throughput.streams_max)
    return failKey("throughput", "streams_start", "must not exceed streams_max");
  if (c.alert.breach_after > c.alert.breach_window)
    return failKey("alert", "breach_after", "must not exceed breach_window");
  if (!c.mqtt.username.empty() && c.mqtt.password_file.empty())
    return failKey("mqtt", "username", "is set but password_file is not");
  if ((c.mqtt.cert_file.empty()) != (c.mqtt.key_file.empty()))
    return failKey("mqtt", c.mqtt.cert_file.empty() ? "key_file" : "cert_file",
                   "cert_file and key_file must be given together");
  if (purpose == Purpose::kRun) {
    if (c.identity.device_id.empty()) return failKey("identity", "device_id", "is required");
    if (c.identity.school_id.empty()) return failKey("identity", "school_id", "is required");
    if (c.servers.empty() && c.schedule.tests_per_day > 0)
      return fail("at least one [[servers]] entry is required when tests_per_day > 0");
    if (c.storage.dir.empty()) return failKey("storage", "dir", "is required");
    // UDP tests need a server that speaks OB-UDPST; say what to add rather than journal a
    // failed test at every slot. (`uplinkprobe test` may name one with --server.)
    if (c.target.method != "tcp" &&
        std::none_of(c.servers.begin(), c.servers.end(),
                     [](const ServerConfig& s) { return s.kind == "udpst"; }))
      return failKey("target", "method",
                     "\"" + c.target.method +
                         "\" needs a UDP server: add a [[servers]] entry with kind = \"udpst\" and "
                         "url = \"udpst://HOST:PORT\" (key_file and key_id for its key), or set "
                         "method = \"tcp\"");
  }
  return Status::Ok();
}

// [throughput] servers_file: the LibreSpeed server list's entries join [[servers]].
Status addServersFile(Config& c, const std::string& base_dir) {
  const std::string& file = c.throughput.servers_file;
  if (file.empty()) return Status::Ok();
  auto fail = [&](const std::string& m) {
    return Status(makeError(ErrorKind::kConfig, keyMessage(c, "throughput", "servers_file", m)));
  };
  std::filesystem::path path(file);
  if (path.is_relative() && !base_dir.empty()) path = std::filesystem::path(base_dir) / path;
  auto text = platform::readRegularFile(path.string(), kMaxServerListBytes);
  if (!text) return fail(text.error().message);
  auto list = parseLibrespeedServerList(*text, path.string());
  if (!list) return fail(list.error().message);
  if (c.servers.size() + list->size() > kMaxServerListEntries)
    return fail(path.string() + ": " + std::to_string(list->size()) + " servers and " +
                std::to_string(c.servers.size()) + " [[servers]]: at most " +
                std::to_string(kMaxServerListEntries) + " in all");
  for (auto& s : *list) c.servers.push_back(std::move(s));
  return Status::Ok();
}

}  // namespace

std::string keyId(std::string_view section, std::string_view key, size_t index) {
  std::string id(section);
  if (isArraySection(section)) id += "#" + std::to_string(index + 1);
  return id.append(".").append(key);
}

std::string keyMessage(const Config& c, std::string_view section, std::string_view key,
                       const std::string& message, size_t index) {
  std::string out = c.source_path;
  auto it = c.lines.find(keyId(section, key, index));
  if (it != c.lines.end()) out += " line " + std::to_string(it->second);
  const std::string label = isArraySection(section)
                                ? "[[" + std::string(section) + "]] #" + std::to_string(index + 1)
                                : "[" + std::string(section) + "]";
  return out + ": " + label + " " + std::string(key) + ": " + message;
}

double TargetConfig::effectiveDownMbps() const {
  return std::max(floor_down_mbps, contracted_down_mbps);
}

Result<Config> loadConfigString(const std::string& text, const std::string& src, Purpose purpose,
                                const std::string& base_dir) {
  Config c;
  c.source_path = src;
  auto st = configmap::loadToml<Config>(
      schema(), isArraySection,
      [](Config& cfg, std::string_view, size_t index) {
        if (cfg.servers.size() <= index) cfg.servers.resize(index + 1);
      },
      text, src, c,
      [&c](std::string_view section, std::string_view key, size_t index, int line) {
        c.lines[keyId(section, key, index)] = line;
      });
  if (!st) return st.error();
  for (size_t i = 0; i < c.servers.size(); ++i)
    if (c.servers[i].name.empty()) c.servers[i].name = "server" + std::to_string(i + 1);
  if (auto added = addServersFile(
          c, base_dir.empty() ? std::filesystem::path(src).parent_path().string() : base_dir);
      !added)
    return added.error();
  if (auto cross = crossCheck(c, src, purpose); !cross) return cross.error();
  return c;
}

Result<Config> loadConfigFile(const std::string& path, Purpose purpose) {
  auto text = configmap::readConfigFile(path);
  if (!text) return text.error();
  auto cfg = loadConfigString(*text, path, purpose);
  if (!cfg) return cfg;
  // The keys remote commands set live in the state directory (remote_overrides.h).
  const std::string overrides_path = remoteOverridesPath(cfg->storage.dir);
  auto overrides = readRemoteOverrides(overrides_path);
  if (!overrides) {
    // `uplinkprobe test` by a user who may not read the service's state directory measures
    // with the file's values; everything that runs or checks the service must see them.
    if (purpose == Purpose::kTest) return cfg;
    return makeError(ErrorKind::kConfig, overrides.error().message);
  }
  if (overrides->empty()) return cfg;
  auto merged = applyRemoteOverrides(*text, *overrides, overrides_path);
  if (!merged) return merged.error();
  auto effective = loadConfigString(*merged, path + " with " + overrides_path, purpose,
                                    std::filesystem::path(path).parent_path().string());
  if (!effective) return effective;
  effective->source_path = path;
  effective->remote_overrides_path = overrides_path;
  return effective;
}

namespace {

void canonicalValue(std::string& out, const Value& v) {
  auto text = [&out](const std::string& s) {
    out += std::to_string(s.size());
    out += ':';
    out += s;
  };
  if (const auto* s = std::get_if<std::string>(&v)) {
    text(*s);
  } else if (const auto* i = std::get_if<long long>(&v)) {
    out += std::to_string(*i);
  } else if (const auto* d = std::get_if<double>(&v)) {
    char buf[40];
    std::snprintf(buf, sizeof buf, "%.17g", *d);
    out += buf;
  } else if (const auto* b = std::get_if<bool>(&v)) {
    out += *b ? "true" : "false";
  } else if (const auto* l = std::get_if<std::vector<std::string>>(&v)) {
    out += '[';
    for (const auto& e : *l) {
      text(e);
      out += ',';
    }
    out += ']';
  }
}

}  // namespace

std::string canonicalConfig(const Config& c) {
  // One line per effective key, in schema order, defaults included: a key the file omits
  // and the same key written with its default value give the same hash.
  std::string out = "uplinkprobe-config/2\n";
  std::string_view done_array;
  for (const auto& k : schema()) {
    if (!isArraySection(k.section)) {
      out.append(k.section).append(".").append(k.key).append("=");
      canonicalValue(out, k.field.get(c, 0));
      out += '\n';
      continue;
    }
    if (done_array == k.section) continue;
    done_array = k.section;
    out.append(k.section).append(".count=").append(std::to_string(c.servers.size())) += '\n';
    for (size_t i = 0; i < c.servers.size(); ++i) {
      for (const auto& a : schema()) {
        if (a.section != k.section) continue;
        out.append(a.section).append("#").append(std::to_string(i + 1)).append(".");
        out.append(a.key).append("=");
        canonicalValue(out, a.field.get(c, i));
        out += '\n';
      }
    }
  }
  return out;
}

std::string configHash(const Config& c) {
  // FNV-1a 64 over canonicalConfig(): cheap, stable across runs, builds and machines. It
  // detects drift and downgrades; it is not a signature (whoever can edit the file can also
  // make the agent publish any hash).
  uint64_t h = 1469598103934665603ull;
  for (unsigned char ch : canonicalConfig(c)) {
    h ^= ch;
    h *= 1099511628211ull;
  }
  char out[17];
  std::snprintf(out, sizeof out, "%016llx", static_cast<unsigned long long>(h));
  return out;
}

}  // namespace uplinkprobe::config
