#include "agent/cli/commission_steps.h"

#include <fmt/format.h>

#include <cstdlib>
#include <sstream>

#include "agent/cli/i18n.h"
#include "agent/config/toml_edit.h"

namespace uplinkprobe::cli {

const std::vector<CommissionField>& commissionFields() {
  static const std::vector<CommissionField> fields = {
      {"--device-id", "identity", "device_id", N_("Device id (unique per probe)"), false},
      {"--school-id", "identity", "school_id", N_("School id (education department)"), false},
      {"--school-name", "identity", "school_name", N_("School name"), false},
      {"--region", "identity", "region", N_("Region (city/prefecture)"), false},
      {"--county", "identity", "county", N_("County/district"), false},
      {"--carrier", "identity", "carrier", N_("Carrier"), false},
      {"--contracted-down", "target", "contracted_down_mbps", N_("Contracted download, Mbps"),
       true},
      {"--contracted-up", "target", "contracted_up_mbps", N_("Contracted upload, Mbps (0 = none)"),
       true},
      {"--server", "servers", "url", N_("Test server URL (uplinkprobe-server / LibreSpeed)"),
       false},
      {"--broker", "mqtt", "uri",
       N_("MQTT broker (tcp://host:1883, ssl://host:8883, empty = none)"), false},
      {"--username", "mqtt", "username", N_("Broker user name (empty = none)"), false},
  };
  return fields;
}

std::optional<double> parseMbps(const std::string& s) {
  char* end = nullptr;
  double v = std::strtod(s.c_str(), &end);
  if (s.empty() || end == s.c_str() || *end != '\0' || !(v >= 0) || v > 100000) return std::nullopt;
  return v;
}

std::string formatMbps(double v) {
  std::ostringstream o;
  o << v;
  return o.str();
}

std::string currentValue(const config::Config& c, const std::string& key) {
  if (key == "device_id") return c.identity.device_id;
  if (key == "school_id") return c.identity.school_id;
  if (key == "school_name") return c.identity.school_name;
  if (key == "region") return c.identity.region;
  if (key == "county") return c.identity.county;
  if (key == "carrier") return c.identity.carrier;
  if (key == "contracted_down_mbps") return formatMbps(c.target.contracted_down_mbps);
  if (key == "contracted_up_mbps") return formatMbps(c.target.contracted_up_mbps);
  if (key == "url") return c.servers.empty() ? "" : c.servers.front().url;
  if (key == "uri") return c.mqtt.uri;
  if (key == "username") return c.mqtt.username;
  return "";
}

namespace {

bool isIdentityKey(const std::string& key) { return key == "device_id" || key == "school_id"; }

}  // namespace

std::string answerProblem(const CommissionField& f, const std::string& answer,
                          const config::Config* example) {
  const std::string key = f.key;
  if (f.number && !parseMbps(answer))
    return fmt::format(fmt::runtime(tr("\"{}\" is not a rate in Mbps; type a number, e.g. 200")),
                       answer);
  if (isIdentityKey(key) && answer.empty()) return tr("a value is required");
  if (example && isIdentityKey(key) && answer == currentValue(*example, key))
    return fmt::format(
        fmt::runtime(tr("\"{}\" is the example placeholder; type this school's real value")),
        answer);
  return "";
}

Result<std::map<std::string, std::string>> resolveSettings(const ParsedArgs& args,
                                                           const config::Config& current,
                                                           const config::Config* example,
                                                           bool interactive, const AskFn& ask,
                                                           const TellFn& tell) {
  std::map<std::string, std::string> value;
  for (const auto& f : commissionFields()) {
    std::string v = currentValue(current, f.key);
    if (auto given = args.get(f.flag)) {
      v = *given;
    } else if (interactive) {
      const bool placeholder =
          example && isIdentityKey(f.key) && v == currentValue(*example, f.key);
      const std::string def = placeholder ? "" : v;
      bool accepted = false;
      for (int attempt = 0; attempt < kMaxAsks && !accepted; ++attempt) {
        std::string error;
        auto answer = ask(tr(f.prompt), def, &error);
        if (!answer && error.empty())
          return makeError(ErrorKind::kUsage, "input ended (Ctrl-D); nothing was changed");
        const std::string why = answer ? answerProblem(f, *answer, example) : error;
        if (!why.empty()) {
          tell(why);
          continue;
        }
        v = *answer;
        accepted = true;
      }
      if (!accepted)
        return makeError(ErrorKind::kUsage, tr("too many invalid answers; nothing was changed"));
    }
    if (f.number && !parseMbps(v))
      return makeError(
          ErrorKind::kUsage,
          std::string(f.flag) + ": expected a rate in Mbps, e.g. 200 (got \"" + v + "\")");
    value[f.key] = v;
  }
  if (example)
    for (const char* key : {"device_id", "school_id"})
      if (value[key] == currentValue(*example, key))
        return makeError(ErrorKind::kUsage, std::string("--") +
                                                (key[0] == 'd' ? "device-id" : "school-id") +
                                                ": still the example placeholder \"" + value[key] +
                                                "\"; give this school's real value");
  return value;
}

Result<std::string> editConfigText(const std::string& original, const ConfigEdits& edits) {
  std::string text = original;
  auto set = [&](const std::string& section, const std::string& key,
                 const std::string& literal) -> Status {
    auto edited = config::setTomlKey(text, section, key, literal);
    if (!edited)
      return makeError(ErrorKind::kConfig,
                       "[" + section + "] " + key + ": " + edited.error().message);
    text = std::move(*edited);
    return Status::Ok();
  };
  for (const auto& f : commissionFields()) {
    auto it = edits.values.find(f.key);
    if (it == edits.values.end()) continue;
    std::string literal = config::tomlQuote(it->second);
    if (f.number) {
      auto mbps = parseMbps(it->second);
      if (!mbps) return makeError(ErrorKind::kConfig, std::string(f.flag) + ": not a rate in Mbps");
      literal = formatMbps(*mbps);
    }
    if (auto st = set(f.section, f.key, literal); !st) return st.error();
    // A server given here is a LibreSpeed-compatible one (uplinkprobe-server).
    if (std::string(f.key) == "url")
      if (auto st = set("servers", "kind", config::tomlQuote("librespeed")); !st) return st.error();
  }
  if (edits.trusted_keys) {
    std::string literal = "[";
    for (size_t i = 0; i < edits.trusted_keys->size(); ++i)
      literal += (i ? ", " : "") + config::tomlQuote((*edits.trusted_keys)[i]);
    if (auto st = set("control", "trusted_keys", literal + "]"); !st) return st.error();
  }
  if (edits.password_file)
    if (auto st = set("mqtt", "password_file", config::tomlQuote(*edits.password_file)); !st)
      return st.error();
  return text;
}

}  // namespace uplinkprobe::cli
