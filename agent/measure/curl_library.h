// libcurl, loaded when the first throughput test needs it (dlopen), not at process start.
//
// Why: libcurl's dependency chain (OpenSSL's libssl, GnuTLS through librtmp, Kerberos,
// LDAP, libssh2, p11-kit, nghttp2, ...) is ~30 shared libraries; mapped and relocated at start
// they were most of the idle daemon's resident memory (docs/benchmarks.md, issue 16 item 6),
// though a daemon that only watches availability never makes an HTTP request. The measurement
// code is unchanged: the same libcurl runs in the same process and thread, only its functions
// are reached through this table. Once loaded, libcurl stays loaded (never dlclose'd: OpenSSL
// and GnuTLS keep thread-local and atexit state that an unload would leave dangling).
//
// Packages must still depend on libcurl: the .deb (packaging/CMakeLists.txt) and the OpenWrt
// feed (packaging/openwrt/uplinkprobe/Makefile) name it, since dpkg-shlibdeps and OpenWrt's
// dependency scan only see DT_NEEDED entries.
//
// Thread-safety: loadCurl() may be called from any thread; the first call loads the library
// and runs curl_global_init once (std::call_once), later calls return the same answer.
#pragma once

#include <curl/curl.h>

#include "common/result.h"

namespace uplinkprobe::measure {

// The libcurl functions agent/measure uses, with libcurl's own signatures.
struct CurlLibrary {
  decltype(&::curl_global_init) global_init;
  decltype(&::curl_easy_init) easy_init;
  decltype(&::curl_easy_cleanup) easy_cleanup;
  decltype(&::curl_easy_setopt) easy_setopt;
  decltype(&::curl_easy_getinfo) easy_getinfo;
  decltype(&::curl_easy_perform) easy_perform;
  decltype(&::curl_easy_pause) easy_pause;
  decltype(&::curl_easy_strerror) easy_strerror;
  decltype(&::curl_multi_init) multi_init;
  decltype(&::curl_multi_cleanup) multi_cleanup;
  decltype(&::curl_multi_add_handle) multi_add_handle;
  decltype(&::curl_multi_remove_handle) multi_remove_handle;
  decltype(&::curl_multi_perform) multi_perform;
  decltype(&::curl_multi_wait) multi_wait;
  decltype(&::curl_multi_timeout) multi_timeout;
  decltype(&::curl_multi_fdset) multi_fdset;
  decltype(&::curl_multi_info_read) multi_info_read;
  decltype(&::curl_slist_append) slist_append;
  decltype(&::curl_slist_free_all) slist_free_all;
  decltype(&::curl_url) url;
  decltype(&::curl_url_cleanup) url_cleanup;
  decltype(&::curl_url_set) url_set;
  decltype(&::curl_url_get) url_get;
  decltype(&::curl_free) free;
};

// The shared object loaded: UPLINKPROBE_LIBCURL_SONAME (CMake cache variable, default
// "libcurl.so.4", the soname of libcurl 7.x and 8.x on Debian and OpenWrt alike).
const char* curlSoname();

// Loads libcurl and runs curl_global_init(CURL_GLOBAL_DEFAULT) on the first call. Returns the
// function table, or an error (kind "internal") naming the library and why it did not load.
Result<const CurlLibrary*> loadCurl();

// The table once loadCurl() has succeeded; nullptr before (or after a failed load). Every
// libcurl call in agent/measure is made through it, after loadCurl() succeeded.
const CurlLibrary* loadedCurl();

// loadedCurl(), for code that runs only after a successful loadCurl() (every CURL* exists
// only then). Aborts otherwise: a call before the load is a bug, not a runtime condition.
const CurlLibrary& curl();

}  // namespace uplinkprobe::measure
