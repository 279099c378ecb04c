// What a line typed at one of commission's prompts becomes. Bounded, and never silently
// changed: a line longer than allowed is an error (not cut), and a secret keeps every byte
// the technician typed (spaces too); only the line end (LF, or CR LF) is removed.
#pragma once

#include <cstddef>
#include <istream>
#include <string>

#include "common/result.h"

namespace uplinkprobe::cli {

struct LineRead {
  std::string line;       // without the LF; at most max_bytes + 1 bytes kept (a CR may follow)
  bool eof = false;       // nothing was read (Ctrl-D)
  bool too_long = false;  // more than max_bytes + 1 bytes before the LF
};

// Reads up to LF. Keeps at most max_bytes + 1 bytes; the rest of an overlong line is read and
// dropped (up to 1 MiB), so the next prompt does not start inside it.
LineRead readPromptLine(std::istream& in, std::size_t max_bytes);

enum class AnswerKind { kText, kSecret };

// kText: trailing CR, spaces and tabs removed (names and ids typed by hand). kSecret: only a
// trailing CR. Error kind "usage" naming what was too long and what to do instead.
Result<std::string> finishAnswer(const LineRead& read, AnswerKind kind, std::size_t max_bytes);

}  // namespace uplinkprobe::cli
