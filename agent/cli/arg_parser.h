// Minimal, strict command-line parsing: every option must be declared; unknown options,
// missing values and stray arguments are usage errors (exit 64) with a message that names
// the option. No getopt global state, so commands are testable.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/result.h"

namespace uplinkprobe::cli {

class ParsedArgs {
 public:
  bool has(const std::string& flag) const { return flags_.count(flag) > 0; }
  std::optional<std::string> get(const std::string& option) const;
  std::string getOr(const std::string& option, const std::string& fallback) const;

 private:
  friend Result<ParsedArgs> parseArgs(const std::vector<std::string>&, const std::set<std::string>&,
                                      const std::set<std::string>&);
  std::set<std::string> flags_;
  std::map<std::string, std::string> options_;
};

// `flags` take no value (--json); `options` take one (--config F or --config=F).
Result<ParsedArgs> parseArgs(const std::vector<std::string>& args,
                             const std::set<std::string>& flags,
                             const std::set<std::string>& options);

}  // namespace uplinkprobe::cli
