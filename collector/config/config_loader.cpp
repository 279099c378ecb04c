#include "collector/config/config_loader.h"

#include "collector/config/schema.h"

namespace uplinkprobe::collector::config {
namespace {

Status crossCheck(const Config& c, const std::string& src) {
  auto fail = [&](const std::string& m) {
    return Status(makeError(ErrorKind::kConfig, src + ": " + m));
  };
  if (!c.mqtt.username.empty() && c.mqtt.password_file.empty())
    return fail("[mqtt] username is set but password_file is not");
  if (c.mqtt.cert_file.empty() != c.mqtt.key_file.empty())
    return fail("[mqtt] cert_file and key_file must be given together");
  if (c.notify.size() > 16) return fail("at most 16 [[notify]] targets");
  for (size_t i = 0; i < c.notify.size(); ++i) {
    const auto& n = c.notify[i];
    const std::string label = "[[notify]] #" + std::to_string(i + 1);
    if (n.url.empty()) return fail(label + ": url is required");
    if (!n.secret_file.empty() && n.format != "dingtalk")
      return fail(label + ": secret_file is for format \"dingtalk\" only");
  }
  return Status::Ok();
}

}  // namespace

std::vector<std::string> Config::schoolHoursWindows() const {
  std::vector<std::string> out;
  std::string w;
  for (size_t i = 0; i <= ledger.school_hours.size(); ++i) {
    if (i == ledger.school_hours.size() || ledger.school_hours[i] == ',') {
      if (w.find_first_not_of(' ') != std::string::npos) out.push_back(w);
      w.clear();
    } else {
      w += ledger.school_hours[i];
    }
  }
  return out;
}

Result<Config> loadConfigString(const std::string& text, const std::string& src) {
  Config c;
  c.source_path = src;
  auto st = configmap::loadToml<Config>(
      schema(), isArraySection,
      [](Config& cfg, std::string_view, size_t index) {
        if (cfg.notify.size() <= index) cfg.notify.resize(index + 1);
      },
      text, src, c);
  if (!st) return st.error();
  for (size_t i = 0; i < c.notify.size(); ++i)
    if (c.notify[i].name.empty()) c.notify[i].name = "notify" + std::to_string(i + 1);
  if (auto cross = crossCheck(c, src); !cross) return cross.error();
  return c;
}

Result<Config> loadConfigFile(const std::string& path) {
  auto text = configmap::readConfigFile(path);
  if (!text) return text.error();
  return loadConfigString(*text, path);
}

std::string exampleConfig() {
  std::string text = configmap::exampleToml<Config>(
      "# uplinkprobe-collector configuration (TOML). Generated from the schema in\n"
      "# collector/config/schema.cpp: every key, its meaning and its default.\n"
      "# Unknown keys and bad values are errors naming the file, line and key (exit 78).\n"
      "# Check a file with: uplinkprobe-collector check-config --config FILE\n",
      schema(), isArraySection);
  // [[notify]] targets are examples: commented out, so the default config sends nothing.
  auto at = text.find("\n[[notify]]");
  if (at == std::string::npos) return text;
  std::string out = text.substr(0, at + 1);
  size_t pos = at + 1;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(pos, end - pos);
    out += (line.rfind('#', 0) == 0 || line.empty() ? "" : "# ") + line + "\n";
    pos = end + 1;
  }
  return out;
}

}  // namespace uplinkprobe::collector::config
