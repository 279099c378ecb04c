#include "collector/cli/service.h"

namespace uplinkprobe::collector {

std::vector<std::unique_ptr<ServicePart>> makeServiceParts(ServiceContext& context) {
  std::vector<std::unique_ptr<ServicePart>> parts;
  // Ingest (MQTT → validate → RecordStore), HTTP API and notifications are added here by
  // their modules, e.g. parts.push_back(std::make_unique<ingest::IngestPart>(context));
  (void)context;
  return parts;
}

}  // namespace uplinkprobe::collector
