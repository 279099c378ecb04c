#include "record/command_answer.h"

#include "common/utf8.h"
#include "record/json_read.h"

namespace uplinkprobe::record {
namespace {

using json = nlohmann::json;
using namespace json_read;  // the tolerant member reads (record/json_read.h)

// The longest prefix of `s` within `max` bytes that ends on a character boundary.
std::string cutAtCharacter(const std::string& s, size_t max) {
  if (s.size() <= max) return s;
  size_t end = 0;
  while (end < s.size()) {
    uint32_t cp = 0;
    const size_t n = utf8::decodeOne(s, end, cp);
    if (n == 0 || end + n > max) break;
    end += n;
  }
  return s.substr(0, end);
}

// The members this struct owns; a verb's result may not overwrite them.
constexpr const char* kOwnMembers[] = {"kind",       "event",  "command_id", "verb",      "key_id",
                                       "issuer_seq", "reason", "detail",     "suppressed"};

// The envelope the factory and the journal add: not part of a verb's result.
constexpr const char* kEnvelopeMembers[] = {
    "schema", "id",           "journal_id",    "seq",     "device_id", "school_id",
    "ts",     "clock_synced", "clock_suspect", "boot_id", "mono_s",    "agent_version"};

}  // namespace

json CommandAnswer::toJson() const {
  json j = json::object();
  if (done && result.is_object()) {
    j = result;
    for (const char* own : kOwnMembers) j.erase(own);
  }
  j["kind"] = "event";
  j["event"] = eventName();
  if (!command_id.empty()) j["command_id"] = command_id;
  if (!verb.empty()) j["verb"] = verb;
  if (!key_id.empty()) j["key_id"] = key_id;
  if (issuer_seq > 0) j["issuer_seq"] = issuer_seq;
  if (!done) {
    j["reason"] = reason;
    j["detail"] = cutAtCharacter(detail, kMaxAnswerDetail);
    if (suppressed > 0) j["suppressed"] = suppressed;
  }
  return j;
}

std::optional<CommandAnswer> parseCommandAnswer(const json& r) {
  if (!r.is_object()) return std::nullopt;
  if (member(r, "kind") != nullptr && text(r, "kind") != "event") return std::nullopt;
  const std::string event = text(r, "event");
  if (event != "command_done" && event != "command_refused") return std::nullopt;
  CommandAnswer a;
  a.done = event == "command_done";
  a.command_id = text(r, "command_id");
  a.verb = text(r, "verb");
  a.key_id = text(r, "key_id");
  a.issuer_seq = static_cast<uint64_t>(count(r, "issuer_seq").value_or(0));
  if (a.done) {
    for (const auto& [key, value] : r.items()) a.result[key] = value;
    for (const char* own : kOwnMembers) a.result.erase(own);
    for (const char* envelope : kEnvelopeMembers) a.result.erase(envelope);
  } else {
    a.reason = text(r, "reason");
    a.detail = text(r, "detail");
    a.suppressed = static_cast<uint64_t>(count(r, "suppressed").value_or(0));
  }
  return a;
}

}  // namespace uplinkprobe::record
