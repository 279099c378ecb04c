#include "record/simple_pattern.h"

#include <string>

namespace uplinkprobe::record {
namespace {

using Chars = std::bitset<128>;
using Elements = std::vector<SimplePattern::Element>;

bool isSpecial(char c) {
  return std::string_view(".^$|()[]{}*+?\\").find(c) != std::string_view::npos;
}

Chars digits() {
  Chars c;
  for (char d = '0'; d <= '9'; ++d) c.set(static_cast<unsigned char>(d));
  return c;
}

class Parser {
 public:
  explicit Parser(std::string_view p) : p_(p) {}

  // Elements up to `)` (inside a group) or the end; nullopt when unsupported.
  std::optional<Elements> sequence(bool in_group) {
    Elements out;
    while (i_ < p_.size()) {
      const char c = p_[i_];
      if (c == ')') {
        if (!in_group) return std::nullopt;
        return out;
      }
      if (c == '(') {
        ++i_;
        auto inner = sequence(true);
        if (!inner || i_ >= p_.size() || p_[i_] != ')' || inner->empty()) return std::nullopt;
        ++i_;
        if (i_ >= p_.size() || p_[i_] != '?') return std::nullopt;  // only optional groups
        ++i_;
        SimplePattern::Element g;
        g.min = 0;
        g.max = 1;
        g.group = std::move(*inner);
        out.push_back(std::move(g));
        continue;
      }
      auto atom = this->atom();
      if (!atom) return std::nullopt;
      SimplePattern::Element e;
      e.chars = *atom;
      if (!quantifier(e.min, e.max)) return std::nullopt;
      out.push_back(std::move(e));
    }
    if (in_group) return std::nullopt;
    return out;
  }

  bool atEnd() const { return i_ == p_.size(); }

 private:
  std::optional<Chars> atom() {
    const char c = p_[i_];
    if (static_cast<unsigned char>(c) >= 0x80) return std::nullopt;
    if (c == '[') return charClass();
    if (c == '\\') {
      if (i_ + 1 >= p_.size()) return std::nullopt;
      const char e = p_[i_ + 1];
      i_ += 2;
      if (e == 'd') return digits();
      if (isSpecial(e) || e == '-' || e == '/') return single(e);
      return std::nullopt;  // \w \s \b \1 … : left to the regex
    }
    if (isSpecial(c)) return std::nullopt;  // . | { } * + ? ^ $ out of place
    ++i_;
    return single(c);
  }

  static Chars single(char c) {
    Chars s;
    s.set(static_cast<unsigned char>(c));
    return s;
  }

  std::optional<Chars> charClass() {
    ++i_;  // [
    if (i_ < p_.size() && p_[i_] == '^') return std::nullopt;
    Chars set;
    bool first = true;
    while (i_ < p_.size() && (p_[i_] != ']' || first)) {
      auto lo = classChar();
      if (!lo) return std::nullopt;
      first = false;
      if (lo->second && i_ + 1 < p_.size() && p_[i_] == '-' && p_[i_ + 1] != ']') {
        ++i_;
        auto hi = classChar();
        if (!hi || !hi->second || hi->first < lo->first) return std::nullopt;
        for (int ch = lo->first; ch <= hi->first; ++ch) set.set(static_cast<size_t>(ch));
      } else if (lo->second) {
        set.set(static_cast<size_t>(lo->first));
      } else {
        set |= digits();  // \d inside a class
      }
    }
    if (i_ >= p_.size()) return std::nullopt;
    ++i_;  // ]
    if (set.none()) return std::nullopt;
    return set;
  }

  // (character, true) or (0, false) for \d.
  std::optional<std::pair<int, bool>> classChar() {
    const char c = p_[i_];
    if (static_cast<unsigned char>(c) >= 0x80) return std::nullopt;
    if (c == '\\') {
      if (i_ + 1 >= p_.size()) return std::nullopt;
      const char e = p_[i_ + 1];
      i_ += 2;
      if (e == 'd') return std::make_pair(0, false);
      if (e == '\\' || e == ']' || e == '-' || e == '.' || e == '[' || e == '^')
        return std::make_pair(static_cast<int>(e), true);
      return std::nullopt;
    }
    if (c == '[') return std::nullopt;  // [[:alpha:]] and friends
    ++i_;
    return std::make_pair(static_cast<int>(c), true);
  }

