#include "agent/config/config_loader.h"

#include <toml++/toml.h>
#include <fstream>
#include <sstream>

#include "agent/config/schema.h"

namespace uplinkprobe::config {
namespace {

constexpr size_t kMaxConfigBytes = 1 << 20;  // a config is a few kB; refuse anything absurd

std::string where(const std::string& src, const toml::node& n) {
  const auto& b = n.source().begin;
  if (b.line == 0) return src;
  return src + " line " + std::to_string(b.line);
}

std::string sectionLabel(std::string_view section, size_t index) {
  if (isArraySection(section))
    return "[[" + std::string(section) + "]] #" + std::to_string(index + 1);
  return "[" + std::string(section) + "]";
}

// Converts a node to the schema's type, or returns a message naming the expected type.
std::string convert(const toml::node& n, ValueType t, Value& out) {
  switch (t) {
    case ValueType::kString:
      if (auto v = n.value<std::string>(); v && n.is_string()) {
        if (v->size() > 4096) return "string longer than 4096 bytes";
        out = *v;
        return "";
      }
      break;
    case ValueType::kInt:
      if (n.is_integer()) {
        out = static_cast<long long>(*n.value<int64_t>());
        return "";
      }
      break;
    case ValueType::kDouble:
      if (n.is_integer() || n.is_floating_point()) {
        out = *n.value<double>();
        return "";
      }
      break;
    case ValueType::kBool:
      if (n.is_boolean()) {
        out = *n.value<bool>();
        return "";
      }
      break;
    case ValueType::kStringList:
      if (const auto* arr = n.as_array()) {
        std::vector<std::string> items;
        for (const auto& e : *arr) {
          if (!e.is_string()) return "expected an array of strings";
          items.push_back(*e.value<std::string>());
        }
        out = std::move(items);
        return "";
      }
      break;
  }
  return "expected " + std::string(typeName(t));
}

Status applyTable(Config& c, const toml::table& table, std::string_view section, size_t index,
                  const std::string& src) {
  for (const auto& [key, node] : table) {
    const KeyDef* def = nullptr;
    for (const auto& k : schema())
      if (k.section == section && k.key == key.str()) def = &k;
    if (!def)
      return makeError("config", where(src, node) + ": " + sectionLabel(section, index) +
                                     ": unknown key \"" + std::string(key.str()) + "\"");
    Value v;
    std::string err = convert(node, def->type, v);
    if (err.empty() && def->min < def->max) {
      double x = def->type == ValueType::kInt ? static_cast<double>(std::get<long long>(v))
                                              : std::get<double>(v);
      if (x < def->min || x > def->max) {
        std::ostringstream m;
        m << "must be between " << def->min << " and " << def->max;
        err = m.str();
      }
    }
    if (err.empty()) err = def->field.assign(c, index, v);
    if (!err.empty())
      return makeError("config", where(src, node) + ": " + sectionLabel(section, index) + " " +
                                     std::string(key.str()) + ": " + err);
  }
  return Status::Ok();
}

Status crossCheck(const Config& c, const std::string& src, Purpose purpose) {
  auto fail = [&](const std::string& m) { return Status(makeError("config", src + ": " + m)); };
  for (size_t i = 0; i < c.servers.size(); ++i) {
    const auto& s = c.servers[i];
    std::string label = "[[servers]] #" + std::to_string(i + 1) + " (" + s.name + ")";
    if (s.kind == "librespeed" && s.url.empty())
      return fail(label + ": kind \"librespeed\" needs url");
    if (s.kind == "http" && (s.download_url.empty() || s.upload_url.empty()))
      return fail(label + ": kind \"http\" needs download_url and upload_url");
  }
  if (c.servers.size() > 16) return fail("at most 16 [[servers]]");
  if (c.throughput.streams_start > c.throughput.streams_max)
    return fail("[throughput] streams_start must not exceed streams_max");
  if (c.alert.breach_after > c.alert.breach_window)
    return fail("[alert] breach_after must not exceed breach_window");
  if (!c.mqtt.username.empty() && c.mqtt.password_file.empty())
    return fail("[mqtt] username is set but password_file is not");
  if ((c.mqtt.cert_file.empty()) != (c.mqtt.key_file.empty()))
    return fail("[mqtt] cert_file and key_file must be given together");
  if (purpose == Purpose::kRun) {
    if (c.identity.device_id.empty()) return fail("[identity] device_id is required");
    if (c.identity.school_id.empty()) return fail("[identity] school_id is required");
    if (c.servers.empty() && c.schedule.tests_per_day > 0)
      return fail("at least one [[servers]] entry is required when tests_per_day > 0");
    if (c.storage.dir.empty()) return fail("[storage] dir is required");
  }
  return Status::Ok();
}

}  // namespace

double TargetConfig::effectiveDownMbps() const {
  return std::max(floor_down_mbps, contracted_down_mbps);
}

Result<Config> loadConfigString(const std::string& text, const std::string& src, Purpose purpose) {
  if (text.size() > kMaxConfigBytes) return makeError("config", src + ": file larger than 1 MiB");
  toml::table root;
  try {
    root = toml::parse(text, src);
  } catch (const toml::parse_error& e) {
    return makeError("config", src + " line " + std::to_string(e.source().begin.line) + ": " +
                                   std::string(e.description()));
  }
  Config c;
  c.source_path = src;
  for (const auto& [name, node] : root) {
    const std::string section(name.str());
    bool known = false;
    for (const auto& k : schema()) known = known || k.section == section;
    if (!known)
      return makeError("config", where(src, node) + ": unknown section [" + section + "]");
    if (isArraySection(section)) {
      const auto* arr = node.as_array();
      if (!arr) return makeError("config", where(src, node) + ": write [[" + section + "]]");
      size_t i = 0;
      for (const auto& e : *arr) {
        const auto* t = e.as_table();
        if (!t) return makeError("config", where(src, e) + ": write [[" + section + "]]");
        c.servers.resize(i + 1);
        if (auto st = applyTable(c, *t, section, i, src); !st) return st.error();
        if (c.servers[i].name.empty()) c.servers[i].name = "server" + std::to_string(i + 1);
        ++i;
      }
    } else {
      const auto* t = node.as_table();
      if (!t) return makeError("config", where(src, node) + ": [" + section + "] must be a table");
      if (auto st = applyTable(c, *t, section, 0, src); !st) return st.error();
    }
  }
  if (auto st = crossCheck(c, src, purpose); !st) return st.error();
  return c;
}

Result<Config> loadConfigFile(const std::string& path, Purpose purpose) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return makeError("config", path + ": cannot open (does the file exist and is it readable?)");
  std::string text;
  char buf[8192];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) {
    text.append(buf, static_cast<size_t>(in.gcount()));
    if (text.size() > kMaxConfigBytes)
      return makeError("config", path + ": file larger than 1 MiB");
  }
  return loadConfigString(text, path, purpose);
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
