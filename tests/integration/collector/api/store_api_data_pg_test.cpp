// The StoreApiData cases against a real PostgreSQL started by the fixture.
#include "tests/unit/collector/api/store_api_data_cases.h"

namespace uplinkprobe::collector::api::store_cases {
INSTANTIATE_TEST_SUITE_P(Postgres, StoreApiDataTest, ::testing::Values("postgres"));
}  // namespace uplinkprobe::collector::api::store_cases
