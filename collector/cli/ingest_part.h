// The ingest part of `run`: [mqtt] + [database] → IngestService (collector/ingest). Owns its
// own database connection (the Ingestor's worker thread writes on it).
#pragma once

#include <memory>

#include "collector/cli/service.h"
#include "collector/ingest/ingest_service.h"

namespace uplinkprobe::collector {

// The service's options from the config: topic filter from topic_prefix and shared_group,
// a packet limit above max_payload_bytes (so an oversize record still arrives and is stored
// in `rejected` as too_large instead of being dropped by the broker), TLS files, keep-alive.
IngestServiceOptions ingestOptions(const config::Config& c, const SchoolHours& school_hours);

class IngestPart : public ServicePart {
 public:
  explicit IngestPart(ServiceContext& context) : ctx_(context) {}
  std::string name() const override { return "ingest"; }
  Status start() override;
  void stop() override;

 private:
  ServiceContext& ctx_;
  std::unique_ptr<IngestService> service_;
};

}  // namespace uplinkprobe::collector
