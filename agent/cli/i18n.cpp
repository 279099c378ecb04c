#include "agent/cli/i18n.h"

#include <libintl.h>

namespace uplinkprobe::cli {

const char* tr(const char* msgid) { return dgettext(kTextDomain, msgid); }

}  // namespace uplinkprobe::cli
