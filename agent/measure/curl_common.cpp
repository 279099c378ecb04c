#include "agent/measure/curl_common.h"

#include <cerrno>
#include <cstring>

#include "common/version.h"

namespace uplinkprobe::measure {

namespace {
constexpr long kConnectTimeoutMs = 3000;
}

Status ensureCurlGlobalInit() {
  auto lib = loadCurl();
  if (!lib) return lib.error();
  return Status::Ok();
}

SlistPtr makeRequestHeaders() {
  curl_slist* l = nullptr;
  l = curl().slist_append(l, "Accept-Encoding: identity");
  l = curl().slist_append(l, "Expect:");
  l = curl().slist_append(l, "Cache-Control: no-store");
  return SlistPtr(l);
}

void applyCommonOptions(CURL* e, const ThroughputOptions& o, curl_slist* headers, char* errbuf) {
  static const std::string user_agent = std::string("uplinkprobe/") + kAgentVersion;
  errbuf[0] = '\0';
  curl().easy_setopt(e, CURLOPT_ERRORBUFFER, errbuf);
  curl().easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  curl().easy_setopt(e, CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_1_1));
  curl().easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
  curl().easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
  curl().easy_setopt(e, CURLOPT_FAILONERROR, 1L);
  curl().easy_setopt(e, CURLOPT_HTTPHEADER, headers);
  curl().easy_setopt(e, CURLOPT_USERAGENT, user_agent.c_str());
  curl().easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, kConnectTimeoutMs);
  curl().easy_setopt(e, CURLOPT_TCP_NODELAY, 1L);
  if (o.proxy.empty()) {
    curl().easy_setopt(e, CURLOPT_PROXY, "");
    curl().easy_setopt(e, CURLOPT_NOPROXY, "*");
  } else {
    curl().easy_setopt(e, CURLOPT_PROXY, o.proxy.c_str());
  }
  if (!o.bind_interface.empty()) {
    const std::string v = "if!" + o.bind_interface;
    curl().easy_setopt(e, CURLOPT_INTERFACE, v.c_str());  // libcurl copies the string
  } else if (!o.source_address.empty()) {
    const std::string v = "host!" + o.source_address;
    curl().easy_setopt(e, CURLOPT_INTERFACE, v.c_str());
  }
  long resolve = CURL_IPRESOLVE_WHATEVER;
  if (o.ip_family == 4) resolve = CURL_IPRESOLVE_V4;
  if (o.ip_family == 6) resolve = CURL_IPRESOLVE_V6;
  curl().easy_setopt(e, CURLOPT_IPRESOLVE, resolve);
  curl().easy_setopt(e, CURLOPT_SSL_VERIFYPEER, o.tls_verify ? 1L : 0L);
  curl().easy_setopt(e, CURLOPT_SSL_VERIFYHOST, o.tls_verify ? 2L : 0L);
  if (!o.ca_file.empty()) curl().easy_setopt(e, CURLOPT_CAINFO, o.ca_file.c_str());
}

std::string hostPort(const std::string& url) {
  if (!loadedCurl()) return url;
  CURLU* u = curl().url();
  if (!u) return url;
  std::string out = url;
  if (curl().url_set(u, CURLUPART_URL, url.c_str(), 0) == CURLUE_OK) {
    char* host = nullptr;
    char* port = nullptr;
    if (curl().url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
        curl().url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) == CURLUE_OK) {
      out = std::string(host) + ":" + port;
    }
    curl().free(host);
    curl().free(port);
  }
  curl().url_cleanup(u);
  return out;
}

Error classifyCurlFailure(CURLcode code, long os_errno, long http_status, const std::string& url,
                          const char* errbuf, const std::string& what) {
  const std::string hp = hostPort(url);
  const CurlLibrary* lib = loadedCurl();  // a pure function: also usable before any test
  std::string detail = (errbuf && errbuf[0]) ? std::string(errbuf)
                       : lib                 ? std::string(lib->easy_strerror(code))
                                             : "libcurl error " + std::to_string(code);
  if (detail.size() > 300) detail.resize(300);
  switch (code) {
    case CURLE_COULDNT_RESOLVE_HOST:
      return makeError(ErrorKind::kDns, "cannot resolve the server name in " + url +
                                            ": check the name and the school's DNS (" + detail +
                                            ")");
    case CURLE_COULDNT_RESOLVE_PROXY:
      return makeError(ErrorKind::kDns, "cannot resolve the configured proxy (" + detail + ")");
    case CURLE_COULDNT_CONNECT:
      if (os_errno == ECONNREFUSED)
        return makeError(ErrorKind::kConnect,
                         "server " + hp +
                             " refused the connection: is uplinkprobe-server running "
                             "and listening on that port?");
      return makeError(
          ErrorKind::kConnect,
          "cannot connect to server " + hp + " (" +
              (os_errno ? std::string(std::strerror(static_cast<int>(os_errno))) : detail) +
              "): check routing, firewall and the server address");
    case CURLE_INTERFACE_FAILED:
      return makeError(ErrorKind::kConnect,
                       "cannot use the configured bind_interface/source_address (" + detail +
                           "): check that it exists and has an address of "
                           "the server's IP family");
    case CURLE_OPERATION_TIMEDOUT:
      return makeError(ErrorKind::kTimeout, what + " from " + hp + " timed out (" + detail +
                                                "): the server or the path is not answering");
    case CURLE_HTTP_RETURNED_ERROR:
      return makeError(ErrorKind::kHttp, "server " + hp + " answered HTTP " +
                                             std::to_string(http_status) + " to the " + what +
                                             " request " + url + ": check the server url and kind");
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_ENGINE_SETFAILED:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_SHUTDOWN_FAILED:
    case CURLE_USE_SSL_FAILED:
      return makeError(ErrorKind::kTls,
                       "TLS with server " + hp + " failed: " + detail +
                           " (check ca_file, the server certificate and the clock)");
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_WEIRD_SERVER_REPLY:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_BAD_CONTENT_ENCODING:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
      return makeError(ErrorKind::kProtocol, "server " + hp + " broke the HTTP " + what +
                                                 " exchange (" + detail +
                                                 "): is it a LibreSpeed/HTTP endpoint?");
    case CURLE_URL_MALFORMAT:
      return makeError(ErrorKind::kProtocol, "malformed url " + url + " (" + detail + ")");
    default:
      return makeError(ErrorKind::kInternal, what + " to " + hp + " failed: " + detail);
  }
}

}  // namespace uplinkprobe::measure
