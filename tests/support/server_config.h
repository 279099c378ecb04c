// Test support: the config entries of measurement servers that tests put in a Config.
#pragma once

#include <string>

#include "agent/config/config.h"

namespace uplinkprobe::testing {

// A LibreSpeed server named NAME at URL, every other field at its default.
inline config::ServerConfig librespeedServer(const std::string& name, const std::string& url) {
  config::ServerConfig s;
  s.name = name;
  s.kind = "librespeed";
  s.url = url;
  return s;
}

}  // namespace uplinkprobe::testing
