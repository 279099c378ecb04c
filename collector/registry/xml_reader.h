// XmlReader: a small pull parser for the XML parts of an XLSX package (workbook, relations,
// shared strings, worksheet). Not a general XML parser: no DTD (refused, so no entity
// expansion), only the five predefined entities and character references, namespaces
// reduced to local names ("x:c" and "c" are the same element). Bounded: nesting depth and
// attributes per element are capped, and it never allocates more than the input it is given.
// Not thread-safe (one reader per thread); the input must outlive the reader.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace uplinkprobe::collector {

class XmlReader {
 public:
  enum class Event { kStart, kEnd, kText, kEof, kError };

  explicit XmlReader(std::string_view doc, std::size_t max_depth = 64,
                     std::size_t max_attributes = 64);

  // The next event. An empty element (<a/>) yields kStart then kEnd. After kEof or kError
  // every further call returns the same event.
  Event next();

  std::string_view name() const { return name_; }  // local name, for kStart and kEnd
  // Attribute of the current kStart by local name, or nullptr.
  const std::string* attribute(std::string_view local) const;
  const std::string& text() const { return text_; }  // decoded, for kText
  const std::string& error() const { return error_; }
  std::size_t depth() const { return stack_.size(); }

 private:
  Event fail(std::string message);
  bool decode(std::string_view raw, std::string& out);
  static std::string_view localName(std::string_view qname);

  std::string_view doc_;
  std::size_t pos_ = 0;
  std::size_t max_depth_, max_attributes_;
  std::vector<std::string_view> stack_;
  std::vector<std::pair<std::string_view, std::string>> attributes_;
  std::string_view name_;
  std::string text_, error_;
  bool pending_end_ = false;
  bool done_ = false;
  Event last_ = Event::kEof;
};

}  // namespace uplinkprobe::collector
