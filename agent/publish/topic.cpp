#include "agent/publish/topic.h"

namespace uplinkprobe::publish {
namespace {

std::string clean(const std::string& s, bool keep_slash) {
  std::string out;
  out.reserve(s.size());
  for (unsigned char c : s) {
    const bool bad = c == '+' || c == '#' || c < 0x20 || c == 0x7f || (c == '/' && !keep_slash);
    out.push_back(bad ? '_' : static_cast<char>(c));
  }
  return out.empty() ? "_" : out;
}

}  // namespace

std::string topicLevel(const std::string& s) { return clean(s, false); }

std::string topicFor(const std::string& prefix, const std::string& school_id,
                     const std::string& device_id, const std::string& kind) {
  std::string p = clean(prefix, true);
  while (p.size() > 1 && p.back() == '/') p.pop_back();
  return p + "/" + topicLevel(school_id) + "/" + topicLevel(device_id) + "/" + clean(kind, true);
}

std::string topicKindFor(const std::string& record_kind) {
  if (record_kind == "alert_state") return "alert/state";
  return record_kind.empty() ? "event" : record_kind;
}

bool retainedKind(const std::string& record_kind) { return record_kind == "alert_state"; }

}  // namespace uplinkprobe::publish
