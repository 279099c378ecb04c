#include "agent/cli/message_words.h"

#include <fmt/args.h>
#include <fmt/format.h>

#include <regex>
#include <vector>

#include "agent/cli/i18n.h"

namespace uplinkprobe::cli {
namespace {

// One message of another module: the whole text matches `re`; its groups fill the msgid's
// {} in order. A group that is itself a message (a nested reason) is translated too.
struct Pattern {
  const char* re;
  const char* msgid;
};

// A problem after "FILE line N: [section] key: " (config_map, schema, config_loader,
// config_validation), or a message on its own (measure, arg_parser).
const Pattern kPatterns[] = {
    // common/config_map.cpp
    {R"re(unknown key "(.*)")re", N_("unknown key \"{}\"")},
    {R"re(expected (a string|an integer|a number|true or false|an array of strings))re",
     N_("expected {}")},
    {R"re(must be between (\S+) and (\S+))re", N_("must be between {} and {}")},
    {R"re(unknown section \[(.*)\])re", N_("unknown section [{}]")},
    {R"re(write \[\[(.*)\]\])re", N_("write [[{}]]")},
    {R"re(\[(.*)\] must be a table)re", N_("[{}] must be a table")},
    {R"re(cannot open \(does the file exist and is it readable\?\))re",
     N_("cannot open (does the file exist and is it readable?)")},
    {R"re(file larger than 1 MiB)re", N_("file larger than 1 MiB")},
    // agent/config/schema.cpp
    {R"re(must be 1-64 characters of A-Z a-z 0-9 \. _ - \(it becomes part of MQTT topics\))re",
     N_("must be 1-64 characters of A-Z a-z 0-9 . _ - (it becomes part of MQTT topics)")},
    {R"re(expected an http:// or https:// URL)re", N_("expected an http:// or https:// URL")},
    {R"re(window "(.*)": expected "HH:MM-HH:MM")re", N_("window \"{}\": expected \"HH:MM-HH:MM\"")},
    {R"re(window "(.*)": end after 24:00)re", N_("window \"{}\": end after 24:00")},
    {R"re(window "(.*)": start must be before end)re",
     N_("window \"{}\": start must be before end")},
    {R"re("(.*)": expected "host:port" \(IPv6: "\[addr\]:port"\))re",
     N_("\"{}\": expected \"host:port\" (IPv6: \"[addr]:port\")")},
    {R"re("(.*)": port must be 1-65535)re", N_("\"{}\": port must be 1-65535")},
    {R"re(at most (\d+) entries)re", N_("at most {} entries")},
    {R"re(expected 0, 4 or 6)re", N_("expected 0, 4 or 6")},
    {R"re(unknown time zone "(.*)" \(see /usr/share/zoneinfo\))re",
     N_("unknown time zone \"{}\" (see /usr/share/zoneinfo)")},
    {R"re(expected tcp:// or ssl://)re", N_("expected tcp:// or ssl://")},
    {R"re(must not contain \+ or # or end with /)re", N_("must not contain + or # or end with /")},
    {R"re("(.*)": expected an absolute path)re", N_("\"{}\": expected an absolute path")},
    // agent/config/config_loader.cpp
    {R"re(kind "librespeed" \((.*)\) needs url)re", N_("kind \"librespeed\" ({}) needs url")},
    {R"re(kind "http" \((.*)\) needs download_url and upload_url)re",
     N_("kind \"http\" ({}) needs download_url and upload_url")},
    {R"re(at most 16 \[\[servers\]\])re", N_("at most 16 [[servers]]")},
    {R"re(must not exceed ([a-z_]+))re", N_("must not exceed {}")},
    {R"re(is set but password_file is not)re", N_("is set but password_file is not")},
    {R"re(cert_file and key_file must be given together)re",
     N_("cert_file and key_file must be given together")},
    {R"re(is required)re", N_("is required")},
    {R"re(at least one \[\[servers\]\] entry is required when tests_per_day > 0)re",
     N_("at least one [[servers]] entry is required when tests_per_day > 0")},
    // agent/daemon/config_validation.cpp
    {R"re("(.*)" is example-config's placeholder; run `uplinkprobe commission --config (.*)` to set this device's and this school's identity)re",
     N_("\"{}\" is example-config's placeholder; run `uplinkprobe commission --config {}` to "
        "set this device's and this school's identity")},
    {R"re("(.*)" is example-config's placeholder; run `uplinkprobe commission --config (.*)` to set this school's identity)re",
     N_("\"{}\" is example-config's placeholder; run `uplinkprobe commission --config {}` to "
        "set this school's identity")},
    {R"re(not a regular file)re", N_("not a regular file")},
    // agent/daemon/measure_options.cpp (udpCapacityOptions)
    {R"re((\d+) MB cannot hold a UDP test: (\d+) s at (\d+) Mbit/s needs (\d+) MB; raise \[throughput\] max_mb_ceiling to at least (\d+))re",
     N_("{} MB cannot hold a UDP test: {} s at {} Mbit/s needs {} MB; raise [throughput] "
        "max_mb_ceiling to at least {}")},
    {R"re(not readable by user (\S+) \(mode (.*)\))re", N_("not readable by user {} (mode {})")},
    {R"re(directory (.*) is not searchable by user (\S+) \(mode (.*)\))re",
     N_("directory {} is not searchable by user {} (mode {})")},
    {R"re("(.*)" exists and is not a directory)re", N_("\"{}\" exists and is not a directory")},
    {R"re("(.*)" is not writable \((.*), mode (.*)\))re",
     N_("\"{}\" is not writable ({}, mode {})")},
    {R"re(cannot be created: (.*) is not a directory)re",
     N_("cannot be created: {} is not a directory")},
    {R"re(cannot be created: (.*) is not writable \((.*)\))re",
     N_("cannot be created: {} is not writable ({})")},
    {R"re(cannot be created: no existing parent directory)re",
     N_("cannot be created: no existing parent directory")},
    // agent/measure (curl_common, direction_runner, idle_latency, throughput_test,
    // server_endpoints)
    {R"re(server (\S+) refused the connection: is uplinkprobe-server running and listening on that port\?)re",
     N_("server {} refused the connection: is uplinkprobe-server running and listening on "
        "that port?")},
    {R"re(cannot connect to server (\S+) \((.*)\): check routing, firewall and the server address)re",
     N_("cannot connect to server {} ({}): check routing, firewall and the server address")},
    {R"re(cannot resolve the server name in (\S+): check the name and the school's DNS \((.*)\))re",
     N_("cannot resolve the server name in {}: check the name and the school's DNS ({})")},
    {R"re((\w+) from (\S+) timed out \((.*)\): the server or the path is not answering)re",
     N_("{} from {} timed out ({}): the server or the path is not answering")},
    {R"re(server (\S+) answered HTTP (\d+) to the (\w+) request (\S+): check the server url and kind)re",
     N_("server {} answered HTTP {} to the {} request {}: check the server url and kind")},
    {R"re(server (\S+) answered HTTP (\d+) to the (\w+) request (\S+) \(redirects are not followed: use the final URL\))re",
     N_("server {} answered HTTP {} to the {} request {} (redirects are not followed: use the "
        "final URL)")},
    {R"re(TLS with server (\S+) failed: (.*) \(check ca_file, the server certificate and the clock\))re",
     N_("TLS with server {} failed: {} (check ca_file, the server certificate and the clock)")},
    {R"re(server (\S+) broke the HTTP (\w+) exchange \((.*)\): is it a LibreSpeed/HTTP endpoint\?)re",
     N_("server {} broke the HTTP {} exchange ({}): is it a LibreSpeed/HTTP endpoint?")},
    {R"re(no (\w+) data moved for (\d+) s: server (\S+) stalled or the link is down)re",
     N_("no {} data moved for {} s: server {} stalled or the link is down")},
    {R"re(no (\w+) data from server (\S+) within the test time)re",
     N_("no {} data from server {} within the test time")},
    {R"re(no latency answer from (\S+) within (\d+) s)re",
     N_("no latency answer from {} within {} s")},
    {R"re(server (\S+) answered the download request with an empty body: check download_url)re",
     N_("server {} answered the download request with an empty body: check download_url")},
    {R"re(no server configured: add a \[\[servers\]\] entry)re",
     N_("no server configured: add a [[servers]] entry")},
    {R"re(test cancelled)re", N_("test cancelled")},
    {R"re(skipped: the latency phase budget was used up)re",
     N_("skipped: the latency phase budget was used up")},
    {R"re(server "(.*)": unknown kind "(.*)" \(expected librespeed or http\))re",
     N_("server \"{}\": unknown kind \"{}\" (expected librespeed or http)")},
    {R"re(server "(.*)": (\w+) "(.*)" must start with http:// or https://)re",
     N_("server \"{}\": {} \"{}\" must start with http:// or https://")},
    // agent/cli/arg_parser.cpp
    {R"re(unknown option (\S+))re", N_("unknown option {}")},
    {R"re((\S+) needs a value)re", N_("{} needs a value")},
    {R"re((\S+) takes no value)re", N_("{} takes no value")},
    {R"re(unexpected argument "(.*)")re", N_("unexpected argument \"{}\"")},
};

// Words that appear inside those messages as values.
const char* wordFor(const std::string& w) {
  if (w == "a string") return N_("a string");
  if (w == "an integer") return N_("an integer");
  if (w == "a number") return N_("a number");
  if (w == "true or false") return N_("true or false");
  if (w == "an array of strings") return N_("an array of strings");
  if (w == "download") return N_("download");
  if (w == "upload") return N_("upload");
  if (w == "latency") return N_("latency");
  return nullptr;
}

const std::vector<std::pair<std::regex, const char*>>& compiled() {
  static const std::vector<std::pair<std::regex, const char*>> table = [] {
    std::vector<std::pair<std::regex, const char*>> t;
    for (const auto& p : kPatterns) t.emplace_back(std::regex(p.re), p.msgid);
    return t;
  }();
  return table;
}

// The problem part alone; nullopt-like "" when no pattern matches.
std::string translateProblem(const std::string& text, int depth = 0) {
  if (depth > 2) return "";
  for (const auto& [re, msgid] : compiled()) {
    std::smatch m;
    if (!std::regex_match(text, m, re)) continue;
    fmt::dynamic_format_arg_store<fmt::format_context> args;
    for (size_t i = 1; i < m.size(); ++i) {
      const std::string g = m[i].str();
      if (const char* w = wordFor(g)) {
        args.push_back(std::string(tr(w)));
        continue;
      }
      const std::string nested = translateProblem(g, depth + 1);
      args.push_back(nested.empty() ? g : nested);
    }
    try {
      return fmt::vformat(tr(msgid), args);
    } catch (const fmt::format_error&) {
      return "";
    }
  }
  return "";
}

// The message in the current language; *known says whether a pattern matched its problem.
std::string render(const std::string& english, bool* known) {
  *known = true;
  if (auto whole = translateProblem(english); !whole.empty()) return whole;
  // "FILE line N: REST" or "FILE: REST" (a path: no spaces), then REST =
  // "[section] key: PROBLEM", "[[section]] #n key: PROBLEM", "[section]: PROBLEM" or PROBLEM.
  static const std::regex with_line(R"(^(.*?) line (\d+): (.*)$)");
  static const std::regex file_only(R"(^([^ ]+): (.*)$)");
  static const std::regex keyed(R"(^(\[\[?[a-z_]+\]\]?(?: #\d+)?)(?: ([a-z_]+))?: (.*)$)");
  std::smatch m;
  std::string where, rest;
  if (std::regex_match(english, m, with_line)) {
    where = fmt::format(fmt::runtime(tr("{} line {}")), m[1].str(), m[2].str());
    rest = m[3].str();
  } else if (std::regex_match(english, m, file_only)) {
    where = m[1].str();
    rest = m[2].str();
  } else {
    *known = false;
    return english;
  }
  std::string label, problem = rest;
  if (std::smatch k; std::regex_match(rest, k, keyed)) {
    label = k[1].str() + (k[2].matched ? " " + k[2].str() : "");
    problem = k[3].str();
  }
  std::string said = translateProblem(problem);
  if (said.empty()) {
    if (auto r = translateProblem(rest); !r.empty()) {
      label.clear();
      said = r;
    } else {
      said = problem;  // no pattern: the English problem inside the translated frame
      *known = false;
    }
  }
  return fmt::format(fmt::runtime(tr("{}: {}")), where,
                     label.empty() ? said : fmt::format(fmt::runtime(tr("{}: {}")), label, said));
}

}  // namespace

std::string personMessage(const std::string& english) {
  if (currentLanguage() != Language::kChinese || english.empty()) return english;
  bool known = false;
  return render(english, &known);
}

bool messageKnown(const std::string& english) {
  bool known = false;
  render(english, &known);
  return known;
}

}  // namespace uplinkprobe::cli
