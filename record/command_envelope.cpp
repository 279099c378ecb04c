#include "record/command_envelope.h"

#include <regex>

#include "common/time_format.h"

namespace uplinkprobe::record {
namespace {

constexpr int64_t kMaxSafeInteger = (int64_t{1} << 53) - 1;
constexpr int kMaxDepth = 8;

Error malformed(std::string m) { return makeError(ErrorKind::kMalformed, std::move(m)); }

// Appends the JCS form of a string; false on invalid UTF-8.
bool appendString(std::string& out, const std::string& s) {
  // Validate UTF-8 (RFC 3629: no overlongs, no surrogates, <= U+10FFFF).
  for (size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    size_t n = 0;
    uint32_t cp = 0;
    if (c < 0x80) {
      n = 1;
      cp = c;
    } else if ((c & 0xE0) == 0xC0) {
      n = 2;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      n = 3;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      n = 4;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + n > s.size()) return false;
    for (size_t k = 1; k < n; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
        cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
      return false;
    i += n;
  }
  out += '"';
  for (unsigned char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  out += '"';
  return true;
}

Status appendValue(std::string& out, const nlohmann::json& v, int depth) {
  if (depth > kMaxDepth) return malformed("nested deeper than 8 levels");
  switch (v.type()) {
    case nlohmann::json::value_t::null:
      out += "null";
      return Status::Ok();
    case nlohmann::json::value_t::boolean:
      out += v.get<bool>() ? "true" : "false";
      return Status::Ok();
    case nlohmann::json::value_t::number_integer: {
      const int64_t i = v.get<int64_t>();
      if (i > kMaxSafeInteger || i < -kMaxSafeInteger)
        return malformed("integer beyond 2^53-1 in magnitude");
      out += std::to_string(i);
      return Status::Ok();
    }
    case nlohmann::json::value_t::number_unsigned: {
      const uint64_t u = v.get<uint64_t>();
      if (u > static_cast<uint64_t>(kMaxSafeInteger))
        return malformed("integer beyond 2^53-1 in magnitude");
      out += std::to_string(u);
      return Status::Ok();
    }
    case nlohmann::json::value_t::number_float:
      return malformed("numbers must be integers (no fractions, no exponents)");
    case nlohmann::json::value_t::string:
      if (!appendString(out, v.get_ref<const std::string&>())) return malformed("invalid UTF-8");
      return Status::Ok();
    case nlohmann::json::value_t::array: {
      out += '[';
      bool first = true;
      for (const auto& e : v) {
        if (!first) out += ',';
        first = false;
        if (auto st = appendValue(out, e, depth + 1); !st) return st;
      }
      out += ']';
      return Status::Ok();
    }
    case nlohmann::json::value_t::object: {
      // nlohmann::json keeps members in a std::map: sorted by bytes, which equals RFC 8785's
      // UTF-16 order for the ASCII names this format allows (non-ASCII names are refused).
      out += '{';
      bool first = true;
      for (auto it = v.begin(); it != v.end(); ++it) {
        for (unsigned char c : it.key())
          if (c >= 0x80) return malformed("member names must be ASCII");
        if (!first) out += ',';
        first = false;
        if (!appendString(out, it.key())) return malformed("invalid UTF-8");
        out += ':';
        if (auto st = appendValue(out, it.value(), depth + 1); !st) return st;
      }
      out += '}';
      return Status::Ok();
    }
    default:
      return malformed("unsupported JSON value");
  }
}

// Patterns are compiled once: std::regex construction dominated the verify cost otherwise.
bool matches(const std::string& s, const std::regex& re) { return std::regex_match(s, re); }
const std::regex& timeRe() {
  static const std::regex re(R"(^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$)");
  return re;
}
const std::regex& commandIdRe() {
  static const std::regex re("^[A-Za-z0-9._:-]{1,64}$");
  return re;
}
const std::regex& verbRe() {
  static const std::regex re("^[a-z_]{1,32}$");
  return re;
}
const std::regex& keyIdRe() {
  static const std::regex re("^[0-9a-f]{16}$");
  return re;
}

const std::string* stringMember(const nlohmann::json& j, const char* name) {
  auto it = j.find(name);
  if (it == j.end() || !it->is_string()) return nullptr;
  return &it->get_ref<const std::string&>();
}

}  // namespace

std::string_view targetMember(TargetKind kind) {
  switch (kind) {
    case TargetKind::kDevice:
      return "device_id";
    case TargetKind::kSchool:
      return "school_id";
    case TargetKind::kCounty:
      return "county";
  }
  return "device_id";
}

Result<std::string> canonicalJson(const nlohmann::json& value) {
  std::string out;
  if (auto st = appendValue(out, value, 0); !st) return st.error();
  return out;
}

nlohmann::json signedObject(const CommandEnvelope& c) {
  nlohmann::json target = nlohmann::json::object();
  target[std::string(targetMember(c.target.kind))] = c.target.value;
  return {{"schema", kCommandSchema},
          {"command_id", c.command_id},
          {"verb", c.verb},
          {"args", c.args},
          {"target", std::move(target)},
          {"issued_at", c.issued_at},
          {"expires_at", c.expires_at},
          {"issuer_seq", c.issuer_seq},
          {"key_id", c.key_id}};
}

Result<std::string> canonicalBytes(const CommandEnvelope& c) {
  return canonicalJson(signedObject(c));
}

Result<std::string> serializeCommand(const CommandEnvelope& c) {
  auto obj = signedObject(c);
  // An unsigned envelope goes out without the member (parseCommand reads that as unsigned
  // and the verifier refuses it as such); "" would not even parse. Found by
  // fuzz/command_envelope_fuzz.
  if (!c.signature.empty()) obj["signature"] = base64Encode(c.signature);
  return canonicalJson(obj);
}

std::optional<WallTime> parseCommandTime(const std::string& s) {
  if (!matches(s, timeRe())) return std::nullopt;
  return parseRfc3339(s);
}

std::string formatCommandTime(WallTime t) {
  return formatRfc3339Utc(std::chrono::time_point_cast<std::chrono::seconds>(t));
}

Result<CommandEnvelope> parseCommand(std::string_view payload) {
  if (payload.size() > kMaxCommandBytes)
    return malformed("larger than " + std::to_string(kMaxCommandBytes) + " bytes");
  auto j = nlohmann::json::parse(payload, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return malformed("not a JSON object");
  static const char* kMembers[] = {"schema",    "command_id", "verb",       "args",   "target",
                                   "issued_at", "expires_at", "issuer_seq", "key_id", "signature"};
  for (auto it = j.begin(); it != j.end(); ++it) {
    bool known = false;
    for (const char* m : kMembers) known = known || it.key() == m;
    if (!known) return malformed("unknown member \"" + it.key() + "\"");
  }
  CommandEnvelope c;
  const auto* schema = stringMember(j, "schema");
  if (schema == nullptr || *schema != kCommandSchema)
    return malformed(std::string("schema must be \"") + kCommandSchema + "\"");
  const auto* id = stringMember(j, "command_id");
  if (id == nullptr || !matches(*id, commandIdRe()))
    return malformed("command_id must be 1-64 characters of A-Z a-z 0-9 . _ : -");
  c.command_id = *id;
  const auto* verb = stringMember(j, "verb");
  if (verb == nullptr || !matches(*verb, verbRe()))
    return malformed("verb must be 1-32 characters of a-z _");
  c.verb = *verb;
  auto args = j.find("args");
  if (args == j.end() || !args->is_object()) return malformed("args must be an object");
  c.args = *args;
  auto target = j.find("target");
  if (target == j.end() || !target->is_object() || target->size() != 1)
    return malformed("target must be an object with exactly one of device_id, school_id, county");
  const auto tit = target->begin();
  const std::string tname = tit.key();
  const nlohmann::json& tvalue = tit.value();
  if (tname == "device_id")
    c.target.kind = TargetKind::kDevice;
  else if (tname == "school_id")
    c.target.kind = TargetKind::kSchool;
  else if (tname == "county")
    c.target.kind = TargetKind::kCounty;
  else
    return malformed("target must be one of device_id, school_id, county");
  if (!tvalue.is_string() || tvalue.get<std::string>().empty() ||
      tvalue.get<std::string>().size() > 128)
    return malformed("target " + tname + " must be a string of 1-128 bytes");
  c.target.value = tvalue.get<std::string>();
  const auto* issued = stringMember(j, "issued_at");
  const auto* expires = stringMember(j, "expires_at");
  if (issued == nullptr || expires == nullptr)
    return malformed("issued_at and expires_at are required");
  auto ti = parseCommandTime(*issued);
  auto te = parseCommandTime(*expires);
  if (!ti || !te) return malformed("issued_at and expires_at must be RFC 3339 UTC (…Z)");
  if (*te <= *ti) return malformed("expires_at must be after issued_at");
  if (*te - *ti > kMaxCommandLifetime)
    return malformed("expires_at more than 24 h after issued_at");
  c.issued_at = *issued;
  c.expires_at = *expires;
  auto seq = j.find("issuer_seq");
  if (seq == j.end() || !seq->is_number_unsigned() || seq->get<uint64_t>() < 1 ||
      seq->get<uint64_t>() > static_cast<uint64_t>(kMaxSafeInteger))
    return malformed("issuer_seq must be an integer in 1..2^53-1");
  c.issuer_seq = seq->get<uint64_t>();
  const auto* kid = stringMember(j, "key_id");
  if (kid == nullptr || !matches(*kid, keyIdRe()))
    return malformed("key_id must be 16 lowercase hex characters");
  c.key_id = *kid;
  if (auto sig = j.find("signature"); sig != j.end()) {
    if (!sig->is_string()) return malformed("signature must be a base64 string");
    auto raw = base64Decode(sig->get<std::string>());
    if (!raw || raw->size() != 64) return malformed("signature must be 64 bytes in base64");
    c.signature = *raw;
  }
  // The whole signed object must be canonicalisable (no floats or huge integers in args).
  if (auto bytes = canonicalBytes(c); !bytes) return bytes.error();
  return c;
}

Status signCommand(CommandEnvelope& c, const PrivateKey& key) {
  c.key_id = key.publicKey().keyId();
  auto bytes = canonicalBytes(c);
  if (!bytes) return bytes.error();
  auto sig = key.sign(*bytes);
  if (!sig) return sig.error();
  c.signature = std::move(*sig);
  return Status::Ok();
}

bool verifyCommandSignature(const CommandEnvelope& c, const PublicKey& key) {
  if (c.signature.size() != 64 || c.key_id != key.keyId()) return false;
  auto bytes = canonicalBytes(c);
  return bytes && key.verify(*bytes, c.signature);
}

}  // namespace uplinkprobe::record
