// The web UI's message catalogue: every label, unit and message in zh-CN (the default) and
// English, compiled in. A page asks tr(lang, "key"); a key missing from the table shows as
// the key itself (a unit test checks that every key used by the pages has both languages).
//
// Language choice: the `lang` cookie (set by /lang?to=en|zh) wins; otherwise the first of
// zh / en in Accept-Language; otherwise zh-CN.
#pragma once

#include <string_view>
#include <vector>

namespace uplinkprobe::collector::web {

enum class Lang { kZh, kEn };

std::string_view tr(Lang lang, std::string_view key);
Lang pickLang(std::string_view cookie_lang, std::string_view accept_language);
std::string_view langCode(Lang lang);  // "zh-CN" | "en"
// Every key of the catalogue (for the completeness test).
std::vector<std::string_view> catalogueKeys();

}  // namespace uplinkprobe::collector::web
