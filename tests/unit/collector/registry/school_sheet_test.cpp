#include "collector/registry/school_sheet.h"

#include <gtest/gtest.h>
#include <unistd.h>
#include <xlsxwriter.h>
#include <zip.h>
#include <zlib.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <variant>
#include <vector>

#include "collector/registry/csv_reader.h"
#include "collector/registry/xlsx_reader.h"
#include "tests/support/temp_dir.h"

namespace uplinkprobe::collector {
namespace {

using uplinkprobe::testing::TempDir;

namespace fs = std::filesystem;

class SchoolSheet : public ::testing::Test {
 protected:
  fs::path write(const std::string& name, const std::string& bytes) {
    fs::path p = dir_ / name;
    std::ofstream(p, std::ios::binary) << bytes;
    return p;
  }

  using X = std::variant<std::monostate, std::string, double>;
  // A real workbook from libxlsxwriter: shared strings by default, inline strings with
  // constant_memory (the two ways producers store text).
  fs::path xlsx(const std::string& name, const std::vector<std::vector<X>>& rows,
                bool constant_memory = false) {
    fs::path p = dir_ / name;
    lxw_workbook_options opt{};
    opt.constant_memory = constant_memory ? LXW_TRUE : LXW_FALSE;
    lxw_workbook* wb = workbook_new_opt(p.c_str(), &opt);
    lxw_worksheet* ws = workbook_add_worksheet(wb, "学校");
    for (std::size_t r = 0; r < rows.size(); ++r) {
      for (std::size_t c = 0; c < rows[r].size(); ++c) {
        auto row = static_cast<lxw_row_t>(r);
        auto col = static_cast<lxw_col_t>(c);
        if (const auto* s = std::get_if<std::string>(&rows[r][c])) {
          worksheet_write_string(ws, row, col, s->c_str(), nullptr);
        } else if (const auto* d = std::get_if<double>(&rows[r][c])) {
          worksheet_write_number(ws, row, col, *d, nullptr);
        }
      }
    }
    EXPECT_EQ(workbook_close(wb), LXW_NO_ERROR);
    return p;
  }

  struct Entry {
    std::string name, data;
    std::uint64_t claimed_size = 0;  // non-zero: write raw deflate and lie about the size
  };
  fs::path makeZip(const std::string& name, const std::vector<Entry>& entries) {
    fs::path p = dir_ / name;
    zipFile z = zipOpen64(p.c_str(), APPEND_STATUS_CREATE);
    EXPECT_NE(z, nullptr);
    for (const auto& e : entries) {
      zip_fileinfo zi{};
      if (e.claimed_size == 0) {
        EXPECT_EQ(zipOpenNewFileInZip64(z, e.name.c_str(), &zi, nullptr, 0, nullptr, 0, nullptr,
                                        Z_DEFLATED, 1, 1),
                  ZIP_OK);
        EXPECT_EQ(zipWriteInFileInZip(z, e.data.data(), static_cast<unsigned>(e.data.size())),
                  ZIP_OK);
        EXPECT_EQ(zipCloseFileInZip(z), ZIP_OK);
      } else {
        // Raw deflate stream whose header claims claimed_size bytes.
        z_stream s{};
        deflateInit2(&s, 1, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY);
        std::string out(deflateBound(&s, e.data.size()), '\0');
        s.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(e.data.data()));
        s.avail_in = static_cast<uInt>(e.data.size());
        s.next_out = reinterpret_cast<Bytef*>(out.data());
        s.avail_out = static_cast<uInt>(out.size());
        deflate(&s, Z_FINISH);
        out.resize(s.total_out);
        deflateEnd(&s);
        EXPECT_EQ(zipOpenNewFileInZip2_64(z, e.name.c_str(), &zi, nullptr, 0, nullptr, 0, nullptr,
                                          Z_DEFLATED, 1, 1, 1),
                  ZIP_OK);
        zipWriteInFileInZip(z, out.data(), static_cast<unsigned>(out.size()));
        uLong crc = crc32(0, reinterpret_cast<const Bytef*>(e.data.data()),
                          static_cast<uInt>(e.data.size()));
        EXPECT_EQ(zipCloseFileInZipRaw64(z, e.claimed_size, crc), ZIP_OK);
      }
    }
    EXPECT_EQ(zipClose(z, nullptr), ZIP_OK);
    return p;
  }

