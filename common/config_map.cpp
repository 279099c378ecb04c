#include "common/config_map.h"

#include <toml++/toml.h>

#include <fstream>
#include <sstream>

namespace uplinkprobe::configmap {
namespace {

std::string where(const std::string& src, const toml::node& n) {
  const auto& b = n.source().begin;
  if (b.line == 0) return src;
  return src + " line " + std::to_string(b.line);
}

std::string sectionLabel(const TomlWalk& w, std::string_view section, size_t index) {
  if (w.is_array_section && w.is_array_section(section))
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

Status applyTable(const TomlWalk& w, const toml::table& table, std::string_view section,
                  size_t index, const std::string& src) {
  for (const auto& [key, node] : table) {
    size_t def = w.keys.size();
    for (size_t i = 0; i < w.keys.size(); ++i)
      if (w.keys[i].section == section && w.keys[i].key == key.str()) def = i;
    if (def == w.keys.size())
      return makeError(ErrorKind::kConfig, where(src, node) + ": " +
                                               sectionLabel(w, section, index) +
                                               ": unknown key \"" + std::string(key.str()) + "\"");
    const KeySpec& k = w.keys[def];
    if (w.on_key && node.source().begin.line > 0)
      w.on_key(section, k.key, index, static_cast<int>(node.source().begin.line));
    Value v;
    std::string err = convert(node, k.type, v);
    if (err.empty() && k.min < k.max) {
      double x = k.type == ValueType::kInt ? static_cast<double>(std::get<long long>(v))
                                           : std::get<double>(v);
      if (x < k.min || x > k.max) {
        std::ostringstream m;
        m << "must be between " << k.min << " and " << k.max;
        err = m.str();
      }
    }
    if (err.empty()) err = w.assign(def, index, v);
    if (!err.empty())
      return makeError(ErrorKind::kConfig, where(src, node) + ": " +
                                               sectionLabel(w, section, index) + " " +
                                               std::string(key.str()) + ": " + err);
  }
  return Status::Ok();
}

}  // namespace

std::string_view typeName(ValueType t) {
  switch (t) {
    case ValueType::kString:
      return "a string";
    case ValueType::kInt:
      return "an integer";
    case ValueType::kDouble:
      return "a number";
    case ValueType::kBool:
      return "true or false";
    case ValueType::kStringList:
      return "an array of strings";
  }
  return "?";
}

Status walkToml(const std::string& text, const std::string& src, const TomlWalk& w) {
  if (text.size() > kMaxConfigBytes)
    return makeError(ErrorKind::kConfig, src + ": file larger than 1 MiB");
  toml::table root;
  try {
    root = toml::parse(text, src);
  } catch (const toml::parse_error& e) {
    return makeError(ErrorKind::kConfig, src + " line " + std::to_string(e.source().begin.line) +
                                             ": " + std::string(e.description()));
  }
  for (const auto& [name, node] : root) {
    const std::string section(name.str());
    bool known = false;
    for (const auto& k : w.keys) known = known || k.section == section;
    if (!known)
      return makeError(ErrorKind::kConfig,
                       where(src, node) + ": unknown section [" + section + "]");
    if (w.is_array_section && w.is_array_section(section)) {
      const auto* arr = node.as_array();
      if (!arr)
        return makeError(ErrorKind::kConfig, where(src, node) + ": write [[" + section + "]]");
      size_t i = 0;
      for (const auto& e : *arr) {
        const auto* t = e.as_table();
        if (!t) return makeError(ErrorKind::kConfig, where(src, e) + ": write [[" + section + "]]");
        if (w.begin_array_element) w.begin_array_element(section, i);
        if (auto st = applyTable(w, *t, section, i, src); !st) return st.error();
        ++i;
      }
    } else {
      const auto* t = node.as_table();
      if (!t)
        return makeError(ErrorKind::kConfig,
                         where(src, node) + ": [" + section + "] must be a table");
      if (auto st = applyTable(w, *t, section, 0, src); !st) return st.error();
    }
  }
  return Status::Ok();
}

Result<std::string> readConfigFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return makeError(ErrorKind::kConfig,
                     path + ": cannot open (does the file exist and is it readable?)");
  std::string text;
  char buf[8192];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) {
    text.append(buf, static_cast<size_t>(in.gcount()));
    if (text.size() > kMaxConfigBytes)
      return makeError(ErrorKind::kConfig, path + ": file larger than 1 MiB");
  }
  return text;
}

std::string exampleText(const std::string& header, const std::vector<KeySpec>& keys,
                        const std::function<bool(std::string_view)>& is_array_section) {
  std::ostringstream out;
  out.precision(12);  // bounds such as 16777216 in full, not 1.67772e+07
  out << header;
  std::string_view current;
  for (const auto& k : keys) {
    if (k.section != current) {
      current = k.section;
      const bool arr = is_array_section && is_array_section(k.section);
      out << "\n" << (arr ? "[[" : "[") << k.section << (arr ? "]]" : "]") << "\n";
    }
    std::ostringstream help;
    help.precision(12);
    help << k.help;
    if (k.min < k.max) help << " Range " << k.min << ".." << k.max << ".";
    if (k.required) help << " Required.";
    // Comment lines wrap at spaces to 80 columns (a technician reads this on a console).
    std::string line = "#";
    std::istringstream words(help.str());
    for (std::string w; words >> w;) {
      if (line.size() > 1 && line.size() + 1 + w.size() > 80) {
        out << line << "\n";
        line = "#";
      }
      line += " " + w;
    }
    out << line << "\n" << k.key << " = " << k.example << "\n";
  }
  return out.str();
}

}  // namespace uplinkprobe::configmap
