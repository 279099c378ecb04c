#include "collector/notify/webhook_transport.h"

#include <curl/curl.h>

#include "common/version.h"

namespace uplinkprobe::collector::notify {

namespace {
constexpr std::size_t kMaxReply = 64 * 1024;

std::size_t onData(char* data, std::size_t size, std::size_t n, void* user) {
  auto* out = static_cast<std::string*>(user);
  std::size_t bytes = size * n;
  if (out->size() < kMaxReply) out->append(data, std::min(bytes, kMaxReply - out->size()));
  return bytes;  // keep reading (and discarding) so the connection stays reusable
}

ErrorKind errorKind(CURLcode c) {
  switch (c) {
    case CURLE_OPERATION_TIMEDOUT:
      return ErrorKind::kTimeout;
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
      return ErrorKind::kConnect;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
      return ErrorKind::kTls;
    default:
      return ErrorKind::kHttp;
  }
}
}  // namespace

CurlWebhookTransport::CurlWebhookTransport() : curl_(curl_easy_init()) {}

CurlWebhookTransport::~CurlWebhookTransport() {
  if (curl_) curl_easy_cleanup(static_cast<CURL*>(curl_));
}

Result<WebhookReply> CurlWebhookTransport::post(const std::string& url,
                                                const std::string& json_body,
                                                const std::string& ca_file,
                                                std::chrono::seconds timeout) {
  CURL* e = static_cast<CURL*>(curl_);
  if (!e) return makeError(ErrorKind::kHttp, "libcurl could not be initialised");
  curl_easy_reset(e);
  WebhookReply reply;
  curl_slist* headers = curl_slist_append(nullptr, "Content-Type: application/json; charset=utf-8");
  headers = curl_slist_append(headers, "Expect:");
  std::string agent = std::string("uplinkprobe-collector/") + uplinkprobe::kAgentVersion;
  char errbuf[CURL_ERROR_SIZE] = "";
  curl_easy_setopt(e, CURLOPT_URL, url.c_str());
  curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
  if (!ca_file.empty()) curl_easy_setopt(e, CURLOPT_CAINFO, ca_file.c_str());
  curl_easy_setopt(e, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(e, CURLOPT_USERAGENT, agent.c_str());
  curl_easy_setopt(e, CURLOPT_POSTFIELDS, json_body.data());
  curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(json_body.size()));
  curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout.count() * 1000));
  curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(std::min<long long>(timeout.count(), 5) * 1000));
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, onData);
  curl_easy_setopt(e, CURLOPT_WRITEDATA, &reply.body);
  curl_easy_setopt(e, CURLOPT_ERRORBUFFER, errbuf);
  CURLcode rc = curl_easy_perform(e);
  curl_slist_free_all(headers);
  curl_easy_setopt(e, CURLOPT_HTTPHEADER, nullptr);
  if (rc != CURLE_OK) {
    return makeError(errorKind(rc), std::string(errbuf[0] ? errbuf : curl_easy_strerror(rc)));
  }
  curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &reply.status);
  return reply;
}

}  // namespace uplinkprobe::collector::notify
