#include "tests/unit/collector/record_store_cases.h"

namespace uplinkprobe::collector::store_cases {
INSTANTIATE_TEST_SUITE_P(Sqlite, RecordStoreTest, ::testing::Values("sqlite"));
}  // namespace uplinkprobe::collector::store_cases
