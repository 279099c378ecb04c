// Two hostile inputs for record/schema_validator, chosen by the first byte:
//  even: the rest is an MQTT payload validated against every embedded schema (the ingest
//        path): must never crash, recurse without bound or throw;
//  odd:  the rest is a schema document (loaded beside the embedded envelope.json) and, after
//        a "\n\n" separator, an instance: load must either fail cleanly or give a validator
//        that evaluates any instance within its depth limit.
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "record/schema_validator.h"

using uplinkprobe::record::SchemaSet;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  if ((data[0] & 1) == 0) {
    nlohmann::json record = nlohmann::json::parse(rest, nullptr, false);
    if (record.is_discarded()) return 0;
    const SchemaSet& set = SchemaSet::embedded();
    for (const auto& name : set.names()) (void)set.validateDocument(name, record);
    if (record.is_object() && record.contains("kind") && record["kind"].is_string()) {
      (void)set.validate(record["kind"].get<std::string>(), record);
    }
    return 0;
  }
  std::size_t sep = rest.find("\n\n");
  std::string schema = rest.substr(0, sep);
  std::string instance = sep == std::string::npos ? "null" : rest.substr(sep + 2);
  auto loaded = SchemaSet::load(
      {{"fuzz.json", schema}, {"b.json", R"({"$defs": {"x": {"type": "string"}}})"}});
  if (!loaded.ok()) return 0;
  nlohmann::json value = nlohmann::json::parse(instance, nullptr, false);
  if (value.is_discarded()) value = instance;
  (void)loaded->validateDocument("fuzz.json", value);
  return 0;
}
