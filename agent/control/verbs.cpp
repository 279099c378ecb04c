#include "agent/control/verbs.h"

#include <regex>

namespace uplinkprobe::control {
namespace {

Error invalid(std::string m) { return makeError(ErrorKind::kInvalidArguments, std::move(m)); }

// Every member of args must be one of `allowed`.
std::optional<Error> onlyMembers(const nlohmann::json& args,
                                 std::initializer_list<const char*> allowed) {
  for (auto it = args.begin(); it != args.end(); ++it) {
    bool ok = false;
    for (const char* a : allowed) ok = ok || it.key() == a;
    if (!ok) return invalid("unknown argument \"" + it.key() + "\"");
  }
  return std::nullopt;
}

Result<std::optional<int64_t>> optInt(const nlohmann::json& args, const char* name, int64_t lo,
                                      int64_t hi) {
  auto it = args.find(name);
  if (it == args.end()) return std::optional<int64_t>{};
  if (!it->is_number_integer()) return invalid(std::string(name) + ": expected an integer");
  const int64_t v = it->get<int64_t>();
  if (v < lo || v > hi)
    return invalid(std::string(name) + ": must be between " + std::to_string(lo) + " and " +
                   std::to_string(hi));
  return std::optional<int64_t>(v);
}

}  // namespace

Result<Command> parseVerb(const std::string& verb, const nlohmann::json& args,
                          const config::Config& cfg) {
  if (!args.is_object()) return invalid("args must be an object");
  if (verb == "run_test") {
    if (auto e = onlyMembers(args, {"direction", "server", "method"})) return *e;
    RunTest t;
    if (auto it = args.find("direction"); it != args.end()) {
      const std::string d = it->is_string() ? it->get<std::string>() : "";
      if (d == "download") {
        t.upload = false;
      } else if (d == "upload") {
        t.download = false;
      } else if (d != "both") {
        return invalid("direction: expected \"both\", \"download\" or \"upload\"");
      }
    }
    std::optional<bool> asked_udp;
    if (auto it = args.find("method"); it != args.end()) {
      const std::string m = it->is_string() ? it->get<std::string>() : "";
      if (m != "tcp" && m != "udp") return invalid("method: expected \"tcp\" or \"udp\"");
      asked_udp = m == "udp";
    }
    const config::ServerConfig* named = nullptr;
    if (auto it = args.find("server"); it != args.end()) {
      if (!it->is_string()) return invalid("server: expected the name of a [[servers]] entry");
      t.server = it->get<std::string>();
      for (const auto& s : cfg.servers) {
        if (s.name == t.server) named = &s;
      }
      // Names only, never a URL: the probe cannot be pointed at an arbitrary host.
      if (named == nullptr)
        return invalid("server: no [[servers]] entry is named \"" + t.server + "\"");
    }
    t.udp = asked_udp ? *asked_udp : (named ? named->kind == "udpst" : cfg.target.method == "udp");
    if (named && (named->kind == "udpst") != t.udp)
      return invalid(
          "server: \"" + t.server + "\" is a " +
          (t.udp ? "TCP server, not for method udp" : "UDP (udpst) server, not for method tcp"));
    bool any = false;
    for (const auto& s : cfg.servers) any = any || (s.kind == "udpst") == t.udp;
    if (!any)
      return invalid(t.udp ? "method udp: no [[servers]] entry with kind = \"udpst\""
                           : "no [[servers]] configured for a TCP test");
    return Command(t);
  }
  if (verb == "set_schedule") {
    if (auto e = onlyMembers(args, {"tests_per_day", "windows"})) return *e;
    SetSchedule s;
    auto tpd = optInt(args, "tests_per_day", 0, 96);
    if (!tpd) return tpd.error();
    if (*tpd) s.tests_per_day = static_cast<int>(**tpd);
    if (auto it = args.find("windows"); it != args.end()) {
      static const std::regex re("^[0-9]{2}:[0-9]{2}-[0-9]{2}:[0-9]{2}$");
      if (!it->is_array() || it->empty() || it->size() > 8)
        return invalid("windows: expected 1-8 strings \"HH:MM-HH:MM\"");
      std::vector<std::string> w;
      for (const auto& e : *it) {
        if (!e.is_string() || !std::regex_match(e.get<std::string>(), re))
          return invalid("windows: expected 1-8 strings \"HH:MM-HH:MM\"");
        w.push_back(e.get<std::string>());
      }
      s.windows = std::move(w);
    }
    if (!s.tests_per_day && !s.windows) return invalid("give tests_per_day and/or windows");
    return Command(s);
  }
  if (verb == "set_target") {
    if (auto e = onlyMembers(args, {"floor_down_mbps", "contracted_down_mbps", "contracted_up_mbps",
                                    "tolerance_pct"}))
      return *e;
    SetTarget t;
    auto a = optInt(args, "floor_down_mbps", 1, 100000);
    if (!a) return a.error();
    auto b = optInt(args, "contracted_down_mbps", 0, 100000);
    if (!b) return b.error();
    auto c = optInt(args, "contracted_up_mbps", 0, 100000);
    if (!c) return c.error();
    auto d = optInt(args, "tolerance_pct", 0, 50);
    if (!d) return d.error();
    t.floor_down_mbps = *a;
    t.contracted_down_mbps = *b;
    t.contracted_up_mbps = *c;
    t.tolerance_pct = *d;
    if (!*a && !*b && !*c && !*d)
      return invalid(
          "give at least one of floor_down_mbps, contracted_down_mbps, "
          "contracted_up_mbps, tolerance_pct");
    return Command(t);
  }
  if (verb == "reload" || verb == "report_config") {
    if (!args.empty()) return invalid(verb + " takes no arguments");
    if (verb == "reload") return Command(Reload{});
    return Command(ReportConfig{});
  }
  return makeError(ErrorKind::kUnknownVerb, "\"" + verb +
                                                "\" is not one of run_test, set_schedule, "
                                                "set_target, reload, report_config");
}

nlohmann::json reportableConfig(const config::Config& c) {
  nlohmann::json servers = nlohmann::json::array();
  for (const auto& s : c.servers) {
    nlohmann::json j = {{"name", s.name}, {"kind", s.kind}};
    if (!s.url.empty()) j["url"] = s.url;
    if (!s.download_url.empty()) j["download_url"] = s.download_url;
    if (!s.upload_url.empty()) j["upload_url"] = s.upload_url;
    if (s.kind == "udpst") {  // the key itself and its file's path stay on the probe
      j["authenticated"] = !s.key_file.empty();
      j["key_id"] = s.key_id;
    }
    servers.push_back(std::move(j));
  }
  const auto& i = c.identity;
  const auto& t = c.throughput;
  const auto& s = c.schedule;
  const auto& a = c.availability;
  // Left out: [mqtt] username/password_file/cert_file/key_file, [throughput] proxy (may hold
  // credentials) and the paths of [control] trusted_keys (only their count).
  return {
      {"identity",
       {{"device_id", i.device_id},
        {"school_id", i.school_id},
        {"school_name", i.school_name},
        {"region", i.region},
        {"county", i.county},
        {"carrier", i.carrier}}},
      {"target",
       {{"floor_down_mbps", c.target.floor_down_mbps},
        {"contracted_down_mbps", c.target.contracted_down_mbps},
        {"contracted_up_mbps", c.target.contracted_up_mbps},
        {"tolerance_pct", c.target.tolerance_pct},
        {"method", c.target.method}}},
      {"servers", servers},
      {"throughput",
       {{"max_seconds", t.max_seconds},
        {"max_mb_per_direction", t.max_mb_per_direction},
        {"max_mb_ceiling", t.max_mb_ceiling},
        {"streams_start", t.streams_start},
        {"streams_max", t.streams_max},
        {"ip_family", t.ip_family},
        {"interface", t.interface},
        {"wan_interface", t.wan_interface},
        {"tls_verify", t.tls_verify},
        {"proxy_set", !t.proxy.empty()}}},
      {"schedule",
       {{"tests_per_day", s.tests_per_day},
        {"windows", s.windows},
        {"timezone", s.timezone},
        {"interval_s", s.interval_s},
        {"monthly_budget_gb", s.monthly_budget_gb},
        {"defer_if_cross_traffic_mbps", s.defer_if_cross_traffic_mbps},
        {"min_spacing_minutes", s.min_spacing_minutes},
        {"splay_percent", s.splay_percent}}},
      {"availability",
       {{"interval_s", a.interval_s},
        {"tcp_targets", a.tcp_targets},
        {"dns_servers", a.dns_servers},
        {"dns_name", a.dns_name},
        {"fail_rounds", a.fail_rounds},
        {"recover_rounds", a.recover_rounds}}},
      {"mqtt",
       {{"uri", c.mqtt.uri},
        {"topic_prefix", c.mqtt.topic_prefix},
        {"protocol_version", c.mqtt.protocol_version},
        {"tls_verify", !c.mqtt.insecure_skip_verify}}},
      {"storage", {{"max_mb", c.storage.max_mb}}},
      {"alert",
       {{"breach_after", c.alert.breach_after},
        {"breach_window", c.alert.breach_window},
        {"clear_after", c.alert.clear_after},
        {"outage_alert_minutes", c.alert.outage_alert_minutes}}},
      {"control",
       {{"trusted_keys", c.control.trusted_keys.size()},
        {"max_commands_per_hour", c.control.max_commands_per_hour},
        {"max_clock_skew_s", c.control.max_clock_skew_s}}},
  };
}

}  // namespace uplinkprobe::control
