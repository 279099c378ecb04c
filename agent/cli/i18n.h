// Translations of what a person reads (gettext, text domain "uplinkprobe", catalogs from
// po/*.po compiled by CMake into share/locale/<lang>/LC_MESSAGES/uplinkprobe.mo). Log lines
// and JSON stay English and never pass through tr().
//
// Language: `--lang zh|en` (main.cpp) overrides LC_ALL, then LC_MESSAGES, then LANG; a value
// starting with "zh" is Chinese (zh-CN), anything else English. The choice does not depend
// on the locale being generated on the box: only LC_MESSAGES is set (to the user's locale,
// or C.UTF-8 when that is not installed) and the catalog is chosen through LANGUAGE, so
// numbers are still parsed and printed the C way. Catalogs are looked up next to the
// binary first (<exe>/../share/locale: /usr/bin -> /usr/share/locale, and the build tree),
// then in the compiled-in install prefix.
//
// tr() returns the translation of `msgid`, or `msgid` itself (English, or a missing
// catalog). Format strings are translated whole ("{} of {}"), never glued from pieces, and
// keep the placeholders of the English text. initLanguage() runs once, before any thread.
#pragma once

#include <optional>
#include <string>

namespace uplinkprobe::cli {

inline constexpr const char* kTextDomain = "uplinkprobe";

enum class Language { kEnglish, kChinese };

// nullopt = from the environment. "zh", "zh_CN", "zh-CN", "en" and locale names are accepted.
void initLanguage(std::optional<Language> override = std::nullopt);
// "zh" / "en" / anything else (nullopt: a usage error).
std::optional<Language> parseLanguage(const std::string& s);
Language currentLanguage();
// The directory holding <lang>/LC_MESSAGES/uplinkprobe.mo that initLanguage() bound.
std::string localeDirectory();

const char* tr(const char* msgid);
// Marks a msgid for the catalog where it is defined (a table); tr() translates it where shown.
constexpr const char* N_(const char* msgid) { return msgid; }

}  // namespace uplinkprobe::cli
