// config_hash covers every key of the schema table (issue 9 point 5): the test walks
// schema() itself, so a key added later is covered without editing this file.
#include <gtest/gtest.h>

#include "agent/config/config_loader.h"
#include "agent/config/schema.h"

namespace uplinkprobe::config {
namespace {

const char* kBase = R"(
[identity]
device_id = "dev-1"
school_id = "220102-0001"
[[servers]]
name = "a"
url = "http://127.0.0.1:8080/"
[mqtt]
uri = "tcp://127.0.0.1:1883"
)";

// Values that differ from `current` and that the key's own assign() accepts, so the
// mutated Config is one the loader could have produced.
std::vector<Value> candidates(const KeyDef& k, const Value& current) {
  std::vector<Value> out;
  switch (k.type) {
    case ValueType::kString: {
      const auto& s = std::get<std::string>(current);
      for (std::string c :
           {s + "x", std::string("x") + s, std::string("UTC"), std::string("Europe/Berlin"),
            std::string("http://example.net/"), std::string("ssl://example.net:8883"),
            std::string("http"), std::string("librespeed"), std::string("10.0.0.1"),
            std::string("udp"), std::string()})
        out.emplace_back(c);
      break;
    }
    case ValueType::kInt: {
      const auto v = std::get<long long>(current);
      for (long long c :
           {v + 1, v - 1, static_cast<long long>(k.min), static_cast<long long>(k.max), 4LL, 6LL})
        if (k.min >= k.max || (c >= k.min && c <= k.max)) out.emplace_back(c);
      break;
    }
    case ValueType::kDouble: {
      const auto v = std::get<double>(current);
      for (double c : {v + 1, v - 1, v + 0.5, k.min, k.max})
        if (k.min >= k.max || (c >= k.min && c <= k.max)) out.emplace_back(c);
      break;
    }
    case ValueType::kBool:
      out.emplace_back(!std::get<bool>(current));
      break;
    case ValueType::kStringList: {
      auto l = std::get<std::vector<std::string>>(current);
      auto more = l;
      more.push_back("09:00-10:00");
      out.emplace_back(more);
      more = l;
      more.push_back("127.0.0.1:80");
      out.emplace_back(more);
      more = l;
      more.push_back("/etc/uplinkprobe/operator.pub");  // [control] trusted_keys: absolute paths
      out.emplace_back(more);
      if (!l.empty()) out.emplace_back(std::vector<std::string>(l.begin() + 1, l.end()));
      break;
    }
  }
  return out;
}

TEST(ConfigHash, ChangesWhenAnyKeyOfTheSchemaChanges) {
  auto base = loadConfigString(kBase, "t.toml", Purpose::kRun);
  ASSERT_TRUE(base.ok()) << base.error().message;
  const std::string h0 = configHash(*base);
  for (const auto& k : schema()) {
    const Value current = k.field.get(*base, 0);
    bool mutated = false;
    for (const auto& v : candidates(k, current)) {
      if (v == current) continue;
      Config c = *base;
      if (!k.field.assign(c, 0, v).empty()) continue;
      if (k.field.get(c, 0) != v) continue;  // assign normalised it back
      EXPECT_NE(configHash(c), h0)
          << "[" << k.section << "] " << k.key << " changed but config_hash did not";
      mutated = true;
      break;
    }
    EXPECT_TRUE(mutated) << "[" << k.section << "] " << k.key
                         << ": no candidate value accepted; extend candidates()";
  }
}

TEST(ConfigHash, ChangesWithTheNumberOfServersAndTheirOrder) {
  auto a = loadConfigString(kBase, "t.toml", Purpose::kRun);
  ASSERT_TRUE(a.ok());
  Config b = *a;
  b.servers.push_back(b.servers[0]);
  b.servers[1].name = "b";
  EXPECT_NE(configHash(*a), configHash(b));
  Config swapped = b;
  std::swap(swapped.servers[0], swapped.servers[1]);
  EXPECT_NE(configHash(b), configHash(swapped));
}

TEST(ConfigHash, SecretsEnterByPathNeverByContent) {
  auto a = loadConfigString(kBase, "t.toml", Purpose::kRun);
  ASSERT_TRUE(a.ok());
  Config b = *a;
  b.mqtt.password_file = "/etc/uplinkprobe/mqtt.pass";
  EXPECT_NE(configHash(*a), configHash(b));
  EXPECT_NE(canonicalConfig(b).find("mqtt.password_file=26:/etc/uplinkprobe/mqtt.pass"),
            std::string::npos);
}

TEST(ConfigHash, OmittedKeyEqualsKeyWrittenWithItsDefault) {
  auto a = loadConfigString(kBase, "t.toml", Purpose::kRun);
  auto b =
      loadConfigString(std::string(kBase) + "[storage]\nmax_mb = 64\n", "u.toml", Purpose::kRun);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(configHash(*a), configHash(*b));  // source_path is not configuration
}

}  // namespace
}  // namespace uplinkprobe::config
