#include "agent/cli/arg_parser.h"

namespace uplinkprobe::cli {

std::optional<std::string> ParsedArgs::get(const std::string& option) const {
  auto it = options_.find(option);
  if (it == options_.end()) return std::nullopt;
  return it->second;
}

std::string ParsedArgs::getOr(const std::string& option, const std::string& fallback) const {
  return get(option).value_or(fallback);
}

Result<ParsedArgs> parseArgs(const std::vector<std::string>& args,
                             const std::set<std::string>& flags,
                             const std::set<std::string>& options) {
  ParsedArgs out;
  for (size_t i = 0; i < args.size(); ++i) {
    std::string a = args[i];
    std::string value;
    bool inline_value = false;
    if (auto eq = a.find('='); a.rfind("--", 0) == 0 && eq != std::string::npos) {
      value = a.substr(eq + 1);
      a = a.substr(0, eq);
      inline_value = true;
    }
    if (flags.count(a)) {
      if (inline_value) return makeError(ErrorKind::kUsage, a + " takes no value");
      out.flags_.insert(a);
    } else if (options.count(a)) {
      if (!inline_value) {
        if (i + 1 >= args.size()) return makeError(ErrorKind::kUsage, a + " needs a value");
        value = args[++i];
      }
      out.options_[a] = value;
    } else if (a.rfind("-", 0) == 0) {
      return makeError(ErrorKind::kUsage, "unknown option " + a);
    } else {
      return makeError(ErrorKind::kUsage, "unexpected argument \"" + a + "\"");
    }
  }
  return out;
}

}  // namespace uplinkprobe::cli