  static std::string workbookXml(const std::string& sheet_target = "worksheets/sheet1.xml") {
    (void)sheet_target;
    return R"(<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"
 xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">
<sheets><sheet name="台账" sheetId="1" r:id="rId7"/><sheet name="other" sheetId="2" r:id="rId1"/></sheets></workbook>)";
  }
  static std::string relsXml(const std::string& sheet_target) {
    return R"(<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>
<Relationship Id="rId7" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target=")" +
           sheet_target + R"("/>
<Relationship Id="rId9" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="/xl/strings.xml"/>
</Relationships>)";
  }

  TempDir dir_{"school-sheet-"};
};

const std::string kBom = "\xEF\xBB\xBF";

TEST_F(SchoolSheet, CsvWithBomCrlfQuotingAndChineseHeaders) {
  auto p = write("schools.csv",
                 kBom +
                     "序号,学校代码,学校名称,市（州）,县(市、区) ,学段,运营商,合同下行（Mbps）,"
                     "合同上行,接入方式,备注\r\n"
                     "1,2201020001,\"长春市第一实验小学, 南校区\",长春市,南关区,小学,电信,100M,"
                     "１００,光纤,\"说\"\"明\"\"\r\n第二行\"\r\n"
                     "\r\n"
                     "2, 2201030002 ,教学点,长春市,宽城区,教学点,移动,1G,,5G,\n");
  auto rows = readSchoolSheet(p);
  ASSERT_TRUE(rows.ok()) << rows.error().message;
  ASSERT_EQ(rows->size(), 2u);
  const SchoolRow& a = (*rows)[0];
  EXPECT_EQ(a.row, 2);
  EXPECT_EQ(a.school_id, "2201020001");
  EXPECT_EQ(a.name, "长春市第一实验小学, 南校区");
  EXPECT_EQ(a.city, "长春市");
  EXPECT_EQ(a.county, "南关区");
  EXPECT_EQ(a.stage, "小学");
  EXPECT_EQ(a.carrier, "电信");
  EXPECT_EQ(a.access, "光纤");
  EXPECT_EQ(a.contracted_down_mbps, 100.0);
  EXPECT_EQ(a.contracted_up_mbps, 100.0);
  const SchoolRow& b = (*rows)[1];
  EXPECT_EQ(b.row, 4);  // the quoted line break stays in row 2; the blank row 3 counts
  EXPECT_EQ(b.school_id, "2201030002");
  EXPECT_EQ(b.contracted_down_mbps, 1000.0);
  EXPECT_FALSE(b.contracted_up_mbps.has_value());
}

TEST_F(SchoolSheet, EnglishHeadersWithTitleRowAndLf) {
  auto p = write("schools.CSV",
                 "Jilin school broadband ledger,,,\n"
                 " School ID ,NAME,City,County,contracted_down_mbps\n"
                 "S-1,First School,Changchun,Nanguan,200\n");
  auto rows = readSchoolSheet(p);
  ASSERT_TRUE(rows.ok()) << rows.error().message;
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ((*rows)[0].row, 3);
  EXPECT_EQ((*rows)[0].school_id, "S-1");
  EXPECT_EQ((*rows)[0].contracted_down_mbps, 200.0);
  EXPECT_TRUE((*rows)[0].carrier.empty());
}

TEST_F(SchoolSheet, EveryBadRowIsListedAndNothingIsReturned) {
  auto p = write("bad.csv",
                 "学校代码,学校名称,市(州),县(市、区),合同下行\n"
                 "A1,一小,长春市,南关区,100\n"
                 ",二小,长春市,南关区,100\n"
                 "A1,三小,长春市,南关区,100\n"
                 "A4,四小,长春市,南关区,fast\n"
                 "A 5,五小,,南关区,-3\n"
                 "A6,六小,长春市,南关区,100\n");
  auto rows = readSchoolSheet(p);
  ASSERT_FALSE(rows.ok());
  const std::string& m = rows.error().message;
  EXPECT_EQ(rows.error().kind, ErrorKind::kSheet);
  EXPECT_NE(m.find("4 bad rows, nothing imported"), std::string::npos) << m;
  EXPECT_NE(m.find("row 3: missing 学校代码 (school_id)"), std::string::npos) << m;
  EXPECT_NE(m.find("row 4: 学校代码 (school_id) \"A1\" is already on row 2"), std::string::npos)
      << m;
  EXPECT_NE(m.find("row 5: 合同下行 (contracted_down_mbps) \"fast\" is not a number"),
            std::string::npos)
      << m;
  EXPECT_NE(m.find("row 6: missing 市(州) (city); 学校代码 (school_id) \"A 5\": use 1-64 "),
            std::string::npos)
      << m;
  EXPECT_NE(m.find("\"-3\" must be between 0 and 100000"), std::string::npos) << m;
  EXPECT_EQ(m.find("row 7"), std::string::npos) << m;
}

