// UTF-8 in one place (it was copied into the sheet reader, the XML reader, the XLSX export
// and the MQTT codec). Strict validation per RFC 3629: no overlong forms, no surrogates,
// nothing above U+10FFFF.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace uplinkprobe::utf8 {

// True when `s` is well-formed UTF-8. U+0000 is refused unless allow_nul (MQTT strings
// forbid it; files may carry it).
bool isValid(std::string_view s, bool allow_nul = true);

// Decodes the code point starting at byte i (i < s.size()) into cp and returns its length in
// bytes. A byte that does not start a complete sequence yields U+FFFD and length 1, so a
// caller always advances. Not a validator: overlong forms decode (validate first).
std::size_t decodeOne(std::string_view s, std::size_t i, std::uint32_t& cp);

// Appends cp (≤ U+10FFFF) encoded as UTF-8.
void append(std::uint32_t cp, std::string& out);

}  // namespace uplinkprobe::utf8
