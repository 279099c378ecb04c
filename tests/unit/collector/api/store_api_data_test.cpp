#include "tests/unit/collector/api/store_api_data_cases.h"

namespace uplinkprobe::collector::api::store_cases {
INSTANTIATE_TEST_SUITE_P(Sqlite, StoreApiDataTest, ::testing::Values("sqlite"));
}  // namespace uplinkprobe::collector::api::store_cases
