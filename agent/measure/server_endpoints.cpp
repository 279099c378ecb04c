#include "agent/measure/server_endpoints.h"

#include <arpa/inet.h>

#include <nlohmann/json.hpp>

namespace uplinkprobe::measure {
namespace {

bool httpScheme(const std::string& url) {
  return url.rfind("http://", 0) == 0 || url.rfind("https://", 0) == 0;
}

Error badUrl(const ServerSpec& s, const std::string& key, const std::string& url) {
  return makeError(ErrorKind::kProtocol, "server \"" + s.name + "\": " + key + " \"" + url +
                                             "\" must start with http:// or https://");
}

}  // namespace

Result<Endpoints> endpointsFor(const ServerSpec& s) {
  Endpoints e;
  if (s.kind == "librespeed" || s.kind.empty()) {
    if (!httpScheme(s.url)) return badUrl(s, "url", s.url);
    std::string base = s.url;
    if (auto q = base.find_first_of("?#"); q != std::string::npos) base.resize(q);
    if (base.back() != '/') base += '/';
    auto path = [&](const std::string& p, const char* dflt) {
      return base + (p.empty() ? std::string(dflt) : p);
    };
    e.download = path(s.dl_url, kLibrespeedDlUrl);
    e.download += e.download.find('?') == std::string::npos ? '?' : '&';
    e.download += "ckSize=" + std::to_string(kGarbageChunkMiB);
    e.upload = path(s.ul_url, kLibrespeedUlUrl);
    e.latency = path(s.ping_url, kLibrespeedPingUrl);
    e.getip = path(s.getip_url, kLibrespeedGetIpUrl);
    return e;
  }
  if (s.kind == "http") {
    if (!httpScheme(s.download_url)) return badUrl(s, "download_url", s.download_url);
    if (!s.upload_url.empty() && !httpScheme(s.upload_url))
      return badUrl(s, "upload_url", s.upload_url);
    e.download = s.download_url;
    e.upload = s.upload_url;
    e.latency = s.download_url;
    e.latency_head = true;
    return e;
  }
  return makeError(ErrorKind::kProtocol, "server \"" + s.name + "\": unknown kind \"" + s.kind +
                                             "\" (expected librespeed or http)");
}

std::string publicIpFromGetIp(const std::string& body) {
  if (body.size() > 64 * 1024) return "";
  auto j = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return "";
  auto it = j.find("processedString");
  if (it == j.end() || !it->is_string()) return "";
  std::string s = it->get<std::string>();
  // LibreSpeed appends " - ISP info" to the address.
  if (auto dash = s.find(" - "); dash != std::string::npos) s.resize(dash);
  while (!s.empty() && s.back() == ' ') s.pop_back();
  if (s.size() > 64) return "";
  // Only an IP literal is kept: this string is printed on the technician's (root) terminal
  // and published, so anything else (terminal escapes, text) is dropped, not sanitised.
  unsigned char buf[sizeof(struct in6_addr)];
  if (::inet_pton(AF_INET, s.c_str(), buf) != 1 && ::inet_pton(AF_INET6, s.c_str(), buf) != 1) {
    return "";
  }
  return s;
}

}  // namespace uplinkprobe::measure
