// Hostile .xlsx school sheets. First byte selects:
//  even: the rest is the whole file (zip container, minizip + bounds);
//  odd:  the rest is split at the first NUL into xl/sharedStrings.xml and
//        xl/worksheets/sheet1.xml, zipped (stored) beside a fixed workbook: fuzzes the XML
//        reader and the cell model behind a valid container.
// Must never crash, hang, overread or allocate beyond the limits.
#include <unistd.h>
#include <zip.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "collector/registry/school_sheet.h"
#include "collector/registry/xlsx_reader.h"
#include "collector/registry/xml_reader.h"

namespace {
const std::string& dir() {
  static std::string d = [] {
    std::string base = std::filesystem::is_directory("/dev/shm") ? "/dev/shm" : "/tmp";
    std::string tmpl = base + "/upxlsx_fuzzXXXXXX";
    return std::string(::mkdtemp(tmpl.data()));
  }();
  return d;
}

void add(zipFile z, const char* name, const std::string& data) {
  zip_fileinfo zi{};
  zipOpenNewFileInZip(z, name, &zi, nullptr, 0, nullptr, 0, nullptr, 0, 0);
  zipWriteInFileInZip(z, data.data(), static_cast<unsigned>(data.size()));
  zipCloseFileInZip(z);
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  const std::string file = dir() + "/sheet.xlsx";
  if ((data[0] & 1) == 0) {
    std::ofstream(file, std::ios::binary | std::ios::trunc) << rest;
  } else {
    std::size_t nul = rest.find('\0');
    std::string strings = rest.substr(0, nul);
    std::string sheet = nul == std::string::npos ? "" : rest.substr(nul + 1);
    // The XML reader on its own, over both parts.
    for (const std::string* part : {&strings, &sheet}) {
      uplinkprobe::collector::XmlReader xml(*part);
      for (int i = 0; i < 100000; ++i) {
        auto ev = xml.next();
        if (ev == uplinkprobe::collector::XmlReader::Event::kEof ||
            ev == uplinkprobe::collector::XmlReader::Event::kError) {
          break;
        }
      }
    }
    zipFile z = zipOpen(file.c_str(), APPEND_STATUS_CREATE);
    if (!z) return 0;
    add(z, "xl/workbook.xml",
        R"(<workbook xmlns:r="r"><sheets><sheet name="s" r:id="rId1"/></sheets></workbook>)");
    add(z, "xl/_rels/workbook.xml.rels",
        R"(<Relationships><Relationship Id="rId1" Target="worksheets/sheet1.xml" Type="w"/></Relationships>)");
    add(z, "xl/sharedStrings.xml", strings);
    add(z, "xl/worksheets/sheet1.xml", sheet);
    zipClose(z, nullptr);
  }
  uplinkprobe::collector::XlsxLimits limits;
  limits.max_file_bytes = 1 << 20;
  limits.max_part_bytes = 4 << 20;
  limits.max_rows = 2000;
  limits.max_columns = 64;
  (void)uplinkprobe::collector::readXlsxFirstSheet(file, limits);
  (void)uplinkprobe::collector::readSchoolSheet(
      file, {.max_file_bytes = 1 << 20, .max_uncompressed_bytes = 4 << 20, .max_rows = 2000});
  return 0;
}
