#include "agent/measure/idle_latency.h"

#include <chrono>

#include "agent/measure/curl_common.h"
#include "agent/measure/latency_stats.h"

namespace uplinkprobe::measure {
namespace {

constexpr long kProbeTimeoutMs = 2000;
// The first request also opens the connection (TCP, and TLS: 3 RTTs in all): on a 600 ms
// satellite path, or behind a queue another transfer left, that alone is ≥ 1.8 s.
constexpr long kFirstProbeTimeoutMs = 5000;
constexpr std::size_t kMaxBody = 16 * 1024;

constexpr std::size_t kMaxHeaderBytes = 64 * 1024;

struct BodySink {
  std::string body;
  std::size_t header_bytes = 0;
  bool header_overflow = false;
};

size_t countHeader(char*, size_t size, size_t n, void* ud) {
  auto* sink = static_cast<BodySink*>(ud);
  sink->header_bytes += size * n;
  if (sink->header_bytes > kMaxHeaderBytes) {
    sink->header_overflow = true;
    return 0;  // aborts the transfer
  }
  return size * n;
}

size_t collectBody(char* data, size_t size, size_t n, void* ud) {
  auto* sink = static_cast<BodySink*>(ud);
  const size_t len = size * n;
  if (sink->body.size() < kMaxBody) {
    sink->body.append(data, std::min(len, kMaxBody - sink->body.size()));
  }
  return len;
}

}  // namespace

Result<IdleLatency> measureIdleLatency(const Endpoints& endpoints, const ThroughputOptions& options,
                                       int count, double budget_s, const Clock& clock,
                                       const std::atomic<bool>* cancel) {
  if (Status loaded = ensureCurlGlobalInit(); !loaded) return loaded.error();
  EasyPtr easy(curl().easy_init());
  if (!easy) return makeError(ErrorKind::kInternal, "libcurl easy handle allocation failed");
  SlistPtr headers = makeRequestHeaders();
  char errbuf[CURL_ERROR_SIZE];
  applyCommonOptions(easy.get(), options, headers.get(), errbuf);
  BodySink sink;
  curl().easy_setopt(easy.get(), CURLOPT_URL, endpoints.latency.c_str());
  curl().easy_setopt(easy.get(), CURLOPT_WRITEFUNCTION, collectBody);
  curl().easy_setopt(easy.get(), CURLOPT_WRITEDATA, &sink);
  curl().easy_setopt(easy.get(), CURLOPT_HEADERFUNCTION, countHeader);
  curl().easy_setopt(easy.get(), CURLOPT_HEADERDATA, &sink);
  if (endpoints.latency_head) curl().easy_setopt(easy.get(), CURLOPT_NOBODY, 1L);

  IdleLatency out;
  const SteadyTime start = clock.steadyNow();
  for (int i = 0; i < count; ++i) {
    if (cancel && cancel->load()) return makeError(ErrorKind::kCancelled, "test cancelled");
    const double used_s = std::chrono::duration<double>(clock.steadyNow() - start).count();
    const double left_ms = (budget_s - used_s) * 1000.0;
    if (left_ms < 50) break;
    curl().easy_setopt(easy.get(), CURLOPT_TIMEOUT_MS,
                       static_cast<long>(std::min<double>(
                           i == 0 ? kFirstProbeTimeoutMs : kProbeTimeoutMs, left_ms)));
    sink.body.clear();
    sink.header_bytes = 0;
    errbuf[0] = '\0';
    CURLcode rc = curl().easy_perform(easy.get());
    if (rc != CURLE_OK && sink.header_overflow) {
      return makeError(ErrorKind::kProtocol,
                       "server " + hostPort(endpoints.latency) +
                           " sent more than 64 KiB of response headers: is it a "
                           "LibreSpeed/HTTP endpoint?");
    }
    if (rc != CURLE_OK) {
      if (!out.samples_ms.empty() && rc == CURLE_OPERATION_TIMEDOUT) break;  // budget ran out
      long os_errno = 0, status = 0;
      curl().easy_getinfo(easy.get(), CURLINFO_OS_ERRNO, &os_errno);
      curl().easy_getinfo(easy.get(), CURLINFO_RESPONSE_CODE, &status);
      return classifyCurlFailure(rc, os_errno, status, endpoints.latency, errbuf, "latency probe");
    }
    curl_off_t pre = 0, ttfb = 0;
    curl().easy_getinfo(easy.get(), CURLINFO_PRETRANSFER_TIME_T, &pre);
    curl().easy_getinfo(easy.get(), CURLINFO_STARTTRANSFER_TIME_T, &ttfb);
    out.samples_ms.push_back(static_cast<double>(std::max<curl_off_t>(0, ttfb - pre)) / 1000.0);
    if (i == 0) {
      char* ip = nullptr;
      if (curl().easy_getinfo(easy.get(), CURLINFO_PRIMARY_IP, &ip) == CURLE_OK && ip) {
        out.server_ip = ip;
        out.ip_family = out.server_ip.find(':') != std::string::npos ? 6 : 4;
      }
    }
  }
  if (out.samples_ms.empty())
    return makeError(ErrorKind::kTimeout, "no latency answer from " + hostPort(endpoints.latency) +
                                              " within " + std::to_string(budget_s) + " s");
  out.median_ms = *median(out.samples_ms);
  // The public IP, once, on the same connection. LibreSpeed's getIP.php answers 500 without
  // its optional GeoIP parts and some deployments drop it: any failure costs only the IP.
  const double left_ms =
      (budget_s - std::chrono::duration<double>(clock.steadyNow() - start).count()) * 1000.0;
  if (!endpoints.getip.empty() && left_ms >= 100 && !(cancel && cancel->load())) {
    curl().easy_setopt(easy.get(), CURLOPT_URL, endpoints.getip.c_str());
    curl().easy_setopt(easy.get(), CURLOPT_NOBODY, 0L);
    curl().easy_setopt(easy.get(), CURLOPT_HTTPGET, 1L);
    curl().easy_setopt(easy.get(), CURLOPT_TIMEOUT_MS,
                       static_cast<long>(std::min<double>(kProbeTimeoutMs, left_ms)));
    sink.body.clear();
    sink.header_bytes = 0;
    long status = 0;
    if (curl().easy_perform(easy.get()) == CURLE_OK &&
        curl().easy_getinfo(easy.get(), CURLINFO_RESPONSE_CODE, &status) == CURLE_OK &&
        status == 200)
      out.public_ip = publicIpFromGetIp(sink.body);
  }
  return out;
}

}  // namespace uplinkprobe::measure
