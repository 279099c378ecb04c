// Arbitrary bytes as a school sheet .csv: parseCsv directly, then readSchoolSheet on the same
// bytes as a file. Must never crash, hang or overread; a result is either rows that satisfy
// the sheet's contract or an error.
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>

#include "collector/registry/csv_reader.h"
#include "collector/registry/school_sheet.h"

namespace {
const std::string& path() {
  static std::string p = [] {
    std::string base = std::filesystem::is_directory("/dev/shm") ? "/dev/shm" : "/tmp";
    std::string tmpl = base + "/upcsv_fuzzXXXXXX";
    return std::string(::mkdtemp(tmpl.data())) + "/sheet.csv";
  }();
  return p;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)uplinkprobe::collector::parseCsv(
      text, {.max_rows = 1000, .max_fields = 64, .max_field_bytes = 4096});
  {
    std::ofstream out(path(), std::ios::binary | std::ios::trunc);
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
  }
  auto rows = uplinkprobe::collector::readSchoolSheet(
      path(), {.max_file_bytes = 1 << 20, .max_rows = 1000});
  if (rows.ok()) {
    std::set<std::string> ids;
    for (const auto& r : *rows) {
      if (r.school_id.empty() || r.name.empty() || !ids.insert(r.school_id).second) std::abort();
      if (r.contracted_down_mbps && *r.contracted_down_mbps < 0) std::abort();
    }
  }
  return 0;
}
