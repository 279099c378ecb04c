// uplinkprobe: the school-link agent and the technician's CLI. Dispatch only; each command
// lives in its own file, its help text in usage_text.cpp.
#include <fmt/format.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <cstring>
#include <functional>
#include <map>
#include <optional>

#include "agent/cli/commands.h"
#include "agent/cli/i18n.h"
#include "agent/cli/usage_text.h"
#include "common/exit_codes.h"
#include "common/version.h"

int main(int argc, char** argv) {
  using namespace uplinkprobe;
  using namespace uplinkprobe::cli;
  // --lang zh|en anywhere on the line chooses the language of every command (i18n.h).
  Args all(argv + 1, argv + argc);
  std::optional<Language> lang;
  for (size_t i = 0; i < all.size(); ++i) {
    std::string value;
    if (all[i] == "--lang" && i + 1 < all.size()) {
      value = all[i + 1];
      all.erase(all.begin() + i, all.begin() + i + 2);
    } else if (all[i].rfind("--lang=", 0) == 0) {
      value = all[i].substr(7);
      all.erase(all.begin() + i);
    } else if (all[i] == "--lang") {
      value = "";
      all.erase(all.begin() + i);
    } else {
      continue;
    }
    lang = parseLanguage(value);
    if (!lang) {
      std::fprintf(stderr, "uplinkprobe: --lang \"%s\": expected zh or en\n", value.c_str());
      return kExitUsage;
    }
    break;
  }
  initLanguage(lang);
  if (all.empty()) {
    std::fputs(mainUsage().c_str(), stderr);
    return kExitUsage;
  }
  const std::string cmd = all[0];
  Args rest(all.begin() + 1, all.end());
  if (cmd == "--version" || cmd == "version") {
    std::printf("uplinkprobe %s\n", uplinkprobe::kAgentVersion);
    return kExitOk;
  }
  if (cmd == "--help" || cmd == "-h" || cmd == "help") {
    std::fputs(mainUsage().c_str(), stdout);
    return kExitOk;
  }
  const std::map<std::string, std::function<int(const Args&)>> commands = {
      {"test", testCommand},
      {"check-config", checkConfigCommand},
      {"example-config", exampleConfigCommand},
      {"run", runCommand},
      {"records", recordsCommand},
      {"report", reportCommand},
      {"commission", commissionCommand},
      {"status", statusCommand},
      {"receipt", receiptCommand},
  };
  // Log lines (the mqtt client's, the journal's) go to stderr, never into what a command
  // prints on stdout (a receipt, a table, JSON); `run` sets up its own daemon logging.
  if (cmd != "run") {
    auto logger = spdlog::stderr_logger_mt("uplinkprobe-cli");
    logger->set_pattern("uplinkprobe %n: [%l] %v");
    spdlog::set_default_logger(logger);
  }
  auto it = commands.find(cmd);
  if (it == commands.end()) {
    std::fprintf(stderr, "%s\n\n%s",
                 fmt::format(fmt::runtime(tr("uplinkprobe: unknown command \"{}\"")), cmd).c_str(),
                 mainUsage().c_str());
    return kExitUsage;
  }
  // Every subcommand answers --help (exit 0); commission prints its own, longer text.
  const std::string own_usage = commandUsage(cmd);
  if (!own_usage.empty())
    for (const auto& a : rest)
      if (a == "--help" || a == "-h") {
        std::fputs(own_usage.c_str(), stdout);
        return kExitOk;
      }
  return it->second(rest);
}
