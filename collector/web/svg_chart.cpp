#include "collector/web/svg_chart.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "collector/web/html.h"

namespace uplinkprobe::collector::web {

namespace {
constexpr int kLeft = 56, kRight = 16, kTop = 16, kBottom = 40;

std::string fmt(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%.1f", v);
  return b;
}

// A "nice" step (1, 2, 5 × 10^n) giving about `ticks` ticks up to max.
double niceStep(double max, int ticks) {
  double raw = max / ticks;
  double mag = std::pow(10.0, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 5.0, 10.0}) {
    if (raw <= m * mag) return m * mag;
  }
  return 10 * mag;
}

void xAxis(std::string& s, std::int64_t from, std::int64_t to, int w, int h) {
  const double span = static_cast<double>(std::max<std::int64_t>(to - from, 1));
  const std::int64_t day = 86400000;
  const std::int64_t days = std::max<std::int64_t>((to - from) / day, 1);
  const std::int64_t every = days <= 8 ? 1 : days <= 31 ? 5 : 15;
  // Ticks at local midnights are not needed for reading; UTC-aligned day steps from `to`
  // backwards keep the last tick at "now".
  for (std::int64_t t = to, k = 0; t >= from && k < 40; t -= every * day, ++k) {
    double x = kLeft + (t - from) / span * (w - kLeft - kRight);
    s += "<line class=\"grid\" x1=\"" + fmt(x) + "\" y1=\"" + std::to_string(kTop) + "\" x2=\"" +
         fmt(x) + "\" y2=\"" + std::to_string(h - kBottom) + "\"/>";
    std::string d = localDate(t).substr(5);
    s += "<text class=\"tick\" x=\"" + fmt(x) + "\" y=\"" + std::to_string(h - kBottom + 16) +
         "\" text-anchor=\"middle\">" + esc(d) + "</text>";
  }
}
}  // namespace