TEST_F(SchoolSheet, ReportedErrorsAreCapped) {
  std::string csv = "school_id,name,city,county\n";
  for (int i = 0; i < 50; ++i) csv += ",x,y,z\n";
  auto rows = readSchoolSheet(write("many.csv", csv), SheetLimits{.max_reported_errors = 5});
  ASSERT_FALSE(rows.ok());
  EXPECT_NE(rows.error().message.find("... and 45 more bad rows"), std::string::npos);
}

TEST_F(SchoolSheet, FileLevelProblems) {
  auto err = [&](const std::string& name, const std::string& bytes) {
    auto rows = readSchoolSheet(write(name, bytes));
    EXPECT_FALSE(rows.ok()) << name;
    return rows.ok() ? std::string() : rows.error().message;
  };
  EXPECT_NE(err("gbk.csv", "\xd1\xa7\xd0\xa3\xb4\xfa\xc2\xeb,name\n").find("CSV UTF-8"),
            std::string::npos);
  EXPECT_NE(err("cols.csv", "学校代码,学校名称\nA,B\n").find("missing column(s) 市(州)/city"),
            std::string::npos);
  EXPECT_NE(err("nohdr.csv", "a,b\n1,2\n").find("no header row"), std::string::npos);
  EXPECT_NE(err("dup.csv", "学校代码,school_id,name,city,county\n").find("are both"),
            std::string::npos);
  EXPECT_NE(err("q.csv", "school_id,name,city,county\n\"A,b,c,d\n").find("never closed"),
            std::string::npos);
  EXPECT_NE(err("q2.csv", "school_id,name,city,county\n\"A\"x,b,c,d\n").find("row 2"),
            std::string::npos);
  EXPECT_NE(err("empty.csv", "school_id,name,city,county\n").find("no school rows"),
            std::string::npos);
  EXPECT_NE(err("schools.ods", "x").find(".csv or .xlsx"), std::string::npos);
  EXPECT_NE(err("old.xlsx", std::string("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", 8) + "junk")
                .find("old .xls or a password-protected"),
            std::string::npos);
  EXPECT_NE(err("renamed.xlsx", "school_id,name\n").find("not an .xlsx"), std::string::npos);
  EXPECT_FALSE(readSchoolSheet(dir_ / "absent.csv").ok());
}

TEST_F(SchoolSheet, SizeAndRowCaps) {
  std::string csv = "school_id,name,city,county\n";
  for (int i = 0; i < 20; ++i) csv += "S" + std::to_string(i) + ",n,c,d\n";
  auto p = write("big.csv", csv);
  EXPECT_FALSE(readSchoolSheet(p, SheetLimits{.max_file_bytes = 100}).ok());
  auto rows = readSchoolSheet(p, SheetLimits{.max_rows = 10});
  ASSERT_FALSE(rows.ok());
  EXPECT_NE(rows.error().message.find("more than"), std::string::npos);
  EXPECT_TRUE(readSchoolSheet(p, SheetLimits{.max_rows = 20}).ok());
}

TEST_F(SchoolSheet, XlsxSharedAndInlineStringsNumbersAndRowNumbers) {
  std::vector<std::vector<X>> rows = {
      {std::string("吉林省中小学宽带接入台账")},
      {std::string("学校代码"), std::string("学校名称"), std::string("市（州）"),
       std::string(" 县(市、区)"), std::string("运营商"), std::string("合同下行"),
       std::string("合同上行")},
      {2201020001.0, std::string("长春市第一实验小学"), std::string("长春市"),
       std::string("南关区"), std::string("联通"), 100.0, 50.5},
      {},
      {std::string("2201030002"), std::string("双阳区教学点"), std::string("长春市"),
       std::string("双阳区"), std::monostate{}, std::string("200M"), std::monostate{}},
  };
  for (bool inline_strings : {false, true}) {
    auto p = xlsx(inline_strings ? "inline.xlsx" : "shared.xlsx", rows, inline_strings);
    auto read = readSchoolSheet(p);
    ASSERT_TRUE(read.ok()) << read.error().message;
    ASSERT_EQ(read->size(), 2u);
    EXPECT_EQ((*read)[0].row, 3);
    EXPECT_EQ((*read)[0].school_id, "2201020001");  // a number cell, written as an integer
    EXPECT_EQ((*read)[0].name, "长春市第一实验小学");
    EXPECT_EQ((*read)[0].county, "南关区");
    EXPECT_EQ((*read)[0].carrier, "联通");
    EXPECT_EQ((*read)[0].contracted_down_mbps, 100.0);
    EXPECT_EQ((*read)[0].contracted_up_mbps, 50.5);
    EXPECT_EQ((*read)[1].row, 5);
    EXPECT_EQ((*read)[1].contracted_down_mbps, 200.0);
    EXPECT_FALSE((*read)[1].contracted_up_mbps.has_value());
  }
}

