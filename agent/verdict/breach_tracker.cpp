#include "agent/verdict/breach_tracker.h"

#include <algorithm>

namespace uplinkprobe::verdict {

BreachTracker::BreachTracker(BreachRules rules) : rules_(rules) {
  rules_.breach_window = std::clamp(rules_.breach_window, 1, kMaxBreachWindow);
  rules_.breach_after = std::clamp(rules_.breach_after, 1, rules_.breach_window);
  rules_.clear_after = std::clamp(rules_.clear_after, 1, kMaxBreachWindow);
}

int BreachTracker::badInWindow() const {
  return static_cast<int>(
      std::count_if(window_.begin(), window_.end(), [](const auto& r) { return !r.good; }));
}

std::optional<BreachTransition> BreachTracker::onResult(const CountedResult& r) {
  window_.push_back(r);
  while (static_cast<int>(window_.size()) > rules_.breach_window) window_.pop_front();
  if (!open_) {
    if (badInWindow() < rules_.breach_after) return std::nullopt;
    open_ = true;
    streak_.clear();
    BreachTransition t{true, {}};
    for (const auto& w : window_)
      if (!w.good) t.evidence.push_back(w);
    return t;
  }
  if (!r.good) {
    streak_.clear();
    return std::nullopt;
  }
  streak_.push_back(r);
  if (static_cast<int>(streak_.size()) < rules_.clear_after) return std::nullopt;
  open_ = false;
  BreachTransition t{false, std::move(streak_)};
  streak_.clear();
  // A fresh start: the bad results that opened the breach must not re-open it at once.
  window_.clear();
  return t;
}

}  // namespace uplinkprobe::verdict
