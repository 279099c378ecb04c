#include "common/terminal_text.h"

namespace uplinkprobe {

std::string terminalSafe(std::string_view text, bool keep_newlines) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == 0xc2 && i + 1 < text.size()) {
      const auto next = static_cast<unsigned char>(text[i + 1]);
      if (next >= 0x80 && next <= 0x9f) {
        out += '?';
        ++i;
        continue;
      }
    }
    const bool allowed_control = c == '\t' || (keep_newlines && c == '\n');
    if ((c < 0x20 && !allowed_control) || c == 0x7f) {
      out += '?';
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

}  // namespace uplinkprobe
