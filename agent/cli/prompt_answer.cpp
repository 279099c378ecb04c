#include "agent/cli/prompt_answer.h"

namespace uplinkprobe::cli {

LineRead readPromptLine(std::istream& in, std::size_t max_bytes) {
  constexpr std::size_t kMaxDiscard = 1 << 20;
  LineRead r;
  std::size_t seen = 0;
  bool got_any = false;
  for (;;) {
    const int c = in.get();
    if (c == std::char_traits<char>::eof()) break;
    got_any = true;
    if (c == '\n') break;
    // max_bytes + 1 kept: room for the CR of a CR LF line end.
    if (++seen <= max_bytes + 1) {
      r.line += static_cast<char>(c);
    } else {
      r.too_long = true;
      if (seen > kMaxDiscard) break;
    }
  }
  r.eof = !got_any;
  return r;
}

Result<std::string> finishAnswer(const LineRead& read, AnswerKind kind, std::size_t max_bytes) {
  std::string line = read.line;
  if (!line.empty() && line.back() == '\r') line.pop_back();
  if (kind == AnswerKind::kText) {
    while (!line.empty() && (line.back() == ' ' || line.back() == '\t')) line.pop_back();
  }
  if (read.too_long || line.size() > max_bytes) {
    if (kind == AnswerKind::kSecret) {
      return makeError(ErrorKind::kUsage,
                       "the password typed is longer than " + std::to_string(max_bytes) +
                           " bytes; nothing was changed (put it in a file and pass "
                           "--password-file)");
    }
    return makeError(ErrorKind::kUsage, "the answer is longer than " + std::to_string(max_bytes) +
                                            " bytes; nothing was changed");
  }
  return line;
}

}  // namespace uplinkprobe::cli
