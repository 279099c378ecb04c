// Translations of what a person reads (gettext, text domain "uplinkprobe"). Log lines and
// JSON stay English and never pass through tr().
//
// tr() returns the translation of `msgid` in the language chosen by initLanguage(), or
// `msgid` itself. Format strings are translated whole ("{} of {}"), never glued from pieces,
// and keep the placeholders of the English text.
#pragma once

#include <string>

namespace uplinkprobe::cli {

inline constexpr const char* kTextDomain = "uplinkprobe";

const char* tr(const char* msgid);

}  // namespace uplinkprobe::cli
