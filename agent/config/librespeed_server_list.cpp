#include "agent/config/librespeed_server_list.h"

#include <nlohmann/json.hpp>

namespace uplinkprobe::config {

std::string librespeedPathProblem(const std::string& s) {
  if (s.empty()) return "";
  if (s.size() > 256) return "at most 256 characters";
  if (s.find("://") != std::string::npos || s[0] == '/')
    return "expected a path relative to url, e.g. \"garbage.php\" or \"backend/garbage\"";
  for (unsigned char ch : s)
    if (ch <= ' ' || ch == 0x7f || ch == '#' || ch == '\\')
      return "no spaces, control characters, # or \\";
  if (s == ".." || s.rfind("../", 0) == 0 || s.find("/../") != std::string::npos ||
      (s.size() >= 3 && s.compare(s.size() - 3, 3, "/..") == 0))
    return "must not contain \"..\"";
  return "";
}

Result<std::vector<ServerConfig>> parseLibrespeedServerList(const std::string& text,
                                                            const std::string& source) {
  auto fail = [&](const std::string& m) -> Result<std::vector<ServerConfig>> {
    return makeError(ErrorKind::kConfig, source + ": " + m);
  };
  if (text.size() > kMaxServerListBytes)
    return fail("larger than " + std::to_string(kMaxServerListBytes / 1024) + " KiB");
  auto j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return fail("not valid JSON");
  if (!j.is_array())
    return fail("expected a JSON array of LibreSpeed servers ([{\"name\": …, \"server\": …}])");
  if (j.empty()) return fail("the list is empty");
  if (j.size() > kMaxServerListEntries)
    return fail(std::to_string(j.size()) + " servers: at most " +
                std::to_string(kMaxServerListEntries) +
                " (a probe tests the nearest few; keep the list to the servers it should use)");
  std::vector<ServerConfig> out;
  for (std::size_t i = 0; i < j.size(); ++i) {
    const auto& e = j[i];
    std::string where = "entry " + std::to_string(i + 1);
    if (!e.is_object()) return fail(where + ": expected an object");
    if (auto n = e.find("name"); n != e.end() && n->is_string() && !n->get<std::string>().empty())
      where += " (\"" + n->get<std::string>().substr(0, 64) + "\")";
    ServerConfig s;
    s.kind = "librespeed";
    auto str = [&](const char* key, std::string& dst) -> std::string {
      auto it = e.find(key);
      if (it == e.end() || it->is_null()) return "";
      if (!it->is_string()) return std::string(key) + ": expected a string";
      dst = it->get<std::string>();
      return "";
    };
    for (auto [key, dst] :
         std::initializer_list<std::pair<const char*, std::string*>>{{"name", &s.name},
                                                                     {"server", &s.url},
                                                                     {"dlURL", &s.dl_url},
                                                                     {"ulURL", &s.ul_url},
                                                                     {"pingURL", &s.ping_url},
                                                                     {"getIpURL", &s.getip_url}}) {
      if (auto err = str(key, *dst); !err.empty()) return fail(where + ": " + err);
    }
    if (s.url.empty()) return fail(where + ": server: is required (the backend's base URL)");
    if (s.url.rfind("//", 0) == 0) s.url = "http:" + s.url;  // as librespeed-cli does
    if (s.url.rfind("http://", 0) != 0 && s.url.rfind("https://", 0) != 0)
      return fail(where + ": server: expected http://, https:// or // (\"" + s.url.substr(0, 64) +
                  "\")");
    if (s.url.size() > 512) return fail(where + ": server: at most 512 characters");
    for (unsigned char ch : s.url)
      if (ch <= ' ' || ch == 0x7f) return fail(where + ": server: no spaces or control characters");
    for (auto [key, v] : std::initializer_list<std::pair<const char*, const std::string*>>{
             {"dlURL", &s.dl_url},
             {"ulURL", &s.ul_url},
             {"pingURL", &s.ping_url},
             {"getIpURL", &s.getip_url}}) {
      if (auto err = librespeedPathProblem(*v); !err.empty())
        return fail(where + ": " + key + ": " + err);
    }
    if (s.name.empty()) {
      auto id = e.find("id");
      s.name = id != e.end() && id->is_number_integer()
                   ? "librespeed-" + std::to_string(id->get<long long>())
                   : "librespeed-" + std::to_string(i + 1);
    }
    if (s.name.size() > 128) s.name.resize(128);
    s.from_file = source;
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace uplinkprobe::config
