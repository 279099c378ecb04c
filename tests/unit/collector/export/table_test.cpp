#include "collector/export/table.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "collector/registry/csv_reader.h"
#include "collector/registry/xlsx_reader.h"
#include "tests/support/temp_dir.h"

namespace uplinkprobe::collector {
namespace {

using uplinkprobe::testing::TempDir;

namespace fs = std::filesystem;

Table ledger() {
  Table t;
  t.columns = {"county", "学校", "reporting_pct", "schools", "note"};
  t.rows = {
      {std::string("南关区"), std::string("长春市第一实验小学"), 98.456, int64_t{12},
       std::monostate{}},
      {std::string("Kuancheng"), std::string("=HYPERLINK(\"http://x\")"), 100.0, int64_t{7},
       std::string("a, \"quoted\"\nline")},
      {std::string("双阳区"), std::string("-1+2"), std::nan(""), int64_t{-3},
       std::string("@SUM(A1)")},
  };
  return t;
}

std::vector<std::string> lines(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

TEST(DisplayWidth, CjkCountsTwoCombiningZero) {
  EXPECT_EQ(displayWidth("abc"), 3u);
  EXPECT_EQ(displayWidth("南关区"), 6u);
  EXPECT_EQ(displayWidth("（市）"), 6u);
  EXPECT_EQ(displayWidth("e\xCC\x81"), 1u);  // e + combining acute
  EXPECT_EQ(displayWidth("한국"), 4u);
  EXPECT_EQ(displayWidth("\xF0\x9F\x98\x80"), 2u);  // emoji
}

TEST(WriteText, ColumnsLineUpOnScreen) {
  Table t = ledger();
  std::ostringstream out;
  ASSERT_TRUE(writeText(t, out).ok());
  auto ls = lines(out.str());
  ASSERT_EQ(ls.size(), 5u) << out.str();  // header, rule, 3 rows (the newline is replaced)
  // Every line has the same display width up to the last column's start: check the column
  // starts by locating the third column (a number) end, right-aligned.
  std::size_t w = displayWidth(ls[1]);
  for (const auto& l : ls) EXPECT_LE(displayWidth(l), w) << l;
  EXPECT_NE(ls[2].find("98.5"), std::string::npos);
  EXPECT_NE(ls[4].find("-3"), std::string::npos);
  // Display position where column 3 ("reporting_pct") ends is identical on every data row.
  auto endOf = [](const std::string& line, const std::string& token) {
    return displayWidth(line.substr(0, line.find(token) + token.size()));
  };
  EXPECT_EQ(endOf(ls[2], "98.5"), endOf(ls[3], "100"));
  EXPECT_EQ(endOf(ls[2], "98.5"), endOf(ls[0], "reporting_pct"));
  EXPECT_EQ(endOf(ls[2], "12"), endOf(ls[3], "7"));
  EXPECT_EQ(out.str().find('\x1b'), std::string::npos);

  Table hostile{{"name"}, {{std::string("evil\x1b[2Jname")}}};
  std::ostringstream h;
  ASSERT_TRUE(writeText(hostile, h).ok());
  EXPECT_EQ(h.str().find('\x1b'), std::string::npos);
}

TEST(WriteCsv, BomCrlfQuotingAndFormulaGuardReadBack) {
  std::ostringstream out;
  ASSERT_TRUE(writeCsv(ledger(), out).ok());
  std::string s = out.str();
  ASSERT_EQ(s.substr(0, 3), "\xEF\xBB\xBF");
  EXPECT_NE(s.find("\r\n"), std::string::npos);
  auto rec = parseCsv(s);
  ASSERT_TRUE(rec.ok()) << rec.error().message;
  ASSERT_EQ(rec->size(), 4u);
  EXPECT_EQ((*rec)[0].fields[1], "学校");
  EXPECT_EQ((*rec)[1].fields,
            (std::vector<std::string>{"南关区", "长春市第一实验小学", "98.456", "12", ""}));
  EXPECT_EQ((*rec)[2].fields[1], "'=HYPERLINK(\"http://x\")");
  EXPECT_EQ((*rec)[2].fields[2], "100");
  EXPECT_EQ((*rec)[2].fields[4], "a, \"quoted\"\nline");
  EXPECT_EQ((*rec)[3].fields[1], "'-1+2");
  EXPECT_EQ((*rec)[3].fields[2], "");    // NaN
  EXPECT_EQ((*rec)[3].fields[3], "-3");  // a number, not a formula: no guard
  EXPECT_EQ((*rec)[3].fields[4], "'@SUM(A1)");
}

TEST(WriteJson, ObjectsInColumnOrder) {
  std::ostringstream out;
  ASSERT_TRUE(writeJson(ledger(), out).ok());
  auto j = nlohmann::ordered_json::parse(out.str());
  ASSERT_EQ(j.size(), 3u);
  std::vector<std::string> keys;
  for (auto it = j[0].begin(); it != j[0].end(); ++it) keys.push_back(it.key());
  EXPECT_EQ(keys, ledger().columns);
  EXPECT_EQ(j[0]["学校"], "长春市第一实验小学");
  EXPECT_TRUE(j[0]["note"].is_null());
  EXPECT_TRUE(j[0]["schools"].is_number_integer());
  EXPECT_DOUBLE_EQ(j[0]["reporting_pct"].get<double>(), 98.456);
  EXPECT_TRUE(j[2]["reporting_pct"].is_null());
  EXPECT_EQ(j[1]["学校"], "=HYPERLINK(\"http://x\")");  // JSON is data, not a spreadsheet
}

TEST(WriteTable, RowShapeIsChecked) {
  Table bad{{"a", "b"}, {{std::string("x")}}};
  std::ostringstream out;
  EXPECT_FALSE(writeText(bad, out).ok());
  EXPECT_FALSE(writeCsv(bad, out).ok());
  EXPECT_FALSE(writeJson(bad, out).ok());
}

class WriteXlsx : public ::testing::Test {
 protected:
  TempDir dir_{"table-xlsx-"};
};

TEST_F(WriteXlsx, ReadBackTypesBoldFrozenHeaderAndWidths) {
  fs::path p = dir_ / "ledger.xlsx";
  ASSERT_TRUE(writeXlsx(ledger(), p, "台账").ok());
  auto sheet = readXlsxFirstSheet(p);
  ASSERT_TRUE(sheet.ok()) << sheet.error().message;
  EXPECT_EQ(sheet->name, "台账");
  ASSERT_EQ(sheet->rows.size(), 4u);
  const auto& header = sheet->rows[0];
  EXPECT_EQ(header.number, 1);
  ASSERT_EQ(header.cells.size(), 5u);
  EXPECT_EQ(header.cells[1].text, "学校");
  const auto& r1 = sheet->rows[1].cells;
  EXPECT_EQ(r1[0].type, XlsxCell::Type::kString);
  EXPECT_EQ(r1[0].text, "南关区");
  EXPECT_EQ(r1[2].type, XlsxCell::Type::kNumber);
  EXPECT_DOUBLE_EQ(r1[2].number, 98.456);
  EXPECT_EQ(r1[3].type, XlsxCell::Type::kNumber);
  EXPECT_EQ(r1[3].number, 12);
  EXPECT_EQ(r1.size(), 4u);  // the empty last cell is not written
  const auto& r2 = sheet->rows[2].cells;
  EXPECT_EQ(r2[1].type, XlsxCell::Type::kString);  // text, never a formula
  EXPECT_EQ(r2[1].text, "=HYPERLINK(\"http://x\")");
  EXPECT_EQ(r2[4].text, "a, \"quoted\"\nline");
  const auto& r3 = sheet->rows[3].cells;
  EXPECT_EQ(r3[2].type, XlsxCell::Type::kEmpty);  // NaN
  EXPECT_EQ(r3[3].number, -3);

  auto xml = readZipEntry(p, "xl/worksheets/sheet1.xml");
  ASSERT_TRUE(xml.ok()) << xml.error().message;
  EXPECT_NE(xml->find("<pane ySplit=\"1\" topLeftCell=\"A2\" activePane=\"bottomLeft\" "
                      "state=\"frozen\"/>"),
            std::string::npos)
      << *xml;
  EXPECT_NE(xml->find("<autoFilter ref=\"A1:E4\"/>"), std::string::npos);
  // Widths: display width + 2 ("Kuancheng" -> 11; the 22-character formula text -> 24).
  EXPECT_NE(xml->find("<col min=\"1\" max=\"1\" width=\"11.7109375\""), std::string::npos);
  EXPECT_NE(xml->find("<col min=\"2\" max=\"2\" width=\"24.7109375\""), std::string::npos);
  auto styles = readZipEntry(p, "xl/styles.xml");
  ASSERT_TRUE(styles.ok());
  EXPECT_NE(styles->find("<b/>"), std::string::npos);
  // The header cells carry the bold style (s="1"), data cells do not.
  EXPECT_NE(xml->find("<c r=\"A1\" s=\"1\" t=\"s\">"), std::string::npos);
  EXPECT_NE(xml->find("<c r=\"A2\" t=\"s\">"), std::string::npos);

  // CJK text is twice as wide: "长春市第一实验小学" (9 characters, 18 columns) -> 20.
  fs::path cjk = dir_ / "cjk.xlsx";
  ASSERT_TRUE(writeXlsx(Table{{"学校"}, {{std::string("长春市第一实验小学")}}}, cjk).ok());
  auto cxml = readZipEntry(cjk, "xl/worksheets/sheet1.xml");
  ASSERT_TRUE(cxml.ok());
  EXPECT_NE(cxml->find("<col min=\"1\" max=\"1\" width=\"20.7109375\""), std::string::npos)
      << *cxml;
}

TEST_F(WriteXlsx, BytesAndErrors) {
  auto bytes = xlsxBytes(ledger());
  ASSERT_TRUE(bytes.ok()) << bytes.error().message;
  EXPECT_EQ(bytes->substr(0, 2), "PK");
  fs::path back = dir_ / "bytes.xlsx";
  std::ofstream(back, std::ios::binary) << *bytes;
  auto sheet = readXlsxFirstSheet(back);
  ASSERT_TRUE(sheet.ok());
  EXPECT_EQ(sheet->name, "ledger");
  EXPECT_EQ(sheet->rows.size(), 4u);

  EXPECT_FALSE(writeXlsx(ledger(), dir_ / "x.xlsx", "bad[name]").ok());
  EXPECT_FALSE(fs::exists(dir_ / "x.xlsx"));
  Table long_text{{"t"}, {{std::string(40000, 'x')}}};
  ASSERT_TRUE(writeXlsx(long_text, dir_ / "long.xlsx").ok());
  auto l = readXlsxFirstSheet(dir_ / "long.xlsx");
  ASSERT_TRUE(l.ok());
  EXPECT_EQ(l->rows[1].cells[0].text.size(), 32767u);
}

}  // namespace
}  // namespace uplinkprobe::collector
