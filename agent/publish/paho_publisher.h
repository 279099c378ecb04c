// The Paho MQTT C adapter behind Publisher: the asynchronous client (MQTTAsync), loaded at run
// time in the variant the broker needs (mqtt_library.h: libpaho-mqtt3a for tcp://, the TLS
// libpaho-mqtt3as for ssl://). Nothing of Paho is visible outside paho_publisher.cpp.
//
// Session: client id = device_id, clean session (the journal, not Paho, holds undelivered
// records; Paho persistence and offline buffering are off), keepalive from config, retained
// Last Will {"state":"offline","reason":"lwt"} on the status topic, no Paho automatic
// reconnect (the DeliveryPump retries with backoff; Paho 1.3 never retries a failed first
// connect anyway). MQTT 5 sessions use Paho's onSuccess5/onFailure5 callbacks (it refuses the
// 3.1.1 ones on an MQTT 5 client); a PUBACK reason code >= 0x80 is a failed publish.
//
// TLS: the ssl options' error callback is never installed (TLS failures are classified from
// the connect outcome) and CApath is never used (ca_file or the system store), as with the
// Paho C++ 1.2 adapter this replaces (docs/mqtt.md).
//
// Threads: Paho calls back on its own threads; every notification is re-posted through
// `post` to the owner thread (publisher.h). Paho's callbacks carry a registry key, never a
// pointer to the adapter, so the adapter may be destroyed on the owner thread at any time;
// late Paho callbacks after that are dropped.
#pragma once

#include <memory>

#include "agent/publish/connect_settings.h"
#include "agent/publish/publisher.h"
#include "agent/publish/status_message.h"
#include "common/clock.h"
#include "common/result.h"

namespace uplinkprobe::publish {

// Logs settings.warnings (and insecure_skip_verify, loudly) once. Errors only for a Paho
// library that cannot be loaded (kind "internal", mqtt_library.h) or a Paho client that
// cannot be created (e.g. a malformed URI); never for an absent broker.
Result<std::unique_ptr<Publisher>> makePahoPublisher(const ConnectSettings& settings,
                                                     const StatusInfo& status, Post post,
                                                     const Clock& clock);

// Convenience: makeConnectSettings + makePahoPublisher.
Result<std::unique_ptr<Publisher>> makePahoPublisher(const config::MqttConfig& mqtt,
                                                     const StatusInfo& status, Post post,
                                                     const Clock& clock);

}  // namespace uplinkprobe::publish
