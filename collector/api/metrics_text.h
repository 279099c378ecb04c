// MetricsText: builds a Prometheus text exposition (format 0.0.4), the body of GET /metrics.
//
// Contract: each metric family gets its # HELP and # TYPE lines once, before its first
// sample, whatever order the samples are added in within the family; families must be
// added contiguously (all samples of one name together) — adding to a family that is no
// longer the current one is a programming error and is ignored (counted in skipped()), so a
// scrape never has duplicate families, which Prometheus rejects as a whole. Label values are
// escaped (\\, \", \n) so a region name in Chinese or with quotes cannot break the format.
// Metric and label names are the caller's constants and are checked against
// [a-zA-Z_:][a-zA-Z0-9_:]* (a bad one is skipped and counted, never written).
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace uplinkprobe::collector::api {

using Labels = std::vector<std::pair<std::string, std::string>>;

class MetricsText {
 public:
  enum class Type { kCounter, kGauge, kHistogram };

  // Starts (or continues) the family `name`. For counters, name ends in "_total".
  void family(std::string_view name, Type type, std::string_view help);

  // One sample of the current family. suffix is appended to the family name ("_bucket",
  // "_sum", "_count" for histograms; empty otherwise).
  void sample(double value, const Labels& labels = {}, std::string_view suffix = {});

  // Convenience: a family with one sample.
  void counter(std::string_view name, std::string_view help, double value);
  void gauge(std::string_view name, std::string_view help, double value);

  // A histogram from fixed upper bounds (seconds) and non-cumulative bucket counts
  // (counts.size() == bounds.size() + 1, the last being +Inf).
  void histogram(std::string_view name, std::string_view help, const std::vector<double>& bounds,
                 const std::vector<std::uint64_t>& counts, double sum, const Labels& labels = {});

  const std::string& text() const { return out_; }
  std::size_t skipped() const { return skipped_; }

  static bool validName(std::string_view name);
  static std::string escapeLabelValue(std::string_view v);
  static std::string formatValue(double v);

 private:
  std::string out_;
  std::string current_;
  std::vector<std::string> done_;
  bool current_ok_ = false;
  std::size_t skipped_ = 0;
};

// The Content-Type Prometheus expects for this format.
inline constexpr std::string_view kMetricsContentType = "text/plain; version=0.0.4; charset=utf-8";

}  // namespace uplinkprobe::collector::api