TEST_F(SchoolSheet, XlsxBadRowsNameSheetRows) {
  auto p = xlsx("bad.xlsx",
                {{std::string("school_id"), std::string("name"), std::string("city"),
                  std::string("county"), std::string("合同下行")},
                 {std::string("A"), std::string("n"), std::string("c"), std::string("d"),
                  std::string("百兆")},
                 {std::string("A"), std::string("n"), std::string("c"), std::string("d"), 100.0}});
  auto read = readSchoolSheet(p);
  ASSERT_FALSE(read.ok());
  EXPECT_NE(read.error().message.find("row 2: 合同下行 (contracted_down_mbps) \"百兆\""),
            std::string::npos)
      << read.error().message;
  EXPECT_NE(read.error().message.find("row 3: school_id \"A\" is already on row 2"),
            std::string::npos)
      << read.error().message;
}

// A package as other producers write it: prefixed namespace, first sheet not sheet1.xml
// (found through the relations), absolute shared-strings target, rich text with phonetic
// runs, entities and character references, inline string, a formula's cached string.
TEST_F(SchoolSheet, HandWrittenPackageWithRelationsRichTextAndPrefixes) {
  std::string strings = R"(<?xml version="1.0"?><sst xmlns="x" count="6">
<si><t>学校代码</t></si><si><r><rPr><b/></rPr><t>学校</t></r><r><t xml:space="preserve">名称</t></r><rPh sb="0" eb="2"><t>がっこう</t></rPh></si>
<si><t>市(州)</t></si><si><t>县(市、区)</t></si><si><t>A&amp;B &#x5C0F;&#23398;</t></si><si><t>长春市</t></si></sst>)";
  std::string sheet = R"(<?xml version="1.0"?><x:worksheet xmlns:x="x"><x:sheetData>
<x:row r="1"><x:c r="A1" t="s"><x:v>0</x:v></x:c><x:c r="B1" t="s"><x:v>1</x:v></x:c><x:c r="C1" t="s"><x:v>2</x:v></x:c><x:c r="D1" t="s"><x:v>3</x:v></x:c></x:row>
<x:row r="4"><x:c r="A4" t="inlineStr"><x:is><x:t>S1</x:t></x:is></x:c><x:c r="B4" t="s"><x:v>4</x:v></x:c><x:c r="C4" t="s"><x:v>5</x:v></x:c><x:c r="D4" t="str"><x:f>"南"&amp;"关区"</x:f><x:v>南关区</x:v></x:c></x:row>
</x:sheetData></x:worksheet>)";
  auto p = makeZip("handmade.xlsx", {{"xl/workbook.xml", workbookXml()},
                                     {"xl/_rels/workbook.xml.rels", relsXml("worksheets/data.xml")},
                                     {"xl/worksheets/sheet1.xml", "<worksheet/>"},
                                     {"xl/worksheets/data.xml", sheet},
                                     {"xl/strings.xml", strings}});
  auto sheet_read = readXlsxFirstSheet(p);
  ASSERT_TRUE(sheet_read.ok()) << sheet_read.error().message;
  EXPECT_EQ(sheet_read->name, "台账");
  ASSERT_EQ(sheet_read->rows.size(), 2u);
  EXPECT_EQ(sheet_read->rows[0].cells[1].text, "学校名称");  // phonetic run dropped
  auto rows = readSchoolSheet(p);
  ASSERT_TRUE(rows.ok()) << rows.error().message;
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ((*rows)[0].row, 4);
  EXPECT_EQ((*rows)[0].name, "A&B 小学");
  EXPECT_EQ((*rows)[0].county, "南关区");
}

