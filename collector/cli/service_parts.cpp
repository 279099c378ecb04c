#include "collector/cli/service.h"

#include "collector/cli/ingest_part.h"

namespace uplinkprobe::collector {

std::vector<std::unique_ptr<ServicePart>> makeServiceParts(ServiceContext& context) {
  std::vector<std::unique_ptr<ServicePart>> parts;
  // Ingest (MQTT → validate → RecordStore) first: the API and notifications read its
  // counters and hear its committed batches.
  parts.push_back(std::make_unique<IngestPart>(context));
  return parts;
}

}  // namespace uplinkprobe::collector