std::string drawTimeChart(const TimeChart& c) {
  const int w = c.width, h = c.height;
  double ymax = 1;
  for (const auto& s : c.series) {
    for (const auto& p : s.points) ymax = std::max(ymax, p.second);
  }
  for (const auto& r : c.refs) ymax = std::max(ymax, r.value);
  if (c.fixed_max > 0) ymax = c.fixed_max / 1.08;
  const double step = niceStep(ymax * 1.08, 4);
  const double top = std::ceil(ymax * 1.08 / step - 1e-9) * step;
  const double span = static_cast<double>(std::max<std::int64_t>(c.to_ms - c.from_ms, 1));
  auto X = [&](std::int64_t t) {
    return kLeft + static_cast<double>(t - c.from_ms) / span * (w - kLeft - kRight);
  };
  auto Y = [&](double v) { return kTop + (1 - v / top) * (h - kTop - kBottom); };

  std::string s;
  s.reserve(4096);
  s += "<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 " +
       std::to_string(w) + " " + std::to_string(h) + "\" width=\"" + std::to_string(w) +
       "\" height=\"" + std::to_string(h) + "\" role=\"img\"><title>" + esc(c.title) + "</title>";
  for (double v = 0; v <= top + step / 2; v += step) {
    s += "<line class=\"grid\" x1=\"" + std::to_string(kLeft) + "\" y1=\"" + fmt(Y(v)) +
         "\" x2=\"" + std::to_string(w - kRight) + "\" y2=\"" + fmt(Y(v)) + "\"/>";
    char b[32];
    std::snprintf(b, sizeof b, "%g", v);
    s += "<text class=\"tick\" x=\"" + std::to_string(kLeft - 6) + "\" y=\"" + fmt(Y(v) + 4) +
         "\" text-anchor=\"end\">" + b + "</text>";
  }
  s += "<text class=\"unit\" x=\"4\" y=\"" + std::to_string(kTop - 4) + "\">" + esc(c.unit) +
       "</text>";
  xAxis(s, c.from_ms, c.to_ms, w, h);
  for (const auto& r : c.refs) {
    s += "<line class=\"" + esc(r.css) + "\" x1=\"" + std::to_string(kLeft) + "\" y1=\"" +
         fmt(Y(r.value)) + "\" x2=\"" + std::to_string(w - kRight) + "\" y2=\"" + fmt(Y(r.value)) +
         "\"/>";
    s += "<text class=\"reflabel " + esc(r.css) + "-t\" x=\"" + std::to_string(w - kRight - 4) +
         "\" y=\"" + fmt(Y(r.value) - 4) + "\" text-anchor=\"end\">" + esc(r.label) + "</text>";
  }
  for (const auto& se : c.series) {
    if (se.points.empty()) continue;
    s += "<polyline class=\"" + esc(se.css) + "\" points=\"";
    for (const auto& p : se.points) s += fmt(X(p.first)) + "," + fmt(Y(p.second)) + " ";
    s += "\"/>";
    if (se.points.size() <= 400) {
      for (const auto& p : se.points) {
        s += "<circle class=\"" + esc(se.css) + "-p\" cx=\"" + fmt(X(p.first)) + "\" cy=\"" +
             fmt(Y(p.second)) + "\" r=\"2.5\"><title>" + esc(localTime(p.first)) + " " +
             fmt(p.second) + " " + esc(c.unit) + "</title></circle>";
      }
    }
  }
  // Legend under the axis.
  double lx = kLeft;
  for (const auto& se : c.series) {
    s += "<rect class=\"" + esc(se.css) + "-k\" x=\"" + fmt(lx) + "\" y=\"" +
         std::to_string(h - 14) + "\" width=\"12\" height=\"4\"/>";
    s += "<text class=\"legend\" x=\"" + fmt(lx + 16) + "\" y=\"" + std::to_string(h - 9) + "\">" +
         esc(se.label) + "</text>";
    lx += 28 + 8 * static_cast<double>(se.label.size());
  }
  s += "</svg>";
  return s;
}

std::string drawTimeline(std::int64_t from, std::int64_t to, const std::vector<Span>& spans,
                         const std::string& title, int w) {
  const int h = 56;
  const double span = static_cast<double>(std::max<std::int64_t>(to - from, 1));
  auto X = [&](std::int64_t t) {
    t = std::clamp(t, from, to);
    return kLeft + static_cast<double>(t - from) / span * (w - kLeft - kRight);
  };
  std::string s =
      "<svg class=\"chart timeline\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 " +
      std::to_string(w) + " " + std::to_string(h) + "\" width=\"" + std::to_string(w) +
      "\" height=\"" + std::to_string(h) + "\" role=\"img\"><title>" + esc(title) + "</title>";
  s += "<rect class=\"tl-bg\" x=\"" + std::to_string(kLeft) + "\" y=\"8\" width=\"" +
       std::to_string(w - kLeft - kRight) + "\" height=\"16\"/>";
  for (const auto& sp : spans) {
    double x1 = X(sp.start_ms), x2 = std::max(X(sp.end_ms), x1 + 1.5);
    s += "<rect class=\"tl-out\" x=\"" + fmt(x1) + "\" y=\"8\" width=\"" + fmt(x2 - x1) +
         "\" height=\"16\"><title>" + esc(sp.label) + "</title></rect>";
  }
  // Date ticks reuse the chart's axis, drawn against a 56 px box.
  std::string axis;
  xAxis(axis, from, to, w, h + 8);
  // Drop the grid lines of the axis (keep labels only) to keep the bar clean.
  std::size_t p = 0;
  while ((p = axis.find("<line", p)) != std::string::npos) {
    std::size_t e = axis.find("/>", p);
    axis.erase(p, e + 2 - p);
  }
  s += axis + "</svg>";
  return s;
}

}  // namespace uplinkprobe::collector::web
