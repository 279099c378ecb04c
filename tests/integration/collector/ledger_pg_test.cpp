// The ledger cases against a real PostgreSQL started by the fixture.
#include "tests/unit/collector/ledger_cases.h"

namespace uplinkprobe::collector::ledger_cases {
INSTANTIATE_TEST_SUITE_P(Postgres, LedgerTest, ::testing::Values("postgres"));
}  // namespace uplinkprobe::collector::ledger_cases
