// Strict argument parsing for uplinkprobe-collector: declared flags and options only
// ("--opt V" or "--opt=V"), positional arguments counted. Errors are usage errors (exit 64).
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/exit_codes.h"
#include "common/result.h"

namespace uplinkprobe::collector::cli {

struct Args {
  std::set<std::string> flags;
  std::map<std::string, std::string> options;
  std::vector<std::string> positional;

  bool has(const std::string& f) const { return flags.count(f) > 0; }
  std::optional<std::string> get(const std::string& o) const {
    auto it = options.find(o);
    return it == options.end() ? std::nullopt : std::optional<std::string>(it->second);
  }
};

inline Result<Args> parseArgs(const std::vector<std::string>& argv,
                              const std::set<std::string>& flags,
                              const std::set<std::string>& options, size_t max_positional) {
  Args a;
  for (size_t i = 0; i < argv.size(); ++i) {
    const std::string& s = argv[i];
    if (s.rfind("--", 0) == 0 && s.size() > 2) {
      std::string name = s, value;
      bool inline_value = false;
      if (auto eq = s.find('='); eq != std::string::npos) {
        name = s.substr(0, eq);
        value = s.substr(eq + 1);
        inline_value = true;
      }
      if (flags.count(name)) {
        if (inline_value) return makeError(ErrorKind::kUsage, name + " takes no value");
        a.flags.insert(name);
      } else if (options.count(name)) {
        if (!inline_value) {
          if (i + 1 >= argv.size()) return makeError(ErrorKind::kUsage, name + " needs a value");
          value = argv[++i];
        }
        if (a.options.count(name)) return makeError(ErrorKind::kUsage, name + " given twice");
        a.options[name] = value;
      } else {
        return makeError(ErrorKind::kUsage, "unknown option " + name);
      }
    } else {
      if (a.positional.size() >= max_positional)
        return makeError(ErrorKind::kUsage, "unexpected argument \"" + s + "\"");
      a.positional.push_back(s);
    }
  }
  return a;
}

}  // namespace uplinkprobe::collector::cli
