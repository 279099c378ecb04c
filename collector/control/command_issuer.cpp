#include "collector/control/command_issuer.h"

#include <sys/stat.h>

#include <algorithm>
#include <filesystem>

#include "platform/atomic_file.h"
#include "record/ed25519.h"

namespace uplinkprobe::collector::control {
namespace fs = std::filesystem;

Result<KeyFiles> generateKeyFiles(const std::string& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return makeError(ErrorKind::kIo, "cannot create " + dir + ": " + ec.message());
  KeyFiles f;
  f.private_path = (fs::path(dir) / "command-key.pem").string();
  f.public_path = (fs::path(dir) / "command-key.pub").string();
  if (fs::exists(f.private_path) || fs::exists(f.public_path))
    return makeError(ErrorKind::kIo, f.private_path +
                                         " already exists; a key is never overwritten "
                                         "(move it away first)");
  auto key = record::PrivateKey::generate();
  if (!key) return key.error();
  if (auto st = platform::writeFileAtomic(f.private_path, key->pem(), 0600); !st) return st.error();
  if (auto st = platform::writeFileAtomic(f.public_path, key->publicKey().pem(), 0644); !st)
    return st.error();
  f.key_id = key->publicKey().keyId();
  return f;
}

Result<record::PrivateKey> loadSigningKey(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return makeError(ErrorKind::kIo, path + ": cannot open");
  if ((st.st_mode & 077) != 0)
    return makeError(ErrorKind::kKey,
                     path + ": readable by group or others (chmod 600 " + path + ")");
  auto pem = record::readSmallFile(path);
  if (!pem) return pem.error();
  auto key = record::PrivateKey::fromPem(*pem);
  if (!key) return makeError(ErrorKind::kKey, path + ": " + key.error().message);
  return key;
}

Result<uint64_t> nextIssuerSeq(const std::string& private_key_path, WallTime now) {
  const std::string path = private_key_path + ".seq";
  uint64_t last = 0;
  if (fs::exists(path)) {
    auto text = record::readSmallFile(path);
    if (!text) return text.error();
    try {
      last = std::stoull(*text);
    } catch (const std::exception&) {
      return makeError(ErrorKind::kIo, path + ": not a number");
    }
  }
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch());
  const uint64_t next =
      std::max<uint64_t>(last + 1, static_cast<uint64_t>(std::max<int64_t>(0, ms.count())));
  if (next >= (uint64_t{1} << 53)) return makeError(ErrorKind::kIo, path + ": counter exhausted");
  if (auto st = platform::writeFileAtomic(path, std::to_string(next) + "\n", 0600); !st)
    return st.error();
  return next;
}

Result<nlohmann::json> parseVerbArgs(const std::vector<std::string>& words) {
  nlohmann::json args = nlohmann::json::object();
  for (const auto& w : words) {
    const auto eq = w.find('=');
    if (eq == std::string::npos || eq == 0)
      return makeError(ErrorKind::kUsage, "argument \"" + w + "\": expected name=value");
    const std::string name = w.substr(0, eq), value = w.substr(eq + 1);
    if (args.contains(name))
      return makeError(ErrorKind::kUsage, "argument " + name + " given twice");
    if (name == "windows") {
      nlohmann::json list = nlohmann::json::array();
      size_t start = 0;
      while (start <= value.size()) {
        const size_t comma = std::min(value.find(',', start), value.size());
        list.push_back(value.substr(start, comma - start));
        start = comma + 1;
      }
      args[name] = list;
    } else if (!value.empty() && value.size() <= 15 &&
               std::all_of(value.begin(), value.end(), ::isdigit)) {
      args[name] = std::stoll(value);
    } else if (value == "true" || value == "false") {
      args[name] = value == "true";
    } else {
      args[name] = value;
    }
  }
  return args;
}

Result<std::vector<DeviceAddress>> resolveTarget(db::Database& db,
                                                 const record::CommandTarget& target) {
  Result<db::Rows> rows = makeError(ErrorKind::kUsage, "no target");
  switch (target.kind) {
    case record::TargetKind::kDevice:
      rows =
          db.query("SELECT device_id, school_id FROM devices WHERE device_id = ?", {target.value});
      break;
    case record::TargetKind::kSchool:
      rows = db.query(
          "SELECT device_id, school_id FROM devices WHERE school_id = ? ORDER BY device_id",
          {target.value});
      break;
    case record::TargetKind::kCounty:
      rows = db.query(
          "SELECT d.device_id, d.school_id FROM devices d JOIN schools s ON s.school_id = "
          "d.school_id WHERE s.county = ? ORDER BY d.device_id",
          {target.value});
      break;
  }
  if (!rows) return rows.error();
  std::vector<DeviceAddress> out;
  for (const auto& r : rows->rows) {
    auto d = db::asText(r.at(0));
    auto s = db::asText(r.at(1));
    if (d && s) out.push_back({*d, *s});
  }
  return out;
}

Result<std::string> commandTopic(const std::string& prefix, const DeviceAddress& d) {
  for (const std::string* id : {&d.device_id, &d.school_id})
    if (id->empty() || id->find_first_of("/+#") != std::string::npos)
      return makeError(ErrorKind::kUsage, "id \"" + *id + "\" cannot be a topic level");
  return prefix + "/" + d.school_id + "/" + d.device_id + "/cmd";
}

}  // namespace uplinkprobe::collector::control
