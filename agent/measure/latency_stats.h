// Latency summaries: medians of request round trips, and responsiveness in RPM.
//
// RPM (round trips per minute) follows the idea of the IETF "Responsiveness under Working
// Conditions" draft in its simplest form: 60000 / the median loaded round trip in ms, where
// a round trip is one small HTTP request on its own already-open connection while the
// streams saturate the link. (The draft also averages in TCP/TLS handshake times on new
// connections; we keep one connection per probe series, so this is the "app RTT" part only.)
#pragma once

#include <optional>
#include <vector>

namespace uplinkprobe::measure {

// Median (mean of the middle two for even counts); nullopt for no values.
std::optional<double> median(std::vector<double> values);

// 60000 / loaded_ms; nullopt when loaded_ms is missing or not positive.
std::optional<double> rpmFromLoadedMs(std::optional<double> loaded_ms);

}  // namespace uplinkprobe::measure