  bool number(int& out) {
    const size_t start = i_;
    long v = 0;
    while (i_ < p_.size() && p_[i_] >= '0' && p_[i_] <= '9' && v < 100000)
      v = v * 10 + (p_[i_++] - '0');
    out = static_cast<int>(v);
    return i_ > start && v < 100000;
  }

  bool quantifier(int& min, int& max) {
    min = max = 1;
    if (i_ >= p_.size()) return true;
    const char c = p_[i_];
    if (c == '*' || c == '+' || c == '?') {
      ++i_;
      min = c == '+' ? 1 : 0;
      max = c == '?' ? 1 : -1;
    } else if (c == '{') {
      ++i_;
      if (!number(min)) return false;
      max = min;
      if (i_ < p_.size() && p_[i_] == ',') {
        ++i_;
        max = -1;
        if (i_ < p_.size() && p_[i_] != '}' && !number(max)) return false;
      }
      if (i_ >= p_.size() || p_[i_] != '}') return false;
      ++i_;
      if (max != -1 && max < min) return false;
    } else {
      return true;
    }
    // Lazy or possessive forms are left to the regex.
    return !(i_ < p_.size() && (p_[i_] == '?' || p_[i_] == '+'));
  }

  std::string_view p_;
  size_t i_ = 0;
};

constexpr size_t kEnd = 127;  // DEL never appears in a class here: it stands for "end"

bool nullable(const SimplePattern::Element& e) {
  return e.min == 0;  // groups are optional; an atom with min 0
}

// Characters that can start a match of elements[i..], plus `follow` when all are nullable.
Chars first(const Elements& es, size_t i, const Chars& follow) {
  Chars out;
  for (; i < es.size(); ++i) {
    const auto& e = es[i];
    out |= e.group.empty() ? e.chars : first(e.group, 0, Chars());
    if (!nullable(e)) return out;
  }
  return out | follow;
}

// Every variable element's own characters are disjoint from what may follow it.
bool deterministic(const Elements& es, const Chars& follow) {
  for (size_t i = 0; i < es.size(); ++i) {
    const auto& e = es[i];
    const Chars next = first(es, i + 1, follow);
    if (!e.group.empty()) {
      for (const auto& g : e.group)
        if (g.min == 0) return false;  // a group that could match empty
      if ((first(e.group, 0, Chars()) & next).any()) return false;
      if (!deterministic(e.group, next)) return false;
    } else if (e.min != e.max && (e.chars & next).any()) {
      return false;
    }
  }
  return true;
}

// Greedy, no backtracking (sound because deterministic() held). pos advances on success.
bool run(const Elements& es, std::string_view s, size_t& pos) {
  for (const auto& e : es) {
    if (!e.group.empty()) {
      const Chars start = first(e.group, 0, Chars());
      if (pos < s.size() && static_cast<unsigned char>(s[pos]) < 128 &&
          start.test(static_cast<unsigned char>(s[pos]))) {
        if (!run(e.group, s, pos)) return false;
      }
      continue;
    }
    int n = 0;
    while ((e.max == -1 || n < e.max) && pos < s.size()) {
      const auto c = static_cast<unsigned char>(s[pos]);
      if (c >= 128 || !e.chars.test(c)) break;
      ++pos;
      ++n;
    }
    if (n < e.min) return false;
  }
  return true;
}

}  // namespace

std::optional<SimplePattern> SimplePattern::compile(std::string_view pattern) {
  if (pattern.size() < 2 || pattern.front() != '^' || pattern.back() != '$') return std::nullopt;
  // An escaped final $ is a literal, not the anchor.
  size_t backslashes = 0;
  for (size_t j = pattern.size() - 1; j > 0 && pattern[j - 1] == '\\'; --j) ++backslashes;
  if (backslashes % 2 == 1) return std::nullopt;
  Parser parser(pattern.substr(1, pattern.size() - 2));
  auto elements = parser.sequence(false);
  if (!elements || !parser.atEnd()) return std::nullopt;
  Chars end;
  end.set(kEnd);
  for (const auto& e : *elements)
    if (e.group.empty() && e.chars.test(kEnd)) return std::nullopt;
  if (!deterministic(*elements, end)) return std::nullopt;
  SimplePattern p;
  p.elements_ = std::move(*elements);
  return p;
}

bool SimplePattern::matches(std::string_view subject) const {
  size_t pos = 0;
  return run(elements_, subject, pos) && pos == subject.size();
}

}  // namespace uplinkprobe::record
