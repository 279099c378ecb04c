// Query-string helpers for request targets ("ckSize=100&r=0.123", "by=county&limit=50").
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace uplinkprobe::http {

// Value of the first "name=value" pair whose name matches exactly (case-sensitive, as PHP's
// $_GET is); "name" without '=' yields an empty value. The value is returned raw (not
// percent-decoded); use percentDecode() or parseQuery() for text values.
std::optional<std::string_view> queryParam(std::string_view query, std::string_view name);

// application/x-www-form-urlencoded decoding: "%XX" -> byte, '+' -> space. nullopt when a
// '%' is not followed by two hex digits. The result may hold any bytes (callers validate).
std::optional<std::string> percentDecode(std::string_view text);

// Percent-encodes every byte except RFC 3986's unreserved characters (A-Z a-z 0-9 - _ . ~):
// safe in a path segment, a query value or a form field.
std::string percentEncode(std::string_view text);

struct QueryPair {
  std::string name;
  std::string value;
};

// Every pair, names and values percent-decoded, in order; empty pieces ("a=1&&b=2") are
// skipped. nullopt when any piece has a bad percent escape, or when there are more than
// max_pairs pairs (a bound on work per request).
std::optional<std::vector<QueryPair>> parseQuery(std::string_view query,
                                                 std::size_t max_pairs = 64);

}  // namespace uplinkprobe::http
