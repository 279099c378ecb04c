#include "agent/cli/i18n.h"

#include <libintl.h>
#include <locale.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>

namespace uplinkprobe::cli {
namespace {

Language g_language = Language::kEnglish;
std::string g_locale_dir;

bool isChinese(const char* v) { return v && std::strncmp(v, "zh", 2) == 0; }

std::string exeDir() {
  char buf[4096];
  const ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) return "";
  std::string p(buf, static_cast<size_t>(n));
  const auto slash = p.rfind('/');
  return slash == std::string::npos ? "" : p.substr(0, slash);
}

bool hasCatalog(const std::string& dir) {
  struct stat st {};
  return !dir.empty() &&
         ::stat((dir + "/zh_CN/LC_MESSAGES/" + kTextDomain + ".mo").c_str(), &st) == 0;
}

}  // namespace

std::optional<Language> parseLanguage(const std::string& s) {
  if (s.rfind("zh", 0) == 0) return Language::kChinese;
  if (s.rfind("en", 0) == 0 || s == "C" || s.rfind("C.", 0) == 0 || s == "POSIX")
    return Language::kEnglish;
  return std::nullopt;
}

void initLanguage(std::optional<Language> override) {
  if (override) {
    g_language = *override;
  } else {
    const char* chosen = nullptr;
    for (const char* var : {"LC_ALL", "LC_MESSAGES", "LANG"}) {
      const char* v = std::getenv(var);
      if (v && *v) {
        chosen = v;
        break;
      }
    }
    g_language = isChinese(chosen) ? Language::kChinese : Language::kEnglish;
  }
  if (g_language == Language::kEnglish) return;  // msgids are the English text
  // gettext ignores LANGUAGE while LC_MESSAGES is "C": use the user's locale when it is
  // installed, else C.UTF-8 (always present in glibc >= 2.35 and Debian's libc).
  const char* got = ::setlocale(LC_MESSAGES, "");
  if (!got || std::strcmp(got, "C") == 0 || std::strcmp(got, "POSIX") == 0)
    ::setlocale(LC_MESSAGES, "C.UTF-8");
  ::setenv("LANGUAGE", "zh_CN", 1);
  const std::string beside = exeDir().empty() ? "" : exeDir() + "/../share/locale";
  g_locale_dir = hasCatalog(beside) ? beside : UPLINKPROBE_LOCALEDIR;
  ::bindtextdomain(kTextDomain, g_locale_dir.c_str());
  ::bind_textdomain_codeset(kTextDomain, "UTF-8");
}

Language currentLanguage() { return g_language; }
std::string localeDirectory() { return g_locale_dir; }

const char* tr(const char* msgid) {
  if (g_language == Language::kEnglish) return msgid;
  return ::dgettext(kTextDomain, msgid);
}

}  // namespace uplinkprobe::cli
