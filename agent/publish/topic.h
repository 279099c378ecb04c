// MQTT topic layout (DESIGN.md): {topic_prefix}/{school_id}/{device_id}/{kind}.
#pragma once

#include <string>

namespace uplinkprobe::publish {

// One topic level from an identifier: MQTT wildcards ('+', '#'), the level separator '/'
// and control characters are replaced by '_', so an odd school_id can neither escape its
// subtree nor make the topic invalid; "" becomes "_".
std::string topicLevel(const std::string& s);

// {prefix}/{school_id}/{device_id}/{kind}; prefix and kind keep their '/' (kind
// "alert/state" is two levels by design), but lose wildcards; a trailing '/' of the
// prefix is dropped.
std::string topicFor(const std::string& prefix, const std::string& school_id,
                     const std::string& device_id, const std::string& kind);

// Journal record kind -> topic kind: "alert_state" is published under "alert/state"; every
// other kind under its own name.
std::string topicKindFor(const std::string& record_kind);
// Kinds whose topic is retained (the latest value is what a newcomer needs): "alert_state".
bool retainedKind(const std::string& record_kind);

}  // namespace uplinkprobe::publish
