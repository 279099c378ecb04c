// Line-preserving edits of the TOML config (`uplinkprobe commission`, remote commands): the
// installed config is annotated (every key has its help comment, generated from the schema), and a
// technician may have added their own comments, so re-serialising with toml++ (which drops
// comments) is not acceptable. Only single-line `key = value` assignments are rewritten; everything
// else is kept byte for byte. Pure functions (text in, text out) so they are unit-tested.
#pragma once

#include <string>

#include "common/result.h"

namespace uplinkprobe::config {

// A TOML basic string literal with quotes: "a\"b" (escapes \, ", and control characters).
std::string tomlQuote(const std::string& s);

// Sets `key` in table `section` ("identity"; for an array of tables such as "servers" the
// first [[servers]] entry) to `literal` (already TOML: "\"x\"", "100", "true").
// - key present in the section: its line is replaced by `key = literal`, keeping the indent;
// - key absent: inserted after the section's last key line;
// - section absent: appended at the end as a new [section].
// Errors: the key's current value spans several lines (multi-line string or array), which
// this editor will not guess about; the message says to edit the file by hand.
Result<std::string> setTomlKey(const std::string& text, const std::string& section,
                               const std::string& key, const std::string& literal);

}  // namespace uplinkprobe::config
