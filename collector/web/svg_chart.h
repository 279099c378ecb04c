// Server-drawn SVG charts: readable without JavaScript, printable, crisp on a projector.
// Every text in them is escaped. Sizes are bounded by the input (the callers cap series at a
// few thousand points).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace uplinkprobe::collector::web {

struct Series {
  std::string label;  // legend text (escaped when drawn)
  std::string css;    // class of the marks: "s-down", "s-up", "s-idle", "s-loaded"
  std::vector<std::pair<std::int64_t, double>> points;  // (utc ms, value), time order
};

struct RefLine {
  double value = 0;
  std::string label;
  std::string css;  // "ref-target", "ref-contract"
};

struct TimeChart {
  std::string title;  // <title> of the SVG (accessible name)
  std::string unit;   // y axis unit
  std::int64_t from_ms = 0, to_ms = 0;
  std::vector<Series> series;
  std::vector<RefLine> refs;
  int width = 760, height = 240;
  double fixed_max = 0;  // y axis top (0 = from the data)
};

std::string drawTimeChart(const TimeChart& chart);

struct Span {
  std::int64_t start_ms, end_ms;
  std::string label;  // tooltip (escaped)
};
// A one-row timeline of spans (outages) across [from, to].
std::string drawTimeline(std::int64_t from_ms, std::int64_t to_ms, const std::vector<Span>& spans,
                         const std::string& title, int width = 760);

}  // namespace uplinkprobe::collector::web
