// terminalSafe: text that came from outside (a test server's error message or name, a
// broker's reason, a record's fields) made safe to print on a technician's terminal, which is
// often root's. ESC and the other C0 controls (except newline and tab), DEL and the C1
// controls (U+0080..U+009F, bytes C2 80..C2 9F in UTF-8; a terminal may take them as CSI)
// become '?', so no escape sequence from a peer can move the cursor, retitle the window,
// rewrite what is shown or feed input back. Printable UTF-8 (Chinese school names) is kept.
#pragma once

#include <string>
#include <string_view>

namespace uplinkprobe {

std::string terminalSafe(std::string_view text, bool keep_newlines = true);

}  // namespace uplinkprobe
