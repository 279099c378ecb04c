#include "record/schema_validator.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <locale>
#include <map>
#include <optional>
#include <regex>
#include <set>
#include <utility>

#include "record/embedded_files.h"
#include "record/simple_pattern.h"

namespace uplinkprobe::record {
namespace {

using nlohmann::json;

// ---------------------------------------------------------------------------------------------
// RFC 3986 URI references: parse (appendix B), resolve (5.2.2), recompose (5.3).
struct Uri {
  std::optional<std::string> scheme, authority, query, fragment;
  std::string path;
};

Uri parseUri(std::string_view s) {
  Uri u;
  std::size_t i = 0;
  std::size_t colon = s.find_first_of(":/?#");
  if (colon != std::string_view::npos && colon > 0 && s[colon] == ':') {
    u.scheme = std::string(s.substr(0, colon));
    i = colon + 1;
  }
  if (s.substr(i, 2) == "//") {
    std::size_t end = s.find_first_of("/?#", i + 2);
    if (end == std::string_view::npos) end = s.size();
    u.authority = std::string(s.substr(i + 2, end - i - 2));
    i = end;
  }
  std::size_t end = s.find_first_of("?#", i);
  if (end == std::string_view::npos) end = s.size();
  u.path = std::string(s.substr(i, end - i));
  i = end;
  if (i < s.size() && s[i] == '?') {
    end = s.find('#', i);
    if (end == std::string_view::npos) end = s.size();
    u.query = std::string(s.substr(i + 1, end - i - 1));
    i = end;
  }
  if (i < s.size() && s[i] == '#') u.fragment = std::string(s.substr(i + 1));
  return u;
}

std::string removeDotSegments(std::string in) {
  std::string out;
  while (!in.empty()) {
    if (in.rfind("../", 0) == 0) {
      in.erase(0, 3);
    } else if (in.rfind("./", 0) == 0) {
      in.erase(0, 2);
    } else if (in.rfind("/./", 0) == 0) {
      in.replace(0, 3, "/");
    } else if (in == "/.") {
      in = "/";
    } else if (in.rfind("/../", 0) == 0 || in == "/..") {
      in = in.size() == 3 ? std::string("/") : in.substr(3);
      std::size_t cut = out.rfind('/');
      out.erase(cut == std::string::npos ? 0 : cut);
    } else if (in == "." || in == "..") {
      in.clear();
    } else {
      std::size_t start = in[0] == '/' ? 1 : 0;
      std::size_t next = in.find('/', start);
      if (next == std::string::npos) next = in.size();
      out += in.substr(0, next);
      in.erase(0, next);
    }
  }
  return out;
}

std::string recompose(const Uri& u) {
  std::string s;
  if (u.scheme) s += *u.scheme + ":";
  if (u.authority) s += "//" + *u.authority;
  s += u.path;
  if (u.query) s += "?" + *u.query;
  if (u.fragment) s += "#" + *u.fragment;
  return s;
}

std::string resolveUri(const std::string& base_text, const std::string& ref_text) {
  Uri base = parseUri(base_text);
  Uri r = parseUri(ref_text);
  Uri t;
  if (r.scheme) {
    t = r;
    t.path = removeDotSegments(r.path);
  } else {
    if (r.authority) {
      t.authority = r.authority;
      t.path = removeDotSegments(r.path);
      t.query = r.query;
    } else {
      if (r.path.empty()) {
        t.path = base.path;
        t.query = r.query ? r.query : base.query;
      } else {
        if (r.path[0] == '/') {
          t.path = removeDotSegments(r.path);
        } else {
          std::string merged;
          if (base.authority && base.path.empty()) {
            merged = "/" + r.path;
          } else {
            std::size_t slash = base.path.rfind('/');
            merged = (slash == std::string::npos ? std::string() : base.path.substr(0, slash + 1)) +
                     r.path;
          }
          t.path = removeDotSegments(merged);
        }
        t.query = r.query;
      }
      t.authority = base.authority;
    }
    t.scheme = base.scheme;
  }
  t.fragment = r.fragment;
  return recompose(t);
}

std::pair<std::string, std::string> splitFragment(const std::string& uri) {
  std::size_t hash = uri.find('#');
  if (hash == std::string::npos) return {uri, ""};
  return {uri.substr(0, hash), uri.substr(hash + 1)};
}

std::string percentDecode(const std::string& s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      out += static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

std::string escapePointerToken(const std::string& t) {
  std::string out;
  for (char c : t) {
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else {
      out += c;
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// UTF-8 helpers. nlohmann's parser rejects invalid UTF-8, but a json built in code may hold
// anything: invalid bytes decode as U+FFFD, one code point each.
std::size_t codePointCount(const std::string& s) {
  std::size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

void decodeUtf8(const std::string& s, std::wstring& out) {
  out.clear();
  std::size_t i = 0;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    std::uint32_t cp;
    int len;
    if (c < 0x80) {
      cp = c, len = 1;
    } else if ((c & 0xE0) == 0xC0) {
      cp = c & 0x1F, len = 2;
    } else if ((c & 0xF0) == 0xE0) {
      cp = c & 0x0F, len = 3;
    } else if ((c & 0xF8) == 0xF0) {
      cp = c & 0x07, len = 4;
    } else {
      out += L'\uFFFD';
      ++i;
      continue;
    }
    if (i + len > s.size()) {
      out += L'\uFFFD';
      ++i;
      continue;
    }
    bool good = true;
    for (int k = 1; k < len; ++k) {
      unsigned char cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) {
        good = false;
        break;
      }
      cp = (cp << 6) | (cc & 0x3F);
    }
    if (!good) {
      out += L'\uFFFD';
      ++i;
      continue;
    }
    out += static_cast<wchar_t>(cp);
    i += len;
  }
}

// ---------------------------------------------------------------------------------------------
// Numbers: JSON integers (int64 or uint64) and doubles compare exactly, without a wider
// floating type. (An x86-64 long double holds them all, but on 32-bit ARM long double is a
// double: 2^53 + 1 compared equal to 2^53 and 2^64 - 1 to 2^64.) Parsed JSON holds no NaN.
struct ExactInt {
  bool negative = false;
  std::uint64_t magnitude = 0;
};

int compareExact(ExactInt a, ExactInt b) {
  if (a.negative != b.negative) return a.negative ? -1 : 1;
  int c = a.magnitude < b.magnitude ? -1 : a.magnitude > b.magnitude ? 1 : 0;
  return a.negative ? -c : c;
}

ExactInt exactInt(const json& j) {
  if (j.is_number_unsigned()) return {false, j.get<std::uint64_t>()};
  const std::int64_t v = j.get<std::int64_t>();
  // 0 - v in uint64 is |v|, also for INT64_MIN.
  return v < 0 ? ExactInt{true, std::uint64_t{0} - static_cast<std::uint64_t>(v)}
               : ExactInt{false, static_cast<std::uint64_t>(v)};
}

// Sign of (i - d).
int compareIntDouble(ExactInt i, double d) {
  if (d >= 18446744073709551616.0) return -1;  // 2^64: above every uint64
  if (d < -9223372036854775808.0) return 1;    // below -2^63, every int64
  const double whole = std::trunc(d);          // now in [-2^63, 2^64): exact as an integer
  const ExactInt w = whole < 0 ? ExactInt{true, static_cast<std::uint64_t>(-whole)}
                               : ExactInt{false, static_cast<std::uint64_t>(whole)};
  if (int c = compareExact(i, w); c != 0) return c;
  const double fraction = d - whole;  // exact
  return fraction > 0 ? -1 : fraction < 0 ? 1 : 0;
}

// Sign of (a - b) for two JSON numbers.
int compareNumbers(const json& a, const json& b) {
  const bool af = a.is_number_float(), bf = b.is_number_float();
  if (af && bf) {
    const double x = a.get<double>(), y = b.get<double>();
    return x < y ? -1 : x > y ? 1 : 0;
  }
  if (af) return -compareIntDouble(exactInt(b), a.get<double>());
  if (bf) return compareIntDouble(exactInt(a), b.get<double>());
  return compareExact(exactInt(a), exactInt(b));
}

bool isInteger(const json& j) {
  if (j.is_number_integer()) return true;  // includes unsigned
  if (!j.is_number_float()) return false;
  double d = j.get<double>();
  return std::isfinite(d) && std::trunc(d) == d;
}

bool jsonEqual(const json& a, const json& b) {
  if (a.is_number() && b.is_number()) return compareNumbers(a, b) == 0;
  if (a.type() != b.type()) return false;
  switch (a.type()) {
    case json::value_t::array: {
      if (a.size() != b.size()) return false;
      for (std::size_t i = 0; i < a.size(); ++i) {
        if (!jsonEqual(a[i], b[i])) return false;
      }
      return true;
    }
    case json::value_t::object: {
      if (a.size() != b.size()) return false;
      for (auto it = a.begin(); it != a.end(); ++it) {
        auto other = b.find(it.key());
        if (other == b.end() || !jsonEqual(*it, *other)) return false;
      }
      return true;
    }
    default:
      return a == b;
  }
}

std::string shortJson(const json& j) {
  std::string s = j.dump(-1, ' ', false, json::error_handler_t::replace);
  if (s.size() > 60) s = s.substr(0, 57) + "...";
  return s;
}

std::string numText(const json& v) {
  if (!v.is_number_float()) return v.dump();  // integers exactly
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", v.get<double>());
  return buf;
}

// ---------------------------------------------------------------------------------------------
enum TypeBit : unsigned {
  kNull = 1,
  kBoolean = 2,
  kObject = 4,
  kArray = 8,
  kNumber = 16,
  kString = 32,
  kInteger = 64,
};

std::optional<unsigned> typeBit(const std::string& name) {
  static const std::map<std::string, unsigned> kTypes = {
      {"null", kNull},     {"boolean", kBoolean}, {"object", kObject},  {"array", kArray},
      {"number", kNumber}, {"string", kString},   {"integer", kInteger}};
  auto it = kTypes.find(name);
  if (it == kTypes.end()) return std::nullopt;
  return it->second;
}

const char* instanceTypeName(const json& j) {
  switch (j.type()) {
    case json::value_t::null:
      return "null";
    case json::value_t::boolean:
      return "boolean";
    case json::value_t::object:
      return "object";
    case json::value_t::array:
      return "array";
    case json::value_t::string:
      return "string";
    default:
      return isInteger(j) ? "integer" : "number";
  }
}

std::string typeMaskText(unsigned mask) {
  static const std::pair<unsigned, const char*> kNames[] = {
      {kNull, "null"},     {kBoolean, "boolean"}, {kObject, "object"},  {kArray, "array"},
      {kNumber, "number"}, {kString, "string"},   {kInteger, "integer"}};
  std::string s;
  for (const auto& [bit, name] : kNames) {
    if (mask & bit) s += (s.empty() ? "" : " or ") + std::string(name);
  }
  return s;
}

bool typeMatches(unsigned mask, const json& j) {
  switch (j.type()) {
    case json::value_t::null:
      return mask & kNull;
    case json::value_t::boolean:
      return mask & kBoolean;
    case json::value_t::object:
      return mask & kObject;
    case json::value_t::array:
      return mask & kArray;
    case json::value_t::string:
      return mask & kString;
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
    case json::value_t::number_float:
      return (mask & kNumber) || ((mask & kInteger) && isInteger(j));
    default:
      return false;
  }
}

// Refuses a repeated group that itself contains an unbounded quantifier ((a+)+, (a*b)*,
// (x+){2,}): the classic exponential-backtracking shape for a backtracking engine like
// std::regex. Conservative on purpose; the schema authors need nothing of the kind.
bool hasNestedUnboundedQuantifier(const std::wstring& p) {
  std::vector<bool> frames{false};  // per open group: contains an unbounded quantifier
  bool last_group_unbounded = false;
  std::size_t i = 0;
  while (i < p.size()) {
    wchar_t c = p[i];
    bool atom_is_group = false;
    if (c == L'\\') {
      i += 2;
    } else if (c == L'[') {
      ++i;
      if (i < p.size() && p[i] == L'^') ++i;
      while (i < p.size() && p[i] != L']') i += p[i] == L'\\' ? 2 : 1;
      ++i;
    } else if (c == L'(') {
      frames.push_back(false);
      ++i;
      continue;
    } else if (c == L')') {
      last_group_unbounded = frames.back();
      if (frames.size() > 1) {
        frames.pop_back();
        frames.back() = frames.back() || last_group_unbounded;
      }
      atom_is_group = true;
      ++i;
    } else {
      ++i;
    }
    // Quantifier after the atom?
    if (i >= p.size()) break;
    bool repeats = false, unbounded = false;
    if (p[i] == L'*' || p[i] == L'+') {
      repeats = unbounded = true;
      ++i;
    } else if (p[i] == L'?') {
      ++i;
    } else if (p[i] == L'{') {
      std::size_t close = p.find(L'}', i);
      if (close != std::wstring::npos) {
        std::wstring body = p.substr(i + 1, close - i - 1);
        std::size_t comma = body.find(L',');
        if (comma == std::wstring::npos) {
          repeats = !body.empty() && std::wcstol(body.c_str(), nullptr, 10) > 1;
        } else {
          std::wstring hi = body.substr(comma + 1);
          unbounded = hi.empty();
          repeats = unbounded || std::wcstol(hi.c_str(), nullptr, 10) > 1;
        }
        i = close + 1;
      }
    } else {
      continue;
    }
    if (i < p.size() && p[i] == L'?') ++i;  // lazy
    if (atom_is_group && repeats && last_group_unbounded) return true;
    if (unbounded) frames.back() = true;
  }
  return false;
}

struct Pattern {
  std::string source;
  std::wregex re;
  // The same pattern as a deterministic matcher on the UTF-8 bytes when it is simple enough
  // (record/simple_pattern.h): every pattern the record schemas use. The regex stays the
  // reference and serves every other pattern.
  std::optional<SimplePattern> simple;
};

struct Node {
  enum class Form { kTrue, kFalse, kObject } form = Form::kObject;
  unsigned types = 0;
  std::vector<std::pair<std::string, const Node*>> properties;  // sorted by name
  std::vector<std::string> required;
  const Node* additional = nullptr;
  const Node* items = nullptr;
  bool has_enum = false;
  std::vector<json> enum_values;
  std::optional<json> const_value;
  std::optional<json> minimum, maximum, exclusive_minimum, exclusive_maximum;  // numbers
  std::optional<std::uint64_t> min_length, max_length, min_items, max_items;
  std::unique_ptr<Pattern> pattern;
  std::vector<const Node*> all_of, any_of, one_of;
  const Node* not_schema = nullptr;
  const Node* ref = nullptr;
  std::string ref_text;
};

struct LoadError {
  std::string message;
};

// ---------------------------------------------------------------------------------------------
// Instance path frames live on the evaluation stack; the JSON Pointer text is only built when
// an error is reported.
struct PathFrame {
  const PathFrame* parent;
  const std::string* key;
  std::size_t index;
};

std::string pointerText(const PathFrame* f) {
  std::vector<const PathFrame*> chain;
  for (; f; f = f->parent) chain.push_back(f);
  std::string s;
  for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
    s += '/';
    s += (*it)->key ? escapePointerToken(*(*it)->key) : std::to_string((*it)->index);
  }
  return s;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
struct SchemaSet::Impl {
  struct Doc {
    std::string name;
    std::string retrieval_uri;
    json root;
  };
  struct PendingRef {
    Node* node;
    std::string base;
    std::size_t doc;
    std::string ptr;
  };

  SchemaLimits limits;
  std::deque<Node> nodes;
  std::vector<Doc> docs;
  // Absolute URI (no fragment) -> (document index, JSON Pointer of the resource root).
  std::map<std::string, std::pair<std::size_t, std::string>> resources;
  std::map<std::pair<std::size_t, std::string>, const Node*> compiled;
  std::map<std::string, const Node*, std::less<>> roots;
  std::vector<PendingRef> pending;

  // ---- loading ----
  [[noreturn]] void fail(std::size_t doc, const std::string& ptr, const std::string& what) {
    throw LoadError{docs[doc].name + "#" + ptr + ": " + what};
  }

  const Node* compile(std::size_t doc, const std::string& ptr, const json& s, std::string base);
  void resolvePending();
  std::uint64_t nonNegativeInt(std::size_t doc, const std::string& ptr, const json& v,
                               const char* kw);

  // ---- evaluation ----
  struct Ctx {
    std::vector<SchemaError>* errors;  // nullptr: quiet (only the verdict matters)
    std::size_t max_errors;
  };
  bool eval(const Node* n, const json& inst, const PathFrame* path, int depth, Ctx& ctx) const;
  bool explainAlternatives(const std::vector<const Node*>& alternatives, const json& inst,
                           const PathFrame* path, int depth, Ctx& ctx) const;
  // The message is only built when errors are collected: quiet evaluation (anyOf, oneOf,
  // not branches) must not allocate on the way to its verdict.
  template <typename MakeMessage>
  void report(Ctx& ctx, const PathFrame* path, const char* keyword, MakeMessage&& make) const {
    if (!ctx.errors || ctx.errors->size() >= ctx.max_errors) return;
    ctx.errors->push_back(SchemaError{pointerText(path), keyword, std::string(make())});
  }
};

std::uint64_t SchemaSet::Impl::nonNegativeInt(std::size_t doc, const std::string& ptr,
                                              const json& v, const char* kw) {
  if (!v.is_number() || !isInteger(v) || compareNumbers(v, json(0)) < 0 ||
      compareNumbers(v, json(1e18)) > 0) {
    fail(doc, ptr, std::string(kw) + " must be a non-negative integer");
  }
  // An integral double up to 1e18 converts exactly.
  return v.is_number_float() ? static_cast<std::uint64_t>(v.get<double>()) : v.get<std::uint64_t>();
}

const Node* SchemaSet::Impl::compile(std::size_t doc, const std::string& ptr, const json& s,
                                     std::string base) {
  if (auto it = compiled.find({doc, ptr}); it != compiled.end()) return it->second;
  Node& n = nodes.emplace_back();
  compiled[{doc, ptr}] = &n;
  if (s.is_boolean()) {
    n.form = s.get<bool>() ? Node::Form::kTrue : Node::Form::kFalse;
    return &n;
  }
  if (!s.is_object()) fail(doc, ptr, "a schema must be an object or a boolean");

  // $id first: it sets the base URI every other keyword of this schema resolves against.
  if (auto id = s.find("$id"); id != s.end()) {
    if (!id->is_string()) fail(doc, ptr, "$id must be a string");
    std::string target = resolveUri(base, id->get<std::string>());
    auto [abs, frag] = splitFragment(target);
    if (!frag.empty()) fail(doc, ptr, "$id must not have a fragment (anchors are not supported)");
    base = abs;
    auto [it, inserted] = resources.emplace(abs, std::make_pair(doc, ptr));
    if (!inserted && it->second != std::make_pair(doc, ptr)) {
      fail(doc, ptr, "$id \"" + abs + "\" is already used by another schema");
    }
  }

  auto sub = [&](const std::string& token, const json& v) {
    return compile(doc, ptr + "/" + escapePointerToken(token), v, base);
  };
  auto subList = [&](const std::string& kw, const json& v) {
    if (!v.is_array() || v.empty()) fail(doc, ptr, kw + " must be a non-empty array of schemas");
    std::vector<const Node*> out;
    for (std::size_t i = 0; i < v.size(); ++i) {
      out.push_back(compile(doc, ptr + "/" + kw + "/" + std::to_string(i), v[i], base));
    }
    return out;
  };
  auto number = [&](const std::string& kw, const json& v) {
    if (!v.is_number()) fail(doc, ptr, kw + " must be a number");
    return v;
  };

  for (auto it = s.begin(); it != s.end(); ++it) {
    const std::string& kw = it.key();
    const json& v = it.value();
    if (kw == "$id") {
      continue;
    } else if (kw == "$schema") {
      if (!v.is_string()) fail(doc, ptr, "$schema must be a string");
      std::string uri = v.get<std::string>();
      if (uri != "https://json-schema.org/draft/2020-12/schema" &&
          uri != "https://json-schema.org/draft/2020-12/schema#") {
        fail(doc, ptr, "$schema \"" + uri + "\": only draft 2020-12 is supported");
      }
    } else if (kw == "title" || kw == "description" || kw == "$comment") {
      if (!v.is_string()) fail(doc, ptr, kw + " must be a string");
    } else if (kw == "examples") {
      if (!v.is_array()) fail(doc, ptr, "examples must be an array");
    } else if (kw == "$defs") {
      if (!v.is_object()) fail(doc, ptr, "$defs must be an object");
      for (auto d = v.begin(); d != v.end(); ++d) {
        compile(doc, ptr + "/$defs/" + escapePointerToken(d.key()), d.value(), base);
      }
    } else if (kw == "type") {
      auto add = [&](const json& t) {
        if (!t.is_string()) fail(doc, ptr, "type must be a string or an array of strings");
        auto bit = typeBit(t.get<std::string>());
        if (!bit) fail(doc, ptr, "unknown type \"" + t.get<std::string>() + "\"");
        if (n.types & *bit) fail(doc, ptr, "type lists \"" + t.get<std::string>() + "\" twice");
        n.types |= *bit;
      };
      if (v.is_array()) {
        if (v.empty()) fail(doc, ptr, "type must not be an empty array");
        for (const auto& t : v) add(t);
      } else {
        add(v);
      }
    } else if (kw == "properties") {
      if (!v.is_object()) fail(doc, ptr, "properties must be an object");
      for (auto p = v.begin(); p != v.end(); ++p) {
        n.properties.emplace_back(
            p.key(),
            compile(doc, ptr + "/properties/" + escapePointerToken(p.key()), p.value(), base));
      }
      // nlohmann's object is a std::map: already sorted by key.
    } else if (kw == "required") {
      if (!v.is_array()) fail(doc, ptr, "required must be an array of strings");
      std::set<std::string> seen;
      for (const auto& r : v) {
        if (!r.is_string()) fail(doc, ptr, "required must be an array of strings");
        if (!seen.insert(r.get<std::string>()).second) {
          fail(doc, ptr, "required lists \"" + r.get<std::string>() + "\" twice");
        }
        n.required.push_back(r.get<std::string>());
      }
    } else if (kw == "additionalProperties") {
      n.additional = sub(kw, v);
    } else if (kw == "items") {
      if (v.is_array()) fail(doc, ptr, "items must be a schema (the array form is prefixItems)");
      n.items = sub(kw, v);
    } else if (kw == "not") {
      n.not_schema = sub(kw, v);
    } else if (kw == "allOf") {
      n.all_of = subList(kw, v);
    } else if (kw == "anyOf") {
      n.any_of = subList(kw, v);
    } else if (kw == "oneOf") {
      n.one_of = subList(kw, v);
    } else if (kw == "enum") {
      if (!v.is_array()) fail(doc, ptr, "enum must be an array");
      n.has_enum = true;
      n.enum_values.assign(v.begin(), v.end());
    } else if (kw == "const") {
      n.const_value = v;
    } else if (kw == "minimum") {
      n.minimum = number(kw, v);
    } else if (kw == "maximum") {
      n.maximum = number(kw, v);
    } else if (kw == "exclusiveMinimum") {
      n.exclusive_minimum = number(kw, v);
    } else if (kw == "exclusiveMaximum") {
      n.exclusive_maximum = number(kw, v);
    } else if (kw == "minLength") {
      n.min_length = nonNegativeInt(doc, ptr, v, "minLength");
    } else if (kw == "maxLength") {
      n.max_length = nonNegativeInt(doc, ptr, v, "maxLength");
    } else if (kw == "minItems") {
      n.min_items = nonNegativeInt(doc, ptr, v, "minItems");
    } else if (kw == "maxItems") {
      n.max_items = nonNegativeInt(doc, ptr, v, "maxItems");
    } else if (kw == "pattern") {
      if (!v.is_string()) fail(doc, ptr, "pattern must be a string");
      auto p = std::make_unique<Pattern>();
      p->source = v.get<std::string>();
      std::wstring wide;
      decodeUtf8(p->source, wide);
      if (p->source.find("\\p{") != std::string::npos ||
          p->source.find("\\P{") != std::string::npos) {
        fail(doc, ptr,
             "pattern \"" + p->source +
                 "\": Unicode property escapes (\\p{...}) are not supported (std::regex has no "
                 "ECMAScript u flag)");
      }
      if (hasNestedUnboundedQuantifier(wide)) {
        fail(doc, ptr,
             "pattern \"" + p->source +
                 "\" repeats a group that contains an unbounded quantifier (catastrophic "
                 "backtracking); rewrite it");
      }
      try {
        p->re.imbue(std::locale::classic());  // \d \w \s are ASCII, as in ECMAScript
        p->re.assign(wide, std::regex_constants::ECMAScript);
      } catch (const std::regex_error& e) {
        fail(doc, ptr,
             "pattern \"" + p->source + "\" is not a supported ECMAScript regex: " + e.what());
      }
      p->simple = SimplePattern::compile(p->source);
      n.pattern = std::move(p);
    } else if (kw == "$ref") {
      if (!v.is_string()) fail(doc, ptr, "$ref must be a string");
      n.ref_text = v.get<std::string>();
      pending.push_back(PendingRef{&n, base, doc, ptr});
    } else {
      fail(doc, ptr,
           "unsupported keyword \"" + kw + "\"" + (kw == "definitions" ? " (use $defs)" : "") +
               " (the collector's validator supports only the subset in "
               "record/schema_validator.h)");
    }
  }
  return &n;
}

void SchemaSet::Impl::resolvePending() {
  while (!pending.empty()) {
    PendingRef pr = pending.back();
    pending.pop_back();
    std::size_t from_doc = pr.doc;
    const std::string& from_ptr = pr.ptr;
    std::string target = resolveUri(pr.base, pr.node->ref_text);
    auto [abs, frag] = splitFragment(target);
    auto res = resources.find(abs);
    if (res == resources.end()) {
      fail(from_doc, from_ptr,
           "$ref \"" + pr.node->ref_text + "\" -> \"" + abs + "\": no such schema in the set");
    }
    std::string fragment = percentDecode(frag);
    if (!fragment.empty() && fragment[0] != '/') {
      fail(from_doc, from_ptr,
           "$ref \"" + pr.node->ref_text + "\": anchors are not supported (use #/$defs/...)");
    }
    auto [doc, root_ptr] = res->second;
    std::string full = root_ptr + fragment;
    if (auto c = compiled.find({doc, full}); c != compiled.end()) {
      pr.node->ref = c->second;
      continue;
    }
    // A pointer to a location that is not a schema position of its document: compile it now.
    const json* target_json = nullptr;
    try {
      target_json = &docs[doc].root.at(json::json_pointer(full));
    } catch (const json::exception&) {
      fail(from_doc, from_ptr, "$ref \"" + pr.node->ref_text + "\": no such location");
    }
    pr.node->ref = compile(doc, full, *target_json, abs);
  }
}

// When none of anyOf/oneOf's alternatives matched and exactly one of them admits the
// instance's JSON type ({"anyOf": [{"type": "null"}, {"type": "object", ...}]} with an
// object), that alternative's own errors are the useful ones ("/download/bytes: expected
// integer"), not "matches none of the 2 alternatives". Returns whether it reported them.
bool SchemaSet::Impl::explainAlternatives(const std::vector<const Node*>& alternatives,
                                          const json& inst, const PathFrame* path, int depth,
                                          Ctx& ctx) const {
  if (!ctx.errors) return false;
  const Node* candidate = nullptr;
  for (const Node* a : alternatives) {
    const Node* t = a;
    if (t->form == Node::Form::kObject && t->types == 0 && t->ref) t = t->ref;  // {"$ref": …}
    if (t->form == Node::Form::kFalse) continue;
    if (t->form == Node::Form::kObject && t->types != 0 && !typeMatches(t->types, inst)) continue;
    if (candidate) return false;
    candidate = a;
  }
  if (!candidate) return false;
  std::size_t before = ctx.errors->size();
  eval(candidate, inst, path, depth + 1, ctx);
  return ctx.errors->size() > before;
}

bool SchemaSet::Impl::eval(const Node* n, const json& inst, const PathFrame* path, int depth,
                           Ctx& ctx) const {
  if (n->form == Node::Form::kTrue) return true;
  if (n->form == Node::Form::kFalse) {
    report(ctx, path, "false", [&] { return "no value is allowed here"; });
    return false;
  }
  if (depth > limits.max_depth) {
    report(ctx, path, "$ref", [&] {
      return "schema evaluation nested deeper than " + std::to_string(limits.max_depth) +
             " (recursive $ref?)";
    });
    return false;
  }
  bool ok = true;
  auto failed = [&]() {
    ok = false;
    return ctx.errors == nullptr;  // quiet mode: the first failure decides
  };

  if (n->types && !typeMatches(n->types, inst)) {
    report(ctx, path, "type", [&] {
      return "expected " + typeMaskText(n->types) + ", got " + instanceTypeName(inst);
    });
    if (failed()) return false;
  }
  if (n->ref) {
    if (!eval(n->ref, inst, path, depth + 1, ctx) && failed()) return false;
  }
  if (n->const_value && !jsonEqual(inst, *n->const_value)) {
    report(ctx, path, "const", [&] { return "must be " + shortJson(*n->const_value); });
    if (failed()) return false;
  }
  if (n->has_enum) {
    bool found = false;
    for (const auto& e : n->enum_values) {
      if (jsonEqual(inst, e)) {
        found = true;
        break;
      }
    }
    if (!found) {
      report(ctx, path, "enum", [&] {
        std::string list;
        for (const auto& e : n->enum_values) list += (list.empty() ? "" : ", ") + shortJson(e);
        return shortJson(inst) + " is not one of " + list;
      });
      if (failed()) return false;
    }
  }

  if (inst.is_number()) {
    const json& v = inst;
    if (n->minimum && compareNumbers(v, *n->minimum) < 0) {
      report(ctx, path, "minimum",
             [&] { return numText(v) + " is less than " + numText(*n->minimum); });
      if (failed()) return false;
    }
    if (n->maximum && compareNumbers(v, *n->maximum) > 0) {
      report(ctx, path, "maximum",
             [&] { return numText(v) + " is greater than " + numText(*n->maximum); });
      if (failed()) return false;
    }
    if (n->exclusive_minimum && compareNumbers(v, *n->exclusive_minimum) <= 0) {
      report(ctx, path, "exclusiveMinimum", [&] {
        return numText(v) + " must be greater than " + numText(*n->exclusive_minimum);
      });
      if (failed()) return false;
    }
    if (n->exclusive_maximum && compareNumbers(v, *n->exclusive_maximum) >= 0) {
      report(ctx, path, "exclusiveMaximum",
             [&] { return numText(v) + " must be less than " + numText(*n->exclusive_maximum); });
      if (failed()) return false;
    }
  } else if (inst.is_string()) {
    const std::string& str = inst.get_ref<const std::string&>();
    if (n->min_length || n->max_length) {
      std::size_t len = codePointCount(str);
      if (n->min_length && len < *n->min_length) {
        report(ctx, path, "minLength",
               [&] { return "shorter than " + std::to_string(*n->min_length) + " characters"; });
        if (failed()) return false;
      }
      if (n->max_length && len > *n->max_length) {
        report(ctx, path, "maxLength",
               [&] { return "longer than " + std::to_string(*n->max_length) + " characters"; });
        if (failed()) return false;
      }
    }
    if (n->pattern) {
      bool matched = false;
      if (codePointCount(str) > limits.max_pattern_subject) {
        report(ctx, path, "pattern", [&] {
          return "longer than " + std::to_string(limits.max_pattern_subject) +
                 " characters: not matched against " + n->pattern->source;
        });
        if (failed()) return false;
      } else if (n->pattern->simple) {
        matched = n->pattern->simple->matches(str);
        if (!matched) {
          report(ctx, path, "pattern", [&] { return "does not match " + n->pattern->source; });
          if (failed()) return false;
        }
      } else {
        thread_local std::wstring wide;
        decodeUtf8(str, wide);
        try {
          matched = std::regex_search(wide, n->pattern->re);
        } catch (const std::regex_error&) {
          matched = false;
        }
        if (!matched) {
          report(ctx, path, "pattern", [&] { return "does not match " + n->pattern->source; });
          if (failed()) return false;
        }
      }
    }
  } else if (inst.is_object()) {
    for (const auto& req : n->required) {
      if (!inst.contains(req)) {
        report(ctx, path, "required", [&] { return "missing required property \"" + req + "\""; });
        if (failed()) return false;
      }
    }
    if (!n->properties.empty() || n->additional) {
      for (auto it = inst.begin(); it != inst.end(); ++it) {
        const std::string& key = it.key();
        auto p = std::lower_bound(n->properties.begin(), n->properties.end(), key,
                                  [](const auto& e, const std::string& k) { return e.first < k; });
        PathFrame frame{path, &key, 0};
        if (p != n->properties.end() && p->first == key) {
          if (!eval(p->second, it.value(), &frame, depth + 1, ctx) && failed()) return false;
        } else if (n->additional) {
          if (n->additional->form == Node::Form::kFalse) {
            report(ctx, &frame, "additionalProperties", [&] { return "property not allowed"; });
            if (failed()) return false;
          } else if (!eval(n->additional, it.value(), &frame, depth + 1, ctx) && failed()) {
            return false;
          }
        }
      }
    }
  } else if (inst.is_array()) {
    if (n->min_items && inst.size() < *n->min_items) {
      report(ctx, path, "minItems",
             [&] { return "fewer than " + std::to_string(*n->min_items) + " items"; });
      if (failed()) return false;
    }
    if (n->max_items && inst.size() > *n->max_items) {
      report(ctx, path, "maxItems",
             [&] { return "more than " + std::to_string(*n->max_items) + " items"; });
      if (failed()) return false;
    }
    if (n->items) {
      for (std::size_t i = 0; i < inst.size(); ++i) {
        PathFrame frame{path, nullptr, i};
        if (!eval(n->items, inst[i], &frame, depth + 1, ctx) && failed()) return false;
      }
    }
  }

  for (const Node* s : n->all_of) {
    if (!eval(s, inst, path, depth + 1, ctx) && failed()) return false;
  }
  if (!n->any_of.empty()) {
    Ctx quiet{nullptr, 0};
    bool any = false;
    for (const Node* s : n->any_of) {
      if (eval(s, inst, path, depth + 1, quiet)) {
        any = true;
        break;
      }
    }
    if (!any) {
      if (!explainAlternatives(n->any_of, inst, path, depth, ctx)) {
        report(ctx, path, "anyOf", [&] {
          return "matches none of the " + std::to_string(n->any_of.size()) + " alternatives";
        });
      }
      if (failed()) return false;
    }
  }
  if (!n->one_of.empty()) {
    Ctx quiet{nullptr, 0};
    std::size_t matches = 0;
    for (const Node* s : n->one_of) {
      if (eval(s, inst, path, depth + 1, quiet) && ++matches > 1) break;
    }
    if (matches != 1 && !(matches == 0 && explainAlternatives(n->one_of, inst, path, depth, ctx))) {
      report(ctx, path, "oneOf", [&] {
        return matches == 0
                   ? "matches none of the " + std::to_string(n->one_of.size()) + " alternatives"
                   : std::string("matches more than one alternative");
      });
      if (failed()) return false;
    }
  }
  if (n->not_schema) {
    Ctx quiet{nullptr, 0};
    if (eval(n->not_schema, inst, path, depth + 1, quiet)) {
      report(ctx, path, "not", [&] { return "must not match the schema under \"not\""; });
      if (failed()) return false;
    }
  }
  return ok;
}

// ---------------------------------------------------------------------------------------------
std::string SchemaError::toString() const {
  return (instance_path.empty() ? std::string("/") : instance_path) + ": " + message + " (" +
         keyword + ")";
}

std::string ValidationResult::message() const {
  std::string s;
  for (const auto& e : errors) s += (s.empty() ? "" : "; ") + e.toString();
  return s;
}

SchemaSet::SchemaSet(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SchemaSet::SchemaSet(SchemaSet&&) noexcept = default;
SchemaSet& SchemaSet::operator=(SchemaSet&&) noexcept = default;
SchemaSet::~SchemaSet() = default;

Result<SchemaSet> SchemaSet::load(const std::vector<Document>& documents, SchemaLimits limits) {
  auto impl = std::make_unique<Impl>();
  impl->limits = limits;
  for (const auto& d : documents) {
    if (d.name.empty() || d.name.find_first_of("/#?%\\") != std::string::npos) {
      return makeError(ErrorKind::kSchema, "bad schema document name \"" + d.name + "\"");
    }
    json root = json::parse(d.text, nullptr, false);
    if (root.is_discarded()) return makeError(ErrorKind::kSchema, d.name + ": not valid JSON");
    if (impl->roots.count(d.name)) return makeError(ErrorKind::kSchema, d.name + ": loaded twice");
    impl->docs.push_back({d.name, "file:///schema/" + d.name, std::move(root)});
    impl->roots[d.name] = nullptr;
  }
  try {
    for (std::size_t i = 0; i < impl->docs.size(); ++i) {
      auto& doc = impl->docs[i];
      auto [it, inserted] = impl->resources.emplace(doc.retrieval_uri, std::make_pair(i, ""));
      if (!inserted) impl->fail(i, "", "retrieval URI " + doc.retrieval_uri + " clashes with $id");
    }
    for (std::size_t i = 0; i < impl->docs.size(); ++i) {
      auto& doc = impl->docs[i];
      impl->roots[doc.name] = impl->compile(i, "", doc.root, doc.retrieval_uri);
    }
    impl->resolvePending();
  } catch (const LoadError& e) {
    return makeError(ErrorKind::kSchema, e.message);
  }
  return SchemaSet(std::move(impl));
}

const SchemaSet& SchemaSet::embedded() {
  static const SchemaSet* set = [] {
    std::vector<Document> docs;
    for (std::size_t i = 0; i < detail::kEmbeddedSchemaCount; ++i) {
      const auto& f = detail::kEmbeddedSchemas[i];
      docs.push_back({f.name, std::string(reinterpret_cast<const char*>(f.data), f.size)});
    }
    auto loaded = load(docs);
    if (!loaded.ok()) {
      std::fprintf(stderr, "uplinkprobe: embedded schemas do not load: %s\n",
                   loaded.error().message.c_str());
      std::abort();
    }
    return new SchemaSet(std::move(loaded).value());
  }();
  return *set;
}

ValidationResult SchemaSet::validateDocument(std::string_view name, const json& instance) const {
  ValidationResult result;
  auto it = impl_->roots.find(name);
  if (it == impl_->roots.end()) {
    result.errors.push_back({"", "kind", "no schema \"" + std::string(name) + "\""});
    return result;
  }
  Impl::Ctx ctx{&result.errors, std::max<std::size_t>(1, impl_->limits.max_errors)};
  impl_->eval(it->second, instance, nullptr, 0, ctx);
  return result;
}

ValidationResult SchemaSet::validate(std::string_view kind, const json& record) const {
  std::string name(kind);
  if (name.empty() || name.find_first_of("/.#?\\") != std::string::npos) {
    ValidationResult result;
    result.errors.push_back({"", "kind", "unknown record kind \"" + name + "\""});
    return result;
  }
  name += ".json";
  if (!contains(name)) {
    ValidationResult result;
    result.errors.push_back({"", "kind", "unknown record kind \"" + std::string(kind) + "\""});
    return result;
  }
  return validateDocument(name, record);
}

bool SchemaSet::contains(std::string_view name) const {
  return impl_->roots.find(name) != impl_->roots.end();
}

std::vector<std::string> SchemaSet::names() const {
  std::vector<std::string> out;
  for (const auto& [name, node] : impl_->roots) out.push_back(name);
  return out;
}

}  // namespace uplinkprobe::record
