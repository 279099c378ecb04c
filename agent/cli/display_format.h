// How every number a person reads is written: `test`, the commissioning receipt, `records`,
// `report` and `status` all format through these functions, so one rule holds everywhere.
//
// Contract:
// - Unknown is kUnknown ("—"), never 0: a value the record does not carry (null, missing,
//   not a number) is unknown, and a 0 the record does carry is printed as 0.
// - Adaptive precision, about three significant digits: 0.03 ms, 9.87 ms, 95.6 Mbps,
//   956.3 Mbps, 1.23 Gbps, 10.3 Gbps. The unit changes to Gbps when the rounded value would
//   reach 1000 Mbps, so "1000.0 Mbps" never appears.
// - A positive value too small to show is "<0.01", never "0.00".
// - Cell functions return numbers without unit for tables whose header names the unit; they
//   never exceed kCellWidth columns for any value the agent can measure (< 10^5 Mbps), so
//   columns stay aligned whatever the magnitude.
// - Widths are display columns (an em dash is one column, a CJK character two): displayWidth.
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace uplinkprobe::cli {

inline constexpr const char* kUnknown = "—";
inline constexpr int kCellWidth = 6;
inline constexpr int kMaxColumns = 80;

// The number at `key` of object `j` (path of keys), nullopt when absent, null or not a number.
std::optional<double> numberAt(const nlohmann::json& j, std::initializer_list<const char*> path);

// "0.03", "9.87", "95.6", "956.3", "10344" (≥ 1000: no decimals), whole numbers without
// decimals ("100"). Unknown → "—".
std::string formatNumber(std::optional<double> v);
// Rate with its unit: "95.6 Mbps", "1.23 Gbps", "—".
std::string formatRate(std::optional<double> mbps);
// Table cell in Mbps, right-aligned to kCellWidth: "  95.6", " 10344", "     —".
std::string rateCell(std::optional<double> mbps);
// Milliseconds: "0.03 ms", "12.4 ms", "1234 ms", "—".
std::string formatMs(std::optional<double> ms);
// Seconds of a measurement: "0.52 s", "10.1 s", "—".
std::string formatSeconds(std::optional<double> s);
// Bytes: "512 kB", "1.23 MB", "95.6 MB", "1.23 GB", "—".
std::string formatBytes(std::optional<double> bytes);
// Percent: "0.12 %", "99.95 %" (two decimals below 100, so 99.999 is not "100 %"), "—".
std::string formatPercent(std::optional<double> pct);
// A duration for people: "45 s", "12 min", "3 h 05 min", "2 d 4 h".
std::string formatDuration(double seconds);

// Display columns of a UTF-8 string (East Asian wide characters count two, combining marks
// and the ANSI escape sequences a TTY line may carry count zero).
int displayWidth(const std::string& utf8);

}  // namespace uplinkprobe::cli

namespace uplinkprobe::cli {

// `text` wrapped at spaces to kMaxColumns: the first line starts with `label` padded to
// `indent` columns (unpadded when pad_label is false: a hanging indent), continuation lines
// with `indent` spaces. A word longer than a line (a path, a URL) is kept whole on a line of
// its own, the one case that passes kMaxColumns. Every returned line ends with '\n'.
std::string wrapLine(const std::string& label, const std::string& text, int indent = 10,
                     bool pad_label = true);

}  // namespace uplinkprobe::cli

namespace uplinkprobe::cli {

// A message (an error naming a file, line and key) wrapped to kMaxColumns with continuation
// lines indented by two spaces; ends with '\n'.
std::string wrapMessage(const std::string& text);

}  // namespace uplinkprobe::cli
