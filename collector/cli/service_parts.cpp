#include "collector/cli/http_parts.h"
#include "collector/cli/service.h"

#include "collector/cli/ingest_part.h"

namespace uplinkprobe::collector {

std::vector<std::unique_ptr<ServicePart>> makeServiceParts(ServiceContext& context) {
  std::vector<std::unique_ptr<ServicePart>> parts;
  // Ingest (MQTT → validate → RecordStore) first: the API and notifications read its
  // counters and hear its committed batches. Notifications next (their metrics are
  // registered in start()), the HTTP API last (collector/cli/http_parts.h).
  parts.push_back(std::make_unique<IngestPart>(context));
  parts.push_back(makeNotifyPart(context));
  parts.push_back(makeApiPart(context));
  return parts;
}

}  // namespace uplinkprobe::collector
