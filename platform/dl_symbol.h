// Binding a dlopen()ed library's functions into a table, for the libraries the agent loads
// only when it needs them (libcurl for a test: agent/measure/curl_library; Paho MQTT C in the
// broker's variant: agent/publish/mqtt_library), so that an idle daemon maps neither.
#pragma once

#include <dlfcn.h>

#include <string>

namespace uplinkprobe::platform {

// Sets `slot` to `name` in `handle`; when the library lacks it, appends the name to
// `missing` (", "-separated, for one error that lists every missing function) and returns
// false.
template <typename F>
bool bindSymbol(void* handle, const char* name, F& slot, std::string& missing) {
  // POSIX guarantees that a dlsym result converts to a function pointer.
  slot = reinterpret_cast<F>(dlsym(handle, name));
  if (!slot) missing += (missing.empty() ? "" : ", ") + std::string(name);
  return slot != nullptr;
}

}  // namespace uplinkprobe::platform
