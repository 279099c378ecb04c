// SchemaSet: the collector's JSON Schema validator for the record contract (docs/schema).
//
// Contract:
// - Draft 2020-12 semantics for EXACTLY this keyword subset (DESIGN.md / TEAM.md): type,
//   properties, required, additionalProperties (bool or schema), items (a single schema),
//   enum, const, minimum, maximum, exclusiveMinimum, exclusiveMaximum, minLength, maxLength,
//   pattern, minItems, maxItems, allOf, anyOf, oneOf, not, $ref, $defs, and the annotations
//   title, description, $id, $schema, $comment, examples. Any other keyword in a schema is a
//   LOAD error, so an author cannot rely on a keyword that would silently be ignored.
// - $ref is resolved per RFC 3986 against the base URI ($id, else "file:///schema/<name>"):
//   relative files ("envelope.json"), JSON Pointer fragments ("#/$defs/x",
//   "envelope.json#/$defs/x") and embedded $id resources. Every $ref must resolve inside the
//   set at load time; anchors ("#name", $anchor) and remote (network) documents are not
//   supported.
// - pattern is an ECMAScript regex (std::wregex, code-point based, classic locale, i.e. the
//   ES5 grammar without the `u` flag: no \p{...}, no lookbehind). Patterns are compiled once at
//   load; a nested unbounded quantifier such as (a+)+ is refused at load (catastrophic
//   backtracking), and a string longer than SchemaLimits::max_pattern_subject code points
//   fails `pattern` without being matched.
// - Evaluation nesting (applicators, $ref, instance depth) is capped at max_depth: a
//   recursive $ref that never consumes the instance fails with keyword "$ref" instead of
//   overflowing the stack.
// - Errors name the instance path (JSON Pointer) and the keyword:
//   "/download/goodput_mbps: expected number, got string (type)". At most max_errors are
//   collected per validation.
//
// Thread-safety: a loaded SchemaSet is immutable; validate() may be called concurrently from
// any number of threads. embedded() is initialised once (thread-safe) and lives forever.
#pragma once

#include <cstddef>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace uplinkprobe::record {

struct SchemaError {
  std::string instance_path;  // JSON Pointer into the instance; "" is the whole document
  std::string keyword;        // "type", "required", "$ref", ...
  std::string message;        // "expected number, got string"
  // "/download/goodput_mbps: expected number, got string (type)"; the root shows as "/".
  std::string toString() const;
};

struct ValidationResult {
  std::vector<SchemaError> errors;
  bool ok() const { return errors.empty(); }
  // All errors joined with "; " (empty when ok).
  std::string message() const;
};

struct SchemaLimits {
  int max_depth = 64;
  std::size_t max_pattern_subject = 4096;  // code points
  std::size_t max_errors = 10;
};

class SchemaSet {
 public:
  struct Document {
    std::string name;  // "throughput.json"; also the retrieval URI file:///schema/<name>
    std::string text;  // the JSON text
  };

  // Parses and compiles every document; resolves every $ref. Error kind "schema", message
  // "envelope.json#/properties/x: unsupported keyword \"format\"".
  static Result<SchemaSet> load(const std::vector<Document>& documents, SchemaLimits limits = {});

  // docs/schema/*.json as embedded at build time. Aborts with a message if they do not load
  // (a build defect; record/schema_validator_test proves they do).
  static const SchemaSet& embedded();

  // Validates a record against "<kind>.json" (kind "alert_state" -> alert_state.json,
  // "status" -> status.json). An unknown kind is an error with keyword "kind".
  ValidationResult validate(std::string_view kind, const nlohmann::json& record) const;
  // Validates against the document loaded under `name` (e.g. "envelope.json").
  ValidationResult validateDocument(std::string_view name, const nlohmann::json& instance) const;

  bool contains(std::string_view name) const;
  std::vector<std::string> names() const;

  SchemaSet(SchemaSet&&) noexcept;
  SchemaSet& operator=(SchemaSet&&) noexcept;
  ~SchemaSet();

  struct Impl;

 private:
  explicit SchemaSet(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace uplinkprobe::record