TEST_F(SchoolSheet, ZipBombAndHostileXmlAreRefused) {
  std::string huge_sheet =
      "<worksheet><sheetData>" + std::string(4 << 20, ' ') + "</sheetData></worksheet>";
  SheetLimits small{.max_uncompressed_bytes = 1 << 20};
  // Honest header: refused before inflating.
  auto honest = makeZip("bomb1.xlsx", {{"xl/workbook.xml", workbookXml()},
                                       {"xl/_rels/workbook.xml.rels", relsXml("worksheets/s.xml")},
                                       {"xl/worksheets/s.xml", huge_sheet}});
  auto r1 = readSchoolSheet(honest, small);
  ASSERT_FALSE(r1.ok());
  EXPECT_NE(r1.error().message.find("more than the 1048576 allowed"), std::string::npos)
      << r1.error().message;
  // Lying header (claims 100 bytes): stopped while inflating, whatever the header says.
  auto liar = makeZip("bomb2.xlsx", {{"xl/workbook.xml", workbookXml()},
                                     {"xl/_rels/workbook.xml.rels", relsXml("worksheets/s.xml")},
                                     {"xl/worksheets/s.xml", huge_sheet, 100}});
  EXPECT_FALSE(readSchoolSheet(liar, small).ok());
  // Entity expansion needs a DTD: refused.
  auto dtd =
      makeZip("dtd.xlsx", {{"xl/workbook.xml", "<!DOCTYPE x [<!ENTITY a \"aaaa\">]><workbook/>"}});
  auto r3 = readSchoolSheet(dtd);
  ASSERT_FALSE(r3.ok());
  EXPECT_NE(r3.error().message.find("DTD"), std::string::npos) << r3.error().message;
  // Deep nesting and broken XML.
  std::string deep;
  for (int i = 0; i < 1000; ++i) deep += "<a>";
  auto nested = makeZip("deep.xlsx", {{"xl/workbook.xml", deep}});
  EXPECT_FALSE(readSchoolSheet(nested).ok());
  auto missing = makeZip("nosheet.xlsx", {{"xl/workbook.xml", workbookXml()}});
  EXPECT_FALSE(readSchoolSheet(missing).ok());
  // A shared string index beyond the table.
  auto badidx = makeZip(
      "idx.xlsx",
      {{"xl/workbook.xml", "<workbook/>"},
       {"xl/worksheets/sheet1.xml",
        R"(<worksheet><sheetData><row r="1"><c r="A1" t="s"><v>7</v></c></row></sheetData></worksheet>)"}});
  auto r4 = readSchoolSheet(badidx);
  ASSERT_FALSE(r4.ok());
  EXPECT_NE(r4.error().message.find("out of range"), std::string::npos);
}

TEST(CsvReader, Rfc4180EdgeCases) {
  auto r = parseCsv("a,\"b\"\"c\",\r\n\"x\ny\",,\"\"\r\nlast");
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r->size(), 3u);
  EXPECT_EQ((*r)[0].fields, (std::vector<std::string>{"a", "b\"c", ""}));
  EXPECT_EQ((*r)[1].fields, (std::vector<std::string>{"x\ny", "", ""}));
  EXPECT_EQ((*r)[1].number, 2);
  EXPECT_EQ((*r)[2].fields, (std::vector<std::string>{"last"}));
  EXPECT_EQ((*r)[2].number, 3);
  auto cr = parseCsv("a\rb\r");
  ASSERT_TRUE(cr.ok());
  EXPECT_EQ(cr->size(), 2u);
  EXPECT_TRUE(isValidUtf8("学校"));
  EXPECT_FALSE(isValidUtf8("\xC0\x80"));          // overlong
  EXPECT_FALSE(isValidUtf8("\xED\xA0\x80"));      // surrogate
  EXPECT_FALSE(isValidUtf8("\xF4\x90\x80\x80"));  // > U+10FFFF
}

TEST(SchoolSheetHeaders, Normalization) {
  EXPECT_EQ(normalizeHeader(" 市（州） "), "市(州)");
  EXPECT_EQ(normalizeHeader("School ID"), "schoolid");
  EXPECT_EQ(normalizeHeader("school_id"), "schoolid");
  EXPECT_EQ(normalizeHeader("县（市、区）"), "县(市、区)");
  EXPECT_EQ(normalizeHeader("学校　代码"), "学校代码");  // ideographic space
}

}  // namespace
}  // namespace uplinkprobe::collector
