// A device's open alerts on the school page, read from its retained `alert_state`
// (record::AlertState) and said in the reader's language: what kind of breach, since when,
// how many records are its evidence and, for availability, the open outage or the low day.
// The raw JSON stays one click away for the technician. A payload that does not read as an
// alert state (an older agent, a hand-written row) is shown raw, as before.
#pragma once

#include <string>
#include <string_view>

#include "collector/web/i18n.h"

namespace uplinkprobe::collector::web {

std::string openAlertsHtml(Lang lang, std::string_view alert_state_payload);

}  // namespace uplinkprobe::collector::web
