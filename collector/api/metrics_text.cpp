#include "collector/api/metrics_text.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace uplinkprobe::collector::api {

namespace {
const char* typeName(MetricsText::Type t) {
  switch (t) {
    case MetricsText::Type::kCounter:
      return "counter";
    case MetricsText::Type::kGauge:
      return "gauge";
    case MetricsText::Type::kHistogram:
      return "histogram";
  }
  return "untyped";
}

std::string escapeHelp(std::string_view h) {
  std::string out;
  for (char c : h) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}
}  // namespace

bool MetricsText::validName(std::string_view name) {
  if (name.empty()) return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
    bool digit = c >= '0' && c <= '9';
    if (!(alpha || (i > 0 && digit))) return false;
  }
  return true;
}

std::string MetricsText::escapeLabelValue(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '"':
        out += "\\\"";
        break;
      case '\n':
        out += "\\n";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string MetricsText::formatValue(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (v == std::floor(v) && std::fabs(v) < 1e15) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.0f", v);
    return buf;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.9g", v);
  return buf;
}

void MetricsText::family(std::string_view name, Type type, std::string_view help) {
  if (name == current_) return;
  if (!validName(name) || std::find(done_.begin(), done_.end(), name) != done_.end()) {
    ++skipped_;
    current_ = std::string(name);
    current_ok_ = false;
    return;
  }
  if (!current_.empty() && current_ok_) done_.push_back(current_);
  current_ = std::string(name);
  current_ok_ = true;
  out_ += "# HELP ";
  out_ += name;
  out_ += ' ';
  out_ += escapeHelp(help);
  out_ += "\n# TYPE ";
  out_ += name;
  out_ += ' ';
  out_ += typeName(type);
  out_ += '\n';
}

void MetricsText::sample(double value, const Labels& labels, std::string_view suffix) {
  if (!current_ok_) {
    ++skipped_;
    return;
  }
  for (const auto& [k, v] : labels) {
    if (!validName(k) || k.rfind("__", 0) == 0) {
      ++skipped_;
      return;
    }
  }
  out_ += current_;
  out_ += suffix;
  if (!labels.empty()) {
    out_ += '{';
    bool first = true;
    for (const auto& [k, v] : labels) {
      if (!first) out_ += ',';
      first = false;
      out_ += k;
      out_ += "=\"";
      out_ += escapeLabelValue(v);
      out_ += '"';
    }
    out_ += '}';
  }
  out_ += ' ';
  out_ += formatValue(value);
  out_ += '\n';
}

void MetricsText::counter(std::string_view name, std::string_view help, double value) {
  family(name, Type::kCounter, help);
  sample(value);
}

void MetricsText::gauge(std::string_view name, std::string_view help, double value) {
  family(name, Type::kGauge, help);
  sample(value);
}

void MetricsText::histogram(std::string_view name, std::string_view help,
                            const std::vector<double>& bounds,
                            const std::vector<std::uint64_t>& counts, double sum,
                            const Labels& labels) {
  family(name, Type::kHistogram, help);
  if (counts.size() != bounds.size() + 1) {
    ++skipped_;
    return;
  }
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i <= bounds.size(); ++i) {
    cumulative += counts[i];
    Labels l = labels;
    l.emplace_back("le", i < bounds.size() ? formatValue(bounds[i]) : "+Inf");
    sample(static_cast<double>(cumulative), l, "_bucket");
  }
  sample(sum, labels, "_sum");
  sample(static_cast<double>(cumulative), labels, "_count");
}

}  // namespace uplinkprobe::collector::api
