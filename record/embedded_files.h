// Files embedded into the binary at build time (record/embed_files.cmake generates the
// definitions from docs/schema/*.json). Immutable; safe to read from any thread.
#pragma once

#include <cstddef>

namespace uplinkprobe::record::detail {

struct EmbeddedFile {
  const char* name;  // file name without directory, e.g. "throughput.json"
  const unsigned char* data;
  std::size_t size;
};

extern const EmbeddedFile kEmbeddedSchemas[];
extern const std::size_t kEmbeddedSchemaCount;

}  // namespace uplinkprobe::record::detail
