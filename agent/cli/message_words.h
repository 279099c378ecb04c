// Messages made below the CLI in English — the config loader and its schema
// (common/config_map, agent/config), the daemon's config validation, the measurement engine
// (agent/measure), the argument parser — said in the reader's language. Those modules keep
// English (their text also goes to logs and JSON); the CLI translates what it shows a person:
// the location frame ("FILE line N: [section] key: ") and the problem are matched against a
// table of the modules' message patterns, whose English forms are the catalog's msgids.
// A message with no pattern stays English (a new message elsewhere is never lost, only not
// yet translated); in English the text is returned unchanged. Log lines never pass here.
#pragma once

#include <string>

namespace uplinkprobe::cli {

std::string personMessage(const std::string& english);
// Whether a pattern covers the message's problem (in any language): the tests feed the
// modules' real messages through this, so a reworded message shows up as untranslated.
bool messageKnown(const std::string& english);

}  // namespace uplinkprobe::cli
