#include "agent/cli/progress_view.h"

#include <unistd.h>

namespace uplinkprobe::cli {

ProgressView::ProgressView(std::FILE* out) : out_(out), tty_(isatty(fileno(out)) == 1) {}

void ProgressView::update(const measure::Progress& p) {
  const auto now = std::chrono::steady_clock::now();
  const bool new_phase = p.phase != phase_;
  if (new_phase && !phase_.empty() && !tty_) {
    // Non-TTY (logs, CI): one summary line per finished phase keeps output readable.
    std::fprintf(out_, "  %-9s %5.1f s  %8.1f Mbps  %7.1f MB  %2d streams\n", phase_.c_str(),
                 last_.elapsed_s, last_.current_mbps, last_.bytes / 1e6, last_.streams);
  }
  if (new_phase && tty_ && drawn_) std::fputc('\n', out_);
  phase_ = p.phase;
  last_ = p;
  // Redraw at most 5 times a second: enough to feel live, cheap over a slow serial console.
  if (!tty_ || (!new_phase && now - last_draw_ < std::chrono::milliseconds(200))) return;
  last_draw_ = now;
  std::fprintf(out_, "\r\033[K  %-9s %5.1f s  %8.1f Mbps  %7.1f MB  %2d streams", p.phase.c_str(),
               p.elapsed_s, p.current_mbps, p.bytes / 1e6, p.streams);
  std::fflush(out_);
  drawn_ = true;
}

void ProgressView::finish() {
  if (tty_ && drawn_) std::fputc('\n', out_);
  if (!tty_ && !phase_.empty())
    std::fprintf(out_, "  %-9s %5.1f s  %8.1f Mbps  %7.1f MB  %2d streams\n", phase_.c_str(),
                 last_.elapsed_s, last_.current_mbps, last_.bytes / 1e6, last_.streams);
  phase_.clear();
  drawn_ = false;
  std::fflush(out_);
}

}  // namespace uplinkprobe::cli
