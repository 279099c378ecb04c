// HTML escaping in one place (the collector's web UI and the agent's printable commissioning
// receipt). Everything that came from agents, sheets, configs or requests goes through
// htmlEscape() (text and attribute values alike: & < > " ' are replaced), so a school named
// <script>alert(1)</script> is shown as text. Invalid UTF-8 and C0 controls other than
// newline and tab become U+FFFD.
#pragma once

#include <string>
#include <string_view>

namespace uplinkprobe {

std::string htmlEscape(std::string_view text);

}  // namespace uplinkprobe
