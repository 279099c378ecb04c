// The commissioning receipt as printed, sealed (id and sha256 lines), saved (receipt_store.h)
// and as a printable HTML page: values escaped, the digest checks the text, files 0640 and
// bounded in number, the QR code in the page is the library's code for id and digest.
#include "agent/cli/receipt.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "agent/cli/display_format.h"
#include "agent/cli/qr_code.h"
#include "agent/cli/receipt_store.h"
#include "agent/config/config_loader.h"
#include "agent/config/schema.h"
#include "tests/support/temp_dir.h"

namespace uplinkprobe::cli {
namespace {

using uplinkprobe::testing::TempDir;

namespace fs = std::filesystem;

config::Config hostileConfig() {
  auto c = config::loadConfigString(config::exampleConfig(), "example", config::Purpose::kTest);
  EXPECT_TRUE(c);
  c->identity.device_id = "jl-0042-p1";
  c->identity.school_id = "220102-0042";
  c->identity.school_name = "<script>alert('x')</script> & \"Nanhu\"";
  c->identity.carrier = "A<img src=x onerror=alert(1)>";
  c->source_path = "/etc/uplinkprobe/uplinkprobe.toml";
  return *c;
}

nlohmann::json throughputRecord() {
  return {{"kind", "throughput"},
          {"ts", "2026-12-02T01:53:27.123Z"},
          {"clock_synced", true},
          {"download", {{"ip_capacity_mbps", 95.6}}},
          {"upload", {{"ip_capacity_mbps", 21.0}}},
          {"error", nullptr},
          {"verdict",
           {{"target_mbps", 100},
            {"tolerance_pct", 5},
            {"measured_mbps", 95.6},
            {"meets_target", true},
            {"counted", true},
            {"unfair_reasons", nlohmann::json::array()}}}};
}

class ReceiptTest : public ::testing::Test {
 protected:
  void SetUp() override {
    cfg_ = hostileConfig();
    in_ = {
        &cfg_,        throughputRecord(), "0.1.0", "tcp://b:1883 connected", "/var/lib/u seq 7-8",
        "not started"};
  }
  TempDir dir_{"up-receipt-"};
  config::Config cfg_;
  ReceiptInput in_;
};

TEST_F(ReceiptTest, SealedTextIsThePrintedReceiptPlusIdAndDigestThatCheck) {
  const auto sealed = sealReceipt(in_, "jl-0042-p1:0123456789abcdef:7");
  EXPECT_EQ(sealed.text.rfind(formatReceipt(in_), 0), 0u) << sealed.text;
  EXPECT_NE(sealed.text.find("\nid:         jl-0042-p1:0123456789abcdef:7\n"), std::string::npos)
      << sealed.text;
  EXPECT_NE(sealed.text.find("\nsha256:     " + sealed.digest + "\n"), std::string::npos);
  EXPECT_EQ(sealed.digest, sha256Hex(formatReceipt(in_)));
  EXPECT_EQ(sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_NE(sealed.text.find("config:     fingerprint " + config::configHash(cfg_)),
            std::string::npos)
      << sealed.text;
  std::istringstream lines(sealed.text);
  for (std::string line; std::getline(lines, line);)
    EXPECT_LE(displayWidth(line), kMaxColumns) << line;

  const auto check = checkReceipt(sealed.text);
  EXPECT_TRUE(check.sealed);
  EXPECT_TRUE(check.intact);
  EXPECT_EQ(check.id, sealed.id);
  EXPECT_EQ(check.digest, sealed.digest);
  std::string changed = sealed.text;
  changed.replace(changed.find("95.6 Mbps"), 9, "99.6 Mbps");
  EXPECT_TRUE(checkReceipt(changed).sealed);
  EXPECT_FALSE(checkReceipt(changed).intact);
  EXPECT_FALSE(checkReceipt(formatReceipt(in_)).sealed);
}

TEST_F(ReceiptTest, HtmlPageEscapesEveryValueAndCarriesTheQrCodeOfIdAndDigest) {
  const auto sealed = sealReceipt(in_, "jl-0042-p1:0123456789abcdef:7");
  const std::string& h = sealed.html;
  EXPECT_EQ(h.find("<script"), std::string::npos) << h;
  EXPECT_EQ(h.find("<img"), std::string::npos) << h;
  EXPECT_NE(h.find("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;Nanhu&quot;"),
            std::string::npos)
      << h;
  EXPECT_NE(h.find("A&lt;img src=x onerror=alert(1)&gt;"), std::string::npos) << h;
  EXPECT_NE(h.find("<meta charset=\"utf-8\">"), std::string::npos);
  EXPECT_NE(h.find(sealed.digest), std::string::npos);
  for (const char* label : {"school:", "carrier:", "measured:", "verdict:", "time:", "config:"})
    EXPECT_NE(h.find(std::string("<th>") + label + "</th>"), std::string::npos) << label;
  EXPECT_NE(h.find("2026-12-02"), std::string::npos);  // the time, with its zone

  // The build is made with libqrencode (scripts/install-deps.sh): the page has the code.
  ASSERT_TRUE(qrAvailable());
  const std::string payload = receiptQrPayload(sealed.id, sealed.digest);
  auto m = encodeQr(payload);
  ASSERT_TRUE(m);
  // The SVG's rectangles are exactly the matrix's dark modules (4-module quiet zone).
  const auto svg_at = h.find("<svg");
  ASSERT_NE(svg_at, std::string::npos);
  const std::string svg = h.substr(svg_at, h.find("</svg>") - svg_at);
  EXPECT_NE(svg.find("<title>" + payload + "</title>"), std::string::npos);
  std::set<std::pair<int, int>> drawn;
  std::regex run("M(\\d+),(\\d+)h(\\d+)v1h-(\\d+)z");
  for (auto it = std::sregex_iterator(svg.begin(), svg.end(), run); it != std::sregex_iterator();
       ++it)
    for (int k = 0; k < std::stoi((*it)[3]); ++k)
      drawn.insert({std::stoi((*it)[1]) + k - 4, std::stoi((*it)[2]) - 4});
  std::set<std::pair<int, int>> dark;
  for (int y = 0; y < m->width; ++y)
    for (int x = 0; x < m->width; ++x)
      if (m->at(x, y)) dark.insert({x, y});
  EXPECT_EQ(drawn, dark);
}

TEST_F(ReceiptTest, SavedFilesAreNotWorldReadableAndOnlyTheLastOnesAreKept) {
  for (uint64_t seq = 1; seq <= kKeptReceipts + 5; ++seq)
    ASSERT_TRUE(saveReceipt(dir_.path(), seq * 2, "text " + std::to_string(seq), "<p>html</p>"));
  auto saved = listReceipts(dir_.path());
  ASSERT_TRUE(saved);
  ASSERT_EQ(saved->size(), kKeptReceipts);
  EXPECT_EQ(saved->front(), 12u);
  EXPECT_EQ(saved->back(), 2 * (kKeptReceipts + 5));
  size_t files = 0;
  for (const auto& e : fs::directory_iterator(dir_.path())) {
    ++files;
    struct stat st {};
    ASSERT_EQ(::stat(e.path().c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 07777, 0640u) << e.path();
  }
  EXPECT_EQ(files, 2 * kKeptReceipts) << "the .html goes with its .txt";
  auto text = loadReceipt(dir_.path(), 50, false);
  ASSERT_TRUE(text);
  EXPECT_EQ(*text, "text 25");
  bool missing = false;
  EXPECT_FALSE(loadReceipt(dir_.path(), 2, false, &missing));
  EXPECT_TRUE(missing);
  // A symlink planted at a receipt's name is replaced, never written through.
  const fs::path victim = dir_ / "victim";
  { std::ofstream(victim) << "keep"; }
  fs::create_symlink(victim, dir_ / "receipt-99.txt");
  ASSERT_TRUE(saveReceipt(dir_.path(), 99, "new", "<p/>"));
  std::ifstream v(victim);
  std::string got((std::istreambuf_iterator<char>(v)), std::istreambuf_iterator<char>());
  EXPECT_EQ(got, "keep");
  EXPECT_FALSE(fs::is_symlink(dir_ / "receipt-99.txt"));
  auto none = listReceipts((dir_ / "absent").string());
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->empty());
}

}  // namespace
}  // namespace uplinkprobe::cli
