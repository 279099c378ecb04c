#include "collector/registry/xml_reader.h"

#include <cctype>
#include <cstdint>
#include <cstdlib>

#include "common/utf8.h"

namespace uplinkprobe::collector {
namespace {

bool isSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

}  // namespace

XmlReader::XmlReader(std::string_view doc, std::size_t max_depth, std::size_t max_attributes)
    : doc_(doc), max_depth_(max_depth), max_attributes_(max_attributes) {}

const std::string* XmlReader::attribute(std::string_view local) const {
  for (const auto& [name, value] : attributes_) {
    if (name == local) return &value;
  }
  return nullptr;
}

std::string_view XmlReader::localName(std::string_view qname) {
  std::size_t colon = qname.rfind(':');
  return colon == std::string_view::npos ? qname : qname.substr(colon + 1);
}

XmlReader::Event XmlReader::fail(std::string message) {
  error_ = std::move(message) + " (XML byte " + std::to_string(pos_) + ")";
  done_ = true;
  last_ = Event::kError;
  return last_;
}

bool XmlReader::decode(std::string_view raw, std::string& out) {
  out.clear();
  out.reserve(raw.size());
  for (std::size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] != '&') {
      out += raw[i];
      continue;
    }
    std::size_t semi = raw.find(';', i);
    if (semi == std::string_view::npos || semi - i > 12) return false;
    std::string_view ent = raw.substr(i + 1, semi - i - 1);
    if (ent == "lt") {
      out += '<';
    } else if (ent == "gt") {
      out += '>';
    } else if (ent == "amp") {
      out += '&';
    } else if (ent == "quot") {
      out += '"';
    } else if (ent == "apos") {
      out += '\'';
    } else if (ent.size() >= 2 && ent[0] == '#') {
      bool hex = ent[1] == 'x' || ent[1] == 'X';
      std::string digits(ent.substr(hex ? 2 : 1));
      if (digits.empty() || digits.size() > 8) return false;
      for (char d : digits) {
        if (!(hex ? std::isxdigit(static_cast<unsigned char>(d))
                  : std::isdigit(static_cast<unsigned char>(d)))) {
          return false;
        }
      }
      char* end = nullptr;
      unsigned long cp = std::strtoul(digits.c_str(), &end, hex ? 16 : 10);
      if (*end != '\0' || cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
        return false;
      }
      utf8::append(static_cast<std::uint32_t>(cp), out);
    } else {
      return false;
    }
    i = semi;
  }
  return true;
}

XmlReader::Event XmlReader::next() {
  if (done_) return last_;
  if (pending_end_) {
    pending_end_ = false;
    name_ = stack_.back();
    stack_.pop_back();
    return Event::kEnd;
  }
  attributes_.clear();
  while (true) {
    if (pos_ >= doc_.size()) {
      if (!stack_.empty())
        return fail("unexpected end inside <" + std::string(stack_.back()) + ">");
      done_ = true;
      last_ = Event::kEof;
      return last_;
    }
    if (doc_[pos_] != '<') {
      std::size_t lt = doc_.find('<', pos_);
      if (lt == std::string_view::npos) lt = doc_.size();
      std::string_view raw = doc_.substr(pos_, lt - pos_);
      pos_ = lt;
      if (!decode(raw, text_)) return fail("bad entity or character reference");
      return Event::kText;
    }
    std::string_view rest = doc_.substr(pos_);
    if (rest.substr(0, 4) == "<!--") {
      std::size_t end = doc_.find("-->", pos_ + 4);
      if (end == std::string_view::npos) return fail("unterminated comment");
      pos_ = end + 3;
      continue;
    }
    if (rest.substr(0, 9) == "<![CDATA[") {
      std::size_t end = doc_.find("]]>", pos_ + 9);
      if (end == std::string_view::npos) return fail("unterminated CDATA");
      text_.assign(doc_.substr(pos_ + 9, end - pos_ - 9));
      pos_ = end + 3;
      return Event::kText;
    }
    if (rest.substr(0, 2) == "<!") return fail("DTDs and declarations are not allowed");
    if (rest.substr(0, 2) == "<?") {
      std::size_t end = doc_.find("?>", pos_ + 2);
      if (end == std::string_view::npos) return fail("unterminated processing instruction");
      pos_ = end + 2;
      continue;
    }
    if (rest.substr(0, 2) == "</") {
      std::size_t gt = doc_.find('>', pos_);
      if (gt == std::string_view::npos) return fail("unterminated end tag");
      std::string_view qname = doc_.substr(pos_ + 2, gt - pos_ - 2);
      while (!qname.empty() && isSpace(qname.back())) qname.remove_suffix(1);
      std::string_view local = localName(qname);
      if (stack_.empty() || stack_.back() != local) {
        return fail("end tag </" + std::string(qname) + "> does not match");
      }
      stack_.pop_back();
      pos_ = gt + 1;
      name_ = local;
      return Event::kEnd;
    }
    // Start tag.
    std::size_t i = pos_ + 1;
    std::size_t name_start = i;
    while (i < doc_.size() && !isSpace(doc_[i]) && doc_[i] != '/' && doc_[i] != '>') ++i;
    if (i == name_start) return fail("empty element name");
    std::string_view local = localName(doc_.substr(name_start, i - name_start));
    bool empty = false;
    while (true) {
      while (i < doc_.size() && isSpace(doc_[i])) ++i;
      if (i >= doc_.size()) return fail("unterminated start tag");
      if (doc_[i] == '>') {
        ++i;
        break;
      }
      if (doc_[i] == '/') {
        if (i + 1 >= doc_.size() || doc_[i + 1] != '>') return fail("bad empty-element tag");
        empty = true;
        i += 2;
        break;
      }
      std::size_t an = i;
      while (i < doc_.size() && doc_[i] != '=' && !isSpace(doc_[i]) && doc_[i] != '>') ++i;
      std::string_view attr_name = doc_.substr(an, i - an);
      while (i < doc_.size() && isSpace(doc_[i])) ++i;
      if (i >= doc_.size() || doc_[i] != '=' || attr_name.empty()) return fail("bad attribute");
      ++i;
      while (i < doc_.size() && isSpace(doc_[i])) ++i;
      if (i >= doc_.size() || (doc_[i] != '"' && doc_[i] != '\'')) return fail("bad attribute");
      char quote = doc_[i++];
      std::size_t close = doc_.find(quote, i);
      if (close == std::string_view::npos) return fail("unterminated attribute value");
      if (attributes_.size() >= max_attributes_) return fail("too many attributes");
      std::string value;
      if (!decode(doc_.substr(i, close - i), value)) return fail("bad entity in attribute");
      attributes_.emplace_back(localName(attr_name), std::move(value));
      i = close + 1;
    }
    if (stack_.size() >= max_depth_) return fail("elements nested too deeply");
    pos_ = i;
    stack_.push_back(local);
    name_ = local;
    pending_end_ = empty;
    return Event::kStart;
  }
}

}  // namespace uplinkprobe::collector
