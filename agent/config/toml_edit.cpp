#include "agent/config/toml_edit.h"

#include <cstdio>
#include <vector>

namespace uplinkprobe::config {
namespace {

std::vector<std::string> splitLines(const std::string& text) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start < text.size()) {
    size_t nl = text.find('\n', start);
    if (nl == std::string::npos) nl = text.size();
    lines.push_back(text.substr(start, nl - start));
    start = nl + 1;
  }
  return lines;
}

std::string trimLeft(const std::string& s) {
  size_t i = s.find_first_not_of(" \t");
  return i == std::string::npos ? "" : s.substr(i);
}

std::string trim(const std::string& s) {
  std::string t = trimLeft(s);
  size_t e = t.find_last_not_of(" \t\r");
  return e == std::string::npos ? "" : t.substr(0, e + 1);
}

// "[identity]" -> "identity", "[[servers]]" -> "servers", anything else -> "" (not a header).
// Comments after the header are allowed; quoted table names are not used by our schema.
std::string headerName(const std::string& line) {
  std::string t = trimLeft(line);
  if (t.empty() || t[0] != '[') return "";
  bool array = t.size() > 1 && t[1] == '[';
  size_t open = array ? 2 : 1;
  size_t close = t.find(']', open);
  if (close == std::string::npos) return "";
  return trim(t.substr(open, close - open));
}

// The key of a `key = value` line, "" for comments, blanks and anything else.
std::string keyOf(const std::string& line) {
  std::string t = trimLeft(line);
  if (t.empty() || t[0] == '#' || t[0] == '[') return "";
  size_t eq = t.find('=');
  if (eq == std::string::npos) return "";
  std::string k = trim(t.substr(0, eq));
  if (k.size() >= 2 && (k.front() == '"' || k.front() == '\'') && k.back() == k.front())
    k = k.substr(1, k.size() - 2);
  return k;
}

// True when the value of a `key = value` line continues on the next lines.
bool multiLineValue(const std::string& line) {
  std::string v = trim(line.substr(line.find('=') + 1));
  if (v.rfind("\"\"\"", 0) == 0 || v.rfind("'''", 0) == 0) return true;
  if (!v.empty() && v[0] == '[') {
    // Count brackets outside strings; an unclosed array spans lines.
    int depth = 0;
    char quote = 0;
    for (size_t i = 0; i < v.size(); ++i) {
      char c = v[i];
      if (quote) {
        if (c == '\\' && quote == '"')
          ++i;
        else if (c == quote)
          quote = 0;
      } else if (c == '"' || c == '\'') {
        quote = c;
      } else if (c == '#') {
        break;
      } else if (c == '[') {
        ++depth;
      } else if (c == ']') {
        --depth;
      }
    }
    return depth > 0;
  }
  return false;
}

}  // namespace

std::string tomlQuote(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        if (c < 0x20 || c == 0x7f) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04X", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out + "\"";
}

Result<std::string> setTomlKey(const std::string& text, const std::string& section,
                               const std::string& key, const std::string& literal) {
  std::vector<std::string> lines = splitLines(text);
  const std::string assignment = key + " = " + literal;
  long header = -1;
  for (size_t i = 0; i < lines.size(); ++i) {
    if (headerName(lines[i]) == section) {
      header = static_cast<long>(i);
      break;
    }
  }
  if (header < 0) {
    std::string out = text;
    if (!out.empty() && out.back() != '\n') out += '\n';
    out += "\n[" + section + "]\n" + assignment + "\n";
    return out;
  }
  size_t end = lines.size();  // first line after the section
  for (size_t i = header + 1; i < lines.size(); ++i) {
    if (!headerName(lines[i]).empty()) {
      end = i;
      break;
    }
  }
  size_t last_key = static_cast<size_t>(header);
  bool replaced = false;
  for (size_t i = header + 1; i < end; ++i) {
    if (keyOf(lines[i]).empty()) continue;
    last_key = i;
    if (keyOf(lines[i]) != key) continue;
    if (multiLineValue(lines[i]))
      return Error{ErrorKind::kConfig,
                   "[" + section + "] " + key +
                       " spans several lines; edit it by hand, then run commission again"};
    std::string indent = lines[i].substr(0, lines[i].find_first_not_of(" \t"));
    lines[i] = indent + assignment;
    replaced = true;
    break;
  }
  if (!replaced) lines.insert(lines.begin() + static_cast<long>(last_key) + 1, assignment);
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  if (!text.empty() && text.back() != '\n') out.pop_back();
  return out;
}

}  // namespace uplinkprobe::config
