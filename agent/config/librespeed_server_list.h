// A LibreSpeed server list: the JSON array its web UI (server-list.json, SPEEDTEST_SERVERS)
// and librespeed-cli (--local-json) read, e.g.
//   [{"id": 1, "name": "PHP backend", "server": "//speed.example.cn/backend/",
//     "dlURL": "garbage.php", "ulURL": "empty.php", "pingURL": "empty.php",
//     "getIpURL": "getIP.php", "sponsorName": "…", "sponsorURL": "…"}]
// Each entry becomes a [[servers]] entry of kind "librespeed". As librespeed-cli does, a
// "server" without a scheme ("//host/") means http://; the four paths are appended to it the
// way LibreSpeed's web UI does (server + "/" + path). Missing paths take LibreSpeed's
// defaults (garbage.php, empty.php, empty.php, getIP.php); "id" names an unnamed entry;
// sponsor fields and unknown fields are ignored (lists carry more than a client needs).
#pragma once

#include <string>
#include <vector>

#include "agent/config/config.h"
#include "common/result.h"

namespace uplinkprobe::config {

inline constexpr std::size_t kMaxServerListBytes = 256 * 1024;
inline constexpr std::size_t kMaxServerListEntries = 16;  // the [[servers]] cap

// Parses the JSON text of a server list; `source` names it in errors ("servers.json: entry 3
// (\"Beijing\"): dlURL: …"). Error kind "config". Every value is checked as the TOML keys
// are (URL scheme, relative paths).
Result<std::vector<ServerConfig>> parseLibrespeedServerList(const std::string& json,
                                                            const std::string& source);

// checkLibrespeedPath of schema.cpp, shared: "" when `path` is a usable dlURL/ulURL/….
std::string librespeedPathProblem(const std::string& path);

}  // namespace uplinkprobe::config
