// The libcurl adapter's shared pieces: global init, the options every request of a test
// uses, and the translation of libcurl failures into error kinds a technician can act on.
// CURL* never leaves agent/measure.
#pragma once

#include <curl/curl.h>

#include <memory>
#include <string>

#include "agent/measure/curl_library.h"
#include "agent/measure/throughput_options.h"
#include "common/result.h"

namespace uplinkprobe::measure {

// Loads libcurl and runs curl_global_init once per process (curl_library.h); every other
// function here, and every CURL* handle, exists only after it succeeded.
Status ensureCurlGlobalInit();

struct EasyDeleter {
  void operator()(CURL* e) const { curl().easy_cleanup(e); }
};
using EasyPtr = std::unique_ptr<CURL, EasyDeleter>;
struct MultiDeleter {
  void operator()(CURLM* m) const { curl().multi_cleanup(m); }
};
using MultiPtr = std::unique_ptr<CURLM, MultiDeleter>;
struct SlistDeleter {
  void operator()(curl_slist* l) const { curl().slist_free_all(l); }
};
using SlistPtr = std::unique_ptr<curl_slist, SlistDeleter>;

// Request headers every request carries: identity encoding (compression would inflate
// goodput on compressible data and cost CPU), no "Expect: 100-continue" round trip.
SlistPtr makeRequestHeaders();

// Applies the options shared by every request: HTTP/1.1, http/https only, no redirects,
// no signals, proxy only when configured (environment proxies ignored: NOPROXY "*"), bind
// interface/source address, IP family, TLS verification/CA file, connect timeout,
// fail on HTTP ≥ 400, and the error buffer (CURL_ERROR_SIZE bytes, owned by the caller).
void applyCommonOptions(CURL* easy, const ThroughputOptions& options, curl_slist* headers,
                        char* errbuf);

// "host:port" of a URL (default port filled in), or the URL itself if it does not parse (or
// libcurl is not loaded).
std::string hostPort(const std::string& url);

// Translates a finished transfer's failure into {kind, message}. Needs no loaded libcurl
// (then the detail is "libcurl error N" and the server is named by its url). `what` names the
// request
// ("download", "upload", "latency probe"). os_errno is CURLINFO_OS_ERRNO, http_status
// CURLINFO_RESPONSE_CODE.
Error classifyCurlFailure(CURLcode code, long os_errno, long http_status, const std::string& url,
                          const char* errbuf, const std::string& what);

}  // namespace uplinkprobe::measure
