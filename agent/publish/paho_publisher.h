// The Paho MQTT C++ 1.2 adapter behind Publisher. Nothing of Paho is visible outside
// paho_publisher.cpp.
//
// Session: client id = device_id, clean session (the journal, not Paho, holds undelivered
// records; Paho persistence is off), keepalive from config, retained Last Will
// {"state":"offline","reason":"lwt"} on the status topic, no Paho automatic reconnect (the
// DeliveryPump retries with backoff; Paho 1.3 never retries a failed first connect anyway).
//
// Known Paho 1.2.0 pitfalls avoided here (see docs/mqtt.md): the ssl_options error handler
// is never installed (its context pointer dangles after connect() copies the options:
// eclipse-paho/paho.mqtt.cpp#325, #439); ca_path is never used (not kept by the 1.2
// ssl_options copy); the connect_options object lives as long as the client.
//
// Threads: Paho calls back on its own threads; every notification is re-posted through
// `post` to the owner thread (publisher.h). The adapter may be destroyed on the owner thread
// at any time; late Paho callbacks after that are dropped.
#pragma once

#include <memory>

#include "agent/publish/connect_settings.h"
#include "agent/publish/publisher.h"
#include "agent/publish/status_message.h"
#include "common/clock.h"
#include "common/result.h"

namespace uplinkprobe::publish {

// Tells the Paho C library not to initialise OpenSSL itself. Paho does that by default when
// its first client is created, for tcp:// brokers too: SSL_library_init, every error string,
// every algorithm and openssl.cnf — 1.3 MB of libcrypto/libssl pages and heap in an idle
// daemon (docs/benchmarks.md, issue 16 item 6). OpenSSL ≥ 1.1 initialises itself on first
// use, so an ssl:// broker still works (tests/integration/publish/mqtt_security_test.cpp).
// Contract (Paho's MQTTAsync_global_init): call at program start, before any Paho client
// exists and before any thread that could create one — it re-initialises Paho's global
// mutexes. Calling it later, or not at all, is a memory cost, never a behaviour change.
void initMqttLibraryAtStart();

// Logs settings.warnings (and insecure_skip_verify, loudly) once. Errors only for a Paho
// client that cannot be created (e.g. a malformed URI); never for an absent broker.
Result<std::unique_ptr<Publisher>> makePahoPublisher(const ConnectSettings& settings,
                                                     const StatusInfo& status, Post post,
                                                     const Clock& clock);

// Convenience: makeConnectSettings + makePahoPublisher.
Result<std::unique_ptr<Publisher>> makePahoPublisher(const config::MqttConfig& mqtt,
                                                     const StatusInfo& status, Post post,
                                                     const Clock& clock);

}  // namespace uplinkprobe::publish
