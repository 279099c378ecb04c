// The store cases against a real PostgreSQL started by the fixture (partitioned records).
#include "tests/unit/collector/record_store_cases.h"

namespace uplinkprobe::collector::store_cases {
INSTANTIATE_TEST_SUITE_P(Postgres, RecordStoreTest, ::testing::Values("postgres"));
}  // namespace uplinkprobe::collector::store_cases
