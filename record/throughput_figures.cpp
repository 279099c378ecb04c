#include "record/throughput_figures.h"

#include <string>

namespace uplinkprobe::record {

const nlohmann::json* capacityDirection(const nlohmann::json& rec, std::string_view direction) {
  if (!rec.is_object()) return nullptr;
  const nlohmann::json* holder = &rec;
  auto method = rec.find("method");
  if (method != rec.end() && method->is_string() && *method == "udp") {
    auto udp = rec.find("udp");
    if (udp == rec.end() || !udp->is_object()) return nullptr;
    holder = &*udp;
  }
  auto d = holder->find(std::string(direction));
  if (d == holder->end() || !d->is_object()) return nullptr;
  return &*d;
}

std::optional<double> ipCapacityMbps(const nlohmann::json& rec, std::string_view direction) {
  const nlohmann::json* d = capacityDirection(rec, direction);
  if (d == nullptr) return std::nullopt;
  auto v = d->find("ip_capacity_mbps");
  if (v == d->end() || !v->is_number()) return std::nullopt;
  return v->get<double>();
}

}  // namespace uplinkprobe::record
