#include "tests/unit/collector/ledger_cases.h"

namespace uplinkprobe::collector::ledger_cases {
INSTANTIATE_TEST_SUITE_P(Sqlite, LedgerTest, ::testing::Values("sqlite"));
}  // namespace uplinkprobe::collector::ledger_cases
