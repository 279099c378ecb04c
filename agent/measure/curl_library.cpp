#include "agent/measure/curl_library.h"

#include <dlfcn.h>

#include <atomic>
#include <cstdlib>
#include <mutex>
#include <string>

#include "platform/dl_symbol.h"

#ifndef UPLINKPROBE_LIBCURL_SONAME
#define UPLINKPROBE_LIBCURL_SONAME "libcurl.so.4"
#endif

namespace uplinkprobe::measure {

namespace {

CurlLibrary g_library{};
std::atomic<const CurlLibrary*> g_loaded{nullptr};  // set once, at the end of a good load
Error g_error;

using platform::bindSymbol;

void load() {
  // RTLD_LOCAL: libcurl's symbols stay out of the global scope (nothing else resolves
  // against them); RTLD_NOW: a broken installation fails here, not in the middle of a test.
  void* h = dlopen(UPLINKPROBE_LIBCURL_SONAME, RTLD_NOW | RTLD_LOCAL);
  if (!h) {
    const char* why = dlerror();
    g_error =
        makeError(ErrorKind::kInternal, std::string("cannot load libcurl (") +
                                            (why ? why : UPLINKPROBE_LIBCURL_SONAME) +
                                            "): install the libcurl package (Debian: libcurl4)");
    return;
  }
  CurlLibrary& l = g_library;
  std::string missing;
  bindSymbol(h, "curl_global_init", l.global_init, missing);
  bindSymbol(h, "curl_easy_init", l.easy_init, missing);
  bindSymbol(h, "curl_easy_cleanup", l.easy_cleanup, missing);
  bindSymbol(h, "curl_easy_setopt", l.easy_setopt, missing);
  bindSymbol(h, "curl_easy_getinfo", l.easy_getinfo, missing);
  bindSymbol(h, "curl_easy_perform", l.easy_perform, missing);
  bindSymbol(h, "curl_easy_pause", l.easy_pause, missing);
  bindSymbol(h, "curl_easy_strerror", l.easy_strerror, missing);
  bindSymbol(h, "curl_multi_init", l.multi_init, missing);
  bindSymbol(h, "curl_multi_cleanup", l.multi_cleanup, missing);
  bindSymbol(h, "curl_multi_add_handle", l.multi_add_handle, missing);
  bindSymbol(h, "curl_multi_remove_handle", l.multi_remove_handle, missing);
  bindSymbol(h, "curl_multi_perform", l.multi_perform, missing);
  bindSymbol(h, "curl_multi_wait", l.multi_wait, missing);
  bindSymbol(h, "curl_multi_timeout", l.multi_timeout, missing);
  bindSymbol(h, "curl_multi_fdset", l.multi_fdset, missing);
  bindSymbol(h, "curl_multi_info_read", l.multi_info_read, missing);
  bindSymbol(h, "curl_slist_append", l.slist_append, missing);
  bindSymbol(h, "curl_slist_free_all", l.slist_free_all, missing);
  bindSymbol(h, "curl_url", l.url, missing);
  bindSymbol(h, "curl_url_cleanup", l.url_cleanup, missing);
  bindSymbol(h, "curl_url_set", l.url_set, missing);
  bindSymbol(h, "curl_url_get", l.url_get, missing);
  bindSymbol(h, "curl_free", l.free, missing);
  if (!missing.empty()) {
    g_error = makeError(ErrorKind::kInternal, std::string(UPLINKPROBE_LIBCURL_SONAME) + " lacks " +
                                                  missing + ": libcurl 7.85 or newer is needed");
    return;  // the handle stays open: nothing of it was used, and unloading buys nothing
  }
  if (l.global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
    g_error = makeError(ErrorKind::kInternal, "libcurl initialisation failed");
    return;
  }
  g_loaded.store(&g_library, std::memory_order_release);
}

std::once_flag g_once;

}  // namespace

const char* curlSoname() { return UPLINKPROBE_LIBCURL_SONAME; }

Result<const CurlLibrary*> loadCurl() {
  std::call_once(g_once, load);
  if (const CurlLibrary* l = g_loaded.load(std::memory_order_acquire)) return l;
  return g_error;
}

const CurlLibrary* loadedCurl() { return g_loaded.load(std::memory_order_acquire); }

const CurlLibrary& curl() {
  const CurlLibrary* l = g_loaded.load(std::memory_order_acquire);
  if (!l) std::abort();
  return *l;
}

}  // namespace uplinkprobe::measure
