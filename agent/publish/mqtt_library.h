// The Paho MQTT C asynchronous client (MQTTAsync), loaded at run time (dlopen) in the variant
// the broker URI needs: libpaho-mqtt3a (plain TCP) for tcp:// and mqtt://, libpaho-mqtt3as
// (TLS, linked against OpenSSL's libssl and libcrypto) for ssl:// and mqtts://.
//
// Why: the agent used Paho C++ (libpaho-mqttpp3), which is linked against libpaho-mqtt3as,
// so every agent mapped libpaho-mqttpp3, libpaho-mqtt3as, libssl and libcrypto at start
// (2.4 MB of an idle daemon's 9.8 MB, docs/benchmarks.md, issue 16 item 6), though a tcp://
// broker never makes a TLS handshake. Both variants export the same MQTTAsync_* API (the
// same MQTTAsync.h), so the adapter (paho_publisher.cpp) calls it through this table and
// only the variant in use is mapped. Once loaded, a variant stays loaded (never dlclose'd:
// Paho's threads and OpenSSL's thread-local and atexit state would be left dangling).
//
// Packages must still depend on Paho C: the .deb (packaging/CMakeLists.txt, libpaho-mqtt1.3)
// and the OpenWrt feed (packaging/openwrt/uplinkprobe/Makefile, libpaho-mqtt-c), since
// dpkg-shlibdeps and OpenWrt's dependency scan only see DT_NEEDED entries.
//
// Thread-safety: loadMqtt() may be called from any thread; the first call for a variant loads
// it and runs MQTTAsync_global_init once (std::call_once per variant), later calls return the
// same answer.
#pragma once

#include <MQTTAsync.h>
#include <MQTTProperties.h>

#include "common/result.h"

namespace uplinkprobe::publish {

// The MQTTAsync functions agent/publish uses, with Paho's own signatures.
struct MqttLibrary {
  decltype(&::MQTTAsync_global_init) global_init;
  decltype(&::MQTTAsync_createWithOptions) create_with_options;
  decltype(&::MQTTAsync_setCallbacks) set_callbacks;
  decltype(&::MQTTAsync_connect) connect;
  decltype(&::MQTTAsync_isConnected) is_connected;
  decltype(&::MQTTAsync_sendMessage) send_message;
  decltype(&::MQTTAsync_subscribe) subscribe;
  decltype(&::MQTTAsync_waitForCompletion) wait_for_completion;
  decltype(&::MQTTAsync_disconnect) disconnect;
  decltype(&::MQTTAsync_destroy) destroy;
  decltype(&::MQTTAsync_freeMessage) free_message;
  decltype(&::MQTTAsync_free) free;
  decltype(&::MQTTAsync_strerror) strerror;
  decltype(&::MQTTProperties_add) properties_add;
  decltype(&::MQTTProperties_free) properties_free;
  bool tls = false;  // the variant loaded is libpaho-mqtt3as
};

// The shared object loaded for a variant: UPLINKPROBE_PAHO_MQTT3A_SONAME /
// UPLINKPROBE_PAHO_MQTT3AS_SONAME (CMake cache variables, defaults "libpaho-mqtt3a.so.1" and
// "libpaho-mqtt3as.so.1", the sonames of Paho C 1.3 on Debian and OpenWrt alike).
const char* mqttSoname(bool tls);

// Loads the variant (tls: libpaho-mqtt3as) and runs MQTTAsync_global_init on the first call,
// without Paho's own OpenSSL initialisation (OpenSSL >= 1.1 initialises itself on first use;
// Paho's would load every error string, algorithm and openssl.cnf). Returns the function
// table, or an error (kind "internal") naming the library and why it did not load.
// Exception: in a program that already links Paho C (the test programs do, through Paho
// C++), that copy is used for both schemes if it is the TLS variant (two copies of Paho's
// symbols in one process bind to each other), and its initialisation is left to its owner.
Result<const MqttLibrary*> loadMqtt(bool tls);

}  // namespace uplinkprobe::publish
