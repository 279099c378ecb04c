#include "agent/publish/mqtt_library.h"

#include <dlfcn.h>

#include <atomic>
#include <mutex>
#include <string>

#include "platform/dl_symbol.h"

#ifndef UPLINKPROBE_PAHO_MQTT3A_SONAME
#define UPLINKPROBE_PAHO_MQTT3A_SONAME "libpaho-mqtt3a.so.1"
#endif
#ifndef UPLINKPROBE_PAHO_MQTT3AS_SONAME
#define UPLINKPROBE_PAHO_MQTT3AS_SONAME "libpaho-mqtt3as.so.1"
#endif

namespace uplinkprobe::publish {

namespace {

struct Variant {
  explicit Variant(const char* name) : soname(name) {}
  const char* soname;
  MqttLibrary library{};
  std::atomic<const MqttLibrary*> loaded{nullptr};  // set once, at the end of a good load
  Error error;
  std::once_flag once;
};

Variant g_plain{UPLINKPROBE_PAHO_MQTT3A_SONAME};
Variant g_tls{UPLINKPROBE_PAHO_MQTT3AS_SONAME};

using platform::bindSymbol;

// The Paho C library already in the process's global scope, if any (its path), and whether it
// is the TLS variant. Only programs that link Paho themselves have one: the test programs,
// through Paho C++ (libpaho-mqttpp3 -> libpaho-mqtt3as); the agent links none.
std::string linkedPaho(bool* is_tls) {
  void* f = dlsym(RTLD_DEFAULT, "MQTTAsync_createWithOptions");
  Dl_info info{};
  if (f == nullptr || dladdr(f, &info) == 0 || info.dli_fname == nullptr) return "";
  const std::string path = info.dli_fname;
  *is_tls = path.find("libpaho-mqtt3as") != std::string::npos;
  return path;
}

void load(Variant& v, bool tls) {
  // A Paho C already linked into the process is used as it is: a second copy's internal calls
  // would bind to the first copy's functions (ELF interposition: the global scope comes first,
  // even for an RTLD_LOCAL library) and corrupt both; RTLD_DEEPBIND, which would prevent that,
  // is refused by the sanitizers and absent from musl. The TLS variant serves tcp:// too; a
  // plain one cannot serve ssl://. Its owner has initialised it (global_init is not re-run:
  // its clients may already exist).
  bool linked_tls = false;
  const std::string linked = linkedPaho(&linked_tls);
  if (!linked.empty() && tls && !linked_tls) {
    v.error =
        makeError(ErrorKind::kInternal, "this program links the Paho MQTT C library without TLS (" +
                                            linked + "): an ssl:// broker needs " + v.soname);
    return;
  }
  const char* file = linked.empty() ? v.soname : linked.c_str();
  // RTLD_LOCAL: Paho's symbols stay out of the global scope (the two variants define the same
  // names); RTLD_NOW: a broken installation fails here, not at the first connect.
  void* h = dlopen(file, RTLD_NOW | RTLD_LOCAL);
  if (!h) {
    const char* why = dlerror();
    v.error = makeError(ErrorKind::kInternal, std::string("cannot load the Paho MQTT C library (") +
                                                  (why ? why : file) +
                                                  "): install the Paho MQTT C package (Debian: "
                                                  "libpaho-mqtt1.3, OpenWrt: libpaho-mqtt-c)");
    return;
  }
  MqttLibrary& l = v.library;
  l.tls = linked.empty() ? tls : linked_tls;
  std::string missing;
  bindSymbol(h, "MQTTAsync_global_init", l.global_init, missing);
  bindSymbol(h, "MQTTAsync_createWithOptions", l.create_with_options, missing);
  bindSymbol(h, "MQTTAsync_setCallbacks", l.set_callbacks, missing);
  bindSymbol(h, "MQTTAsync_connect", l.connect, missing);
  bindSymbol(h, "MQTTAsync_isConnected", l.is_connected, missing);
  bindSymbol(h, "MQTTAsync_sendMessage", l.send_message, missing);
  bindSymbol(h, "MQTTAsync_subscribe", l.subscribe, missing);
  bindSymbol(h, "MQTTAsync_waitForCompletion", l.wait_for_completion, missing);
  bindSymbol(h, "MQTTAsync_disconnect", l.disconnect, missing);
  bindSymbol(h, "MQTTAsync_destroy", l.destroy, missing);
  bindSymbol(h, "MQTTAsync_freeMessage", l.free_message, missing);
  bindSymbol(h, "MQTTAsync_free", l.free, missing);
  bindSymbol(h, "MQTTAsync_strerror", l.strerror, missing);
  bindSymbol(h, "MQTTProperties_add", l.properties_add, missing);
  bindSymbol(h, "MQTTProperties_free", l.properties_free, missing);
  if (!missing.empty()) {
    v.error = makeError(ErrorKind::kInternal, std::string(file) + " lacks " + missing +
                                                  ": Paho MQTT C 1.3 or newer is needed");
    return;  // the handle stays open: nothing of it was used, and unloading buys nothing
  }
  if (linked.empty()) {
    // No client of this variant exists yet (this runs once, before the first is created), so
    // re-initialising Paho's global mutexes here is safe. do_openssl_init = 0: see the header.
    MQTTAsync_init_options init = MQTTAsync_init_options_initializer;
    init.do_openssl_init = 0;
    l.global_init(&init);
  }
  v.loaded.store(&l, std::memory_order_release);
}

}  // namespace

const char* mqttSoname(bool tls) { return tls ? g_tls.soname : g_plain.soname; }

Result<const MqttLibrary*> loadMqtt(bool tls) {
  Variant& v = tls ? g_tls : g_plain;
  std::call_once(v.once, [&v, tls] { load(v, tls); });
  if (const MqttLibrary* l = v.loaded.load(std::memory_order_acquire)) return l;
  return v.error;
}

}  // namespace uplinkprobe::publish
