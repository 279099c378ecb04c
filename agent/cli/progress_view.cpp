#include "agent/cli/progress_view.h"

#include <fmt/format.h>
#include <unistd.h>

#include "agent/cli/display_format.h"
#include "agent/cli/i18n.h"

namespace uplinkprobe::cli {

namespace {

// The latency phase reports no rate, bytes or streams: it says what it does instead of
// printing zeros.
std::string progressLine(const measure::Progress& p) {
  const std::string phase = tr(p.phase.c_str());
  if (p.phase == "latency")
    return fmt::format("  {:<9} {}", phase, tr("measuring idle latency to the server(s)"));
  const int streams = p.streams;
  return fmt::format("  {:<9} {:>7}  {:>10}  {:>9}  {}", phase, formatSeconds(p.elapsed_s),
                     formatRate(p.current_mbps), formatBytes(static_cast<double>(p.bytes)),
                     fmt::format(fmt::runtime(tr("{} streams")), streams));
}

}  // namespace

ProgressView::ProgressView(std::FILE* out) : out_(out), tty_(isatty(fileno(out)) == 1) {}

void ProgressView::update(const measure::Progress& p) {
  const auto now = std::chrono::steady_clock::now();
  const bool new_phase = p.phase != phase_;
  if (new_phase && !phase_.empty() && !tty_) {
    // Non-TTY (logs, CI): one summary line per finished phase keeps output readable.
    std::fprintf(out_, "%s\n", progressLine(last_).c_str());
  }
  if (new_phase && tty_ && drawn_) std::fputc('\n', out_);
  phase_ = p.phase;
  last_ = p;
  // Redraw at most 5 times a second: enough to feel live, cheap over a slow serial console.
  if (!tty_ || (!new_phase && now - last_draw_ < std::chrono::milliseconds(200))) return;
  last_draw_ = now;
  std::fprintf(out_, "\r\033[K%s", progressLine(p).c_str());
  std::fflush(out_);
  drawn_ = true;
}

void ProgressView::finish() {
  if (tty_ && drawn_) std::fputc('\n', out_);
  if (!tty_ && !phase_.empty()) std::fprintf(out_, "%s\n", progressLine(last_).c_str());
  phase_.clear();
  drawn_ = false;
  std::fflush(out_);
}

}  // namespace uplinkprobe::cli
